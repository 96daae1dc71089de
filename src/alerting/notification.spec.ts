import { describe, expect, it } from 'vitest';
import type { LimitCrossing } from '../usage/usage.types.js';
import { operatorWantsLimit } from './operator-alerts.job.js';
import {
  anomalyEvidence,
  anomalyLink,
  emailContent,
  limitAlertKey,
  limitAlertText,
  limitFigure,
  type Notification,
  pagerdutyBody,
  retryDelayMs,
  signWebhook,
  slackBody,
  webhookBody,
  withEvidence,
} from './notification.js';

const n: Notification = {
  tenantId: 'acme',
  alertKey: 'anomaly:an_1',
  event: 'trigger',
  severity: 'critical',
  title: 'rate spike',
  rule: 'rate_spike',
  summary: 'Message rate 12× the baseline',
  details: { factor: 12 },
  at: '2026-11-28T18:00:00.000Z',
};

describe("the anomaly's story link", () => {
  const link = anomalyLink('https://pulse.example.com', 'an_0123456789abcdef');

  it('is the dashboard fragment under the public URL, and absent without one', () => {
    expect(link).toBe('https://pulse.example.com/dashboard/#anomaly=an_0123456789abcdef');
    expect(anomalyLink(undefined, 'an_0123456789abcdef')).toBeNull();
  });

  it('is in every channel’s message when set, and in none when not', () => {
    const linked: Notification = { ...n, link: link as string };
    expect(JSON.stringify(slackBody(linked))).toContain(`<${link}|Open the anomaly's story>`);
    expect(pagerdutyBody(linked, 'rk')).toMatchObject({ links: [{ href: link }] });
    expect(emailContent(linked).text).toContain(`Story: ${link}`);
    expect((webhookBody(linked) as { data: Notification }).data.link).toBe(link);
    for (const body of [slackBody(n), pagerdutyBody(n, 'rk'), emailContent(n), webhookBody(n)])
      expect(JSON.stringify(body)).not.toContain('anomaly=');
  });
});

describe('notifications', () => {
  it('signs webhooks as the Standard Webhooks spec (its published test vector)', () => {
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('PagerDuty: trigger and resolve share the dedup key; severity mapped', () => {
    const trigger = pagerdutyBody(n, 'KEY12345') as Record<string, unknown>;
    const resolve = pagerdutyBody({ ...n, event: 'resolve' }, 'KEY12345') as Record<string, unknown>;
    expect(trigger).toMatchObject({
      routing_key: 'KEY12345',
      event_action: 'trigger',
      dedup_key: 'pulse:acme:anomaly:an_1',
    });
    expect(trigger.payload).toMatchObject({
      severity: 'critical',
      source: 'pulse',
      summary: 'rate spike: Message rate 12× the baseline',
    });
    expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: 'pulse:acme:anomaly:an_1' });
  });

  it('Slack has text and blocks; e-mail has a subject saying what happened', () => {
    const slack = slackBody(n) as { text: string; blocks: unknown[] };
    expect(slack.text).toContain('Alert: rate spike (acme)');
    expect(slack.blocks.length).toBe(2);
    expect(emailContent({ ...n, event: 'resolve' }).subject).toBe('[Pulse RESOLVED] rate spike (acme)');
  });

  it('Slack: text a tenant chose is escaped (no pings, no disguised links); info has its own icon', () => {
    const hostile = {
      ...n,
      severity: 'info' as const,
      title: '<!channel> a&b <http://evil|click>',
      rule: '<!here>',
      summary: 'New subject pattern: tenant.acme.<@U123>',
    };
    const body = JSON.stringify(slackBody(hostile));
    expect(body).not.toMatch(/<!channel>|<!here>|<http:\/\/evil\|click>|<@U123>/);
    expect(body).toContain('&lt;!channel&gt; a&amp;b &lt;http://evil|click&gt;');
    expect(body).toContain('rule &lt;!here&gt;');
    expect((slackBody(hostile) as { text: string }).text.startsWith(':information_source:')).toBe(true);
  });

  it('every channel names the rule that fired', () => {
    expect(JSON.stringify(slackBody(n))).toContain('rule rate_spike');
    expect(
      (pagerdutyBody(n, 'KEY12345') as { payload: { custom_details: Record<string, unknown> } }).payload.custom_details,
    ).toMatchObject({ rule: 'rate_spike' });
    expect(emailContent(n).text).toContain('Rule: rate_spike');
  });

  it('a JetStream anomaly names its stream and consumer in every channel', () => {
    // The summary as the consumer_stalled family writes it (jetstream-families.spec.ts), the
    // details as AlertingService passes them.
    const js: Notification = {
      ...n,
      alertKey: 'anomaly:an_2',
      title: 'consumer stalled',
      rule: 'consumer_stalled',
      summary: 'Consumer worker of stream ORDERS is stalled: 40 messages outstanding, grown for 3 windows with no ack',
      details: { anomalyId: 'an_2', type: 'consumer_stalled', stream: 'ORDERS', consumer: 'worker', pending: 40 },
    };
    const bodies = {
      slack: JSON.stringify(slackBody(js)),
      pagerduty: JSON.stringify(pagerdutyBody(js, 'KEY12345')),
      email: JSON.stringify(emailContent(js)),
      webhook: JSON.stringify(webhookBody(js)),
    };
    for (const [channel, body] of Object.entries(bodies)) {
      expect(body, channel).toContain('worker');
      expect(body, channel).toContain('ORDERS');
    }
    const pd = pagerdutyBody(js, 'KEY12345') as { payload: { custom_details: Record<string, unknown> } };
    expect(pd.payload.custom_details).toMatchObject({ stream: 'ORDERS', consumer: 'worker' });
  });

  it("an anomaly's evidence says value, expected range, score and detector, in words", () => {
    const spike = { metric: 'messages', value: 3000, expected: 993.4098, lower: 860.71, upper: 1126.1, score: 0.99931 };
    expect(anomalyEvidence({ ...spike, detector: 'spike' })).toBe(
      'value 3,000, expected 993.4, expected range 860.7–1,126, score 0.9993, detector: statistical model, spike',
    );
    // A rule's bound on one side only; a rule without a baseline says no expected value.
    expect(
      anomalyEvidence({ detector: 'rate_spike', value: 20_000, expected: 1000, lower: null, upper: 12_000, score: 1 }),
    ).toBe('value 20,000, expected 1,000, expected range up to 12,000, score 1, detector: rule rate_spike');
    expect(
      anomalyEvidence({ detector: 'traffic_drop', value: 5, expected: 1000, lower: 100, upper: null, score: 1 }),
    ).toBe('value 5, expected 1,000, expected range from 100, score 1, detector: rule traffic_drop');
    expect(anomalyEvidence({ detector: 'error_rate', value: 0.3, expected: null, lower: null, upper: 0.1 })).toBe(
      'value 0.3, expected range up to 0.1, detector: rule error_rate',
    );
    // Stored before details carried it: nothing to say (and no evidence field).
    expect(anomalyEvidence({ metric: 'messages', value: 3000, expected: 1000 })).toBeNull();
    expect(withEvidence({ factor: 12 })).toEqual({});
  });

  it("every channel carries an anomaly's value, expected range, score and detector", () => {
    const details = { detector: 'spike', value: 3000, expected: 1000, lower: 860, upper: 1140, score: 0.9993 };
    const spike: Notification = { ...n, title: 'spike', rule: 'spike', ...withEvidence(details), details };
    const words =
      'value 3,000, expected 1,000, expected range 860–1,140, score 0.9993, detector: statistical model, spike';
    expect(spike.evidence).toBe(words);
    const slack = slackBody(spike) as { blocks: { text?: { text: string } }[] };
    expect(slack.blocks[0].text!.text).toContain(`\n${words}`);
    const pd = pagerdutyBody(spike, 'KEY12345') as { payload: { summary: string; custom_details: object } };
    expect(pd.payload.summary).toBe(`spike: Message rate 12× the baseline (${words})`);
    expect(pd.payload.custom_details).toMatchObject({ evidence: words, ...details });
    expect(emailContent(spike).text).toContain(`Why: ${words}\n`);
    expect(emailContent(spike).text).toContain('"upper": 1140');
    const hook = webhookBody(spike) as { data: Notification };
    expect(hook.data).toMatchObject({ evidence: words, details });
    // An alert without evidence (a custom rule, a limit) says nothing more than before.
    expect(JSON.stringify(slackBody(n))).not.toContain('expected range');
    expect(emailContent(n).text).not.toContain('Why:');
  });

  it('retry delays: Retry-After (seconds or date) wins, else exponential with jitter, capped', () => {
    expect(retryDelayMs(1, 1000, '3')).toBe(3000);
    expect(retryDelayMs(1, 1000, new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryDelayMs(1, 1000, '99999')).toBe(300_000);
    expect(retryDelayMs(1, 1000, null, () => 0)).toBe(500);
    expect(retryDelayMs(3, 1000, null, () => 1)).toBe(4000);
    expect(retryDelayMs(3, 1000, null, () => 0)).toBe(2000);
  });

  it('a limit crossing says the limit, used of max, the utilisation and the level; its end the same title', () => {
    const crossing: LimitCrossing = {
      id: 'acme:connections:warning:1764352800000',
      tenantId: 'acme',
      limit: 'connections',
      level: 'warning',
      event: 'opened',
      used: 4,
      max: 5,
      utilisation: 0.8,
      at: '2026-11-28T18:00:00.000Z',
    };
    const opened = limitAlertText(crossing);
    expect(opened.title).toBe('connections limit warning');
    expect(opened.summary).toBe('connections at 80 % of the limit (4 of 5): past the warning threshold');
    expect(opened.details).toEqual({
      crossingId: crossing.id,
      limit: 'connections',
      level: 'warning',
      event: 'opened',
      used: 4,
      max: 5,
      utilisation: 0.8,
      utilisationPercent: 80,
    });
    const resolved = limitAlertText({ ...crossing, event: 'resolved', used: 3, utilisation: 0.6 });
    expect(resolved.title).toBe(opened.title);
    expect(resolved.summary).toBe('connections back below the warning threshold: 60 % of the limit (3 of 5)');
    // One alert key for the opening and the end: PagerDuty resolves what it triggered.
    expect(limitAlertKey(crossing)).toBe('limit:connections:warning:1764352800000');
    const pd = [crossing, { ...crossing, event: 'resolved' as const }].map((c) =>
      pagerdutyBody(
        { ...n, alertKey: limitAlertKey(c), event: c.event === 'opened' ? 'trigger' : 'resolve', severity: c.level },
        'RK',
      ),
    ) as { dedup_key: string; event_action: string }[];
    expect(pd.map((b) => b.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd[0].dedup_key).toBe('pulse:acme:limit:connections:warning:1764352800000');
    expect(pd[1].dedup_key).toBe(pd[0].dedup_key);
    // 79.6 % is not said as 80 %: a resolve never reads as if the threshold still held.
    expect(limitAlertText({ ...crossing, event: 'resolved', utilisation: 0.796 }).summary).toContain('79 %');
  });

  it('limit figures: bytes in binary units, counts with separators', () => {
    expect(limitFigure('payload', 1_048_576)).toBe('1 MiB');
    expect(limitFigure('jetstreamStorage', 1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(limitFigure('data', 512)).toBe('512 B');
    expect(limitFigure('monthlyMessages', 1_000_000)).toBe('1,000,000');
    expect(limitFigure('connections', 5)).toBe('5');
  });

  it('ALERT_OPERATOR_LIMITS: all tells every crossing, critical the critical ones, off none', () => {
    expect(['warning', 'critical'].map((l) => operatorWantsLimit('all', l as 'warning'))).toEqual([true, true]);
    expect(['warning', 'critical'].map((l) => operatorWantsLimit('critical', l as 'warning'))).toEqual([false, true]);
    expect(['warning', 'critical'].map((l) => operatorWantsLimit('off', l as 'warning'))).toEqual([false, false]);
  });
});
