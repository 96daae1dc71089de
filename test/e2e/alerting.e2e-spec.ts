import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { RuleEvaluatorJob } from '../../src/alerting/rule-evaluator.job.js';
import { DeliveryQueueRepository } from '../../src/alerting/delivery-queue.repository.js';
import { signWebhook } from '../../src/alerting/notification.js';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { startRedisServer } from '../support/processes.js';
import { HttpReceiver, localAlerting, localChannels, SmtpReceiver } from '../support/receivers.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { publisher, publishMany } from '../support/traffic.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789';

describe('alerting with local receivers (real NATS and Redis)', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let t: CreatedTenant;
  let sent = 0;
  let webhookSecret = '';
  const channelIds: Record<string, string> = {};
  let options: ReturnType<typeof testOptions>;
  let clock = Date.now();

  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, key = t.apiKey) =>
    request<T>(pulse.url, method, `/api/v1${path}`, { key, body });

  async function window(count: number): Promise<void> {
    if (count > 0) await publishMany(nc, count, (i) => `tenant.${t.id}.orders.${i % 5}`, 20);
    sent += count;
    await waitFor(
      async () => (await api<{ messages: { total: number } }>('GET', '/metrics/realtime')).body.messages.total,
      (n) => n === sent,
    );
    clock += options.anomalyWindowMs; // the next window of a virtual clock (windows sit on wall-clock boundaries)
    const now = clock;
    expect(
      await waitFor(
        () => pulse.app.get(AnomalyDetectionJob).run(now),
        (r) => r !== null,
      ),
    ).not.toBeNull();
  }

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    smtp = await new SmtpReceiver().start();
    options = testOptions({
      anomalyWindowMs: 3_600_000,
      anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
      alerting: localAlerting(http, smtp, { maxAttempts: 4 }),
    });
    pulse = await startPulse(options);
    nc = await publisher();
    t = await createTenant(pulse.url, uniqueTenantId('alerts'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    const channels = [
      ...localChannels(http, ROUTING_KEY),
      { type: 'webhook', name: 'flaky', config: { url: `${http.url}/flaky` } },
    ];
    for (const c of channels) {
      const res = await api<{ id: string; signingSecret?: string }>('POST', '/alerts/channels', c);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      channelIds[c.name] = res.body.id;
      if (c.name === 'webhook') webhookSecret = res.body.signingSecret!;
    }
    expect(webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await http?.stop();
    await smtp?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a burst alerts every channel exactly once, and its end resolves once', async () => {
    http.plan('/flaky', [500, 503]);
    await window(0);
    for (let i = 0; i < 5; i++) await window(20);
    await window(500); // spike
    await window(500); // still spiking: no second alert
    await pulse.app.get(AlertingService).settle();
    await window(20);
    await window(20); // resolved after the hold-down
    await pulse.app.get(AlertingService).settle();

    const slack = http.requests.filter((r) => r.path.startsWith('/slack/'));
    expect(slack).toHaveLength(2);
    const slackBodies = slack.map((r) => JSON.parse(r.body));
    expect(slackBodies[0].text).toMatch(/Alert: rate spike/);
    expect(slackBodies[0].blocks.length).toBeGreaterThan(0);
    expect(slackBodies[1].text).toMatch(/Resolved/);

    const pd = http.on('/pagerduty').map((r) => JSON.parse(r.body));
    expect(pd.map((b) => b.event_action)).toEqual(['trigger', 'resolve']);
    for (const b of pd) {
      expect(b.routing_key).toBe(ROUTING_KEY);
      expect(b.dedup_key).toMatch(new RegExp(`^pulse:${t.id}:anomaly:an_[0-9a-f]+$`));
      expect(b.payload).toMatchObject({ source: 'pulse', severity: expect.stringMatching(/warning|critical/) });
      expect(b.payload.summary).toMatch(/rate/i);
    }
    expect(pd[0].dedup_key).toBe(pd[1].dedup_key);

    const hooks = http.on('/hook');
    expect(hooks).toHaveLength(2);
    for (const h of hooks) {
      const id = String(h.headers['webhook-id']);
      const ts = Number(h.headers['webhook-timestamp']);
      expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
      expect(h.headers['webhook-signature']).toBe(signWebhook(webhookSecret, id, ts, h.body));
    }
    expect(hooks.map((h) => JSON.parse(h.body).type)).toEqual(['alert.fired', 'alert.resolved']);

    // Failing twice then succeeding: three requests for the trigger, one delivery; one for the resolve.
    expect(http.on('/flaky')).toHaveLength(4);
    const deliveries = (
      await api<{
        deliveries: { channelId: string; event: string; attempt: number; outcome: string; statusCode: number }[];
      }>('GET', '/alerts/deliveries')
    ).body.deliveries;
    const flaky = deliveries.filter((d) => d.channelId === channelIds.flaky && d.event === 'trigger').reverse();
    expect(flaky.map((d) => [d.attempt, d.outcome, d.statusCode])).toEqual([
      [1, 'retrying', 500],
      [2, 'retrying', 503],
      [3, 'delivered', 200],
    ]);

    await waitFor(
      async () => smtp.messages.length,
      (n) => n === 2,
    );
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[0].to).toEqual(['oncall@example.com']);
    expect(smtp.messages[0].data).toMatch(/Subject: \[Pulse (WARNING|CRITICAL)\] rate spike/);
    expect(smtp.messages[1].data).toMatch(/Subject: \[Pulse RESOLVED\]/);

    const alerts = (await api<{ alerts: { status: string; type: string }[] }>('GET', '/alerts')).body.alerts;
    expect(alerts.map((a) => [a.type, a.status])).toEqual([
      ['rate_spike', 'resolved'],
      ['rate_spike', 'firing'],
    ]);
  });

  it('a custom rule (online_clients lt 3 for 5 s) fires and resolves; a silence suppresses it', async () => {
    const job = pulse.app.get(RuleEvaluatorJob);
    const alerting = pulse.app.get(AlertingService);
    const created = await api<{ id: string }>('POST', '/alerts/rules', {
      name: 'few clients',
      metric: 'online_clients',
      operator: 'lt',
      threshold: 3,
      forSeconds: 5,
      severity: 'warning',
      channelIds: [channelIds.slack],
    });
    expect(created.status).toBe(201);
    const ruleId = created.body.id;
    const slackCount = () => http.requests.filter((r) => r.path.startsWith('/slack/')).length;
    const before = slackCount();
    const t0 = Date.now();
    const evaluate = async (at: number) =>
      expect(
        await waitFor(
          () => job.run(at),
          (r) => r !== null,
        ),
      ).not.toBeNull();

    await evaluate(t0); // 0 clients online: pending
    await evaluate(t0 + 2000);
    await alerting.settle();
    expect(slackCount()).toBe(before);
    await evaluate(t0 + 5000); // held for 5 s: fires
    await alerting.settle();
    expect(slackCount()).toBe(before + 1);
    const fired = JSON.parse(http.requests.filter((r) => r.path.startsWith('/slack/')).at(-1)!.body);
    expect(fired.text).toMatch(/Alert: few clients/);
    expect(JSON.stringify(fired.blocks)).toContain('rule few clients');
    await evaluate(t0 + 10_000); // still firing: no repeat before the repeat interval
    await alerting.settle();
    expect(slackCount()).toBe(before + 1);

    for (let c = 0; c < 3; c++) sendHeartbeat(nc, t.id, `c${c}`);
    await nc.flush();
    await waitFor(
      async () => (await api<{ summary: { online: number } }>('GET', '/metrics/presence')).body.summary.online,
      (n) => n === 3,
    );
    await evaluate(t0 + 15_000); // resolves
    await alerting.settle();
    expect(slackCount()).toBe(before + 2);
    expect(JSON.parse(http.requests.filter((r) => r.path.startsWith('/slack/')).at(-1)!.body).text).toMatch(
      /Resolved: few clients/,
    );

    const silence = await api('POST', '/alerts/silences', {
      matcher: { ruleId },
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(silence.status).toBe(201);
    const rule = await api('PATCH', `/alerts/rules/${ruleId}`, { threshold: 10 }); // 3 online < 10: holds again
    expect(rule.status).toBe(200);
    await evaluate(t0 + 20_000);
    await evaluate(t0 + 26_000); // would fire, but silenced
    await alerting.settle();
    expect(slackCount()).toBe(before + 2);
    const log = (
      await api<{ alerts: { ruleId?: string; rule: string; status: string; silenced: boolean }[] }>('GET', '/alerts')
    ).body.alerts.filter((a) => a.ruleId === ruleId);
    expect(log.map((a) => a.rule)).toEqual(['few clients', 'few clients', 'few clients']);
    expect(log.map((a) => [a.status, a.silenced])).toEqual([
      ['firing', true],
      ['resolved', false],
      ['firing', false],
    ]);
    expect(
      (
        await api('POST', '/alerts/silences', {
          matcher: { colour: 'red' },
          until: new Date(Date.now() + 60_000).toISOString(),
        })
      ).status,
    ).toBe(400);
    // Matcher strings are bounded: 50,000 characters were stored (200 such silences: 22.9 MB read per alert).
    const long = await api<{ details: { field: string }[] }>('POST', '/alerts/silences', {
      matcher: { alertKey: 'k'.repeat(50_000), ruleId: 'r'.repeat(50_000) },
      until: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(long.status).toBe(400);
    expect(long.body.details.map((d) => d.field).sort()).toEqual(['matcher.alertKey', 'matcher.ruleId']);
    expect(
      (
        await api('POST', '/alerts/rules', {
          name: 'x',
          metric: 'moon_phase',
          operator: 'gt',
          threshold: 1,
          forSeconds: 0,
          severity: 'info',
        })
      ).status,
    ).toBe(400);
    expect((await api('DELETE', `/alerts/rules/${ruleId}`)).status).toBe(204);
  });

  it('a rule whose alert cannot be raised (Redis fails the enqueue) is raised by the next evaluation, not left firing in silence', async () => {
    const job = pulse.app.get(RuleEvaluatorJob);
    const alerting = pulse.app.get(AlertingService);
    const created = await api<{ id: string }>('POST', '/alerts/rules', {
      name: 'raise fails once',
      metric: 'online_clients',
      operator: 'lt',
      threshold: 1_000_000,
      forSeconds: 0,
      severity: 'warning',
      channelIds: [channelIds.webhook],
    });
    expect(created.status).toBe(201);
    const fired = () =>
      http.on('/hook').filter((r) => JSON.parse(r.body).data.alertKey === `rule:${created.body.id}`).length;
    const queue = pulse.app.get(DeliveryQueueRepository);
    const enqueue = vi.spyOn(queue, 'enqueue').mockRejectedValueOnce(new Error('Redis connection lost'));
    const at = Date.now();
    expect(await job.run(at)).toBeNull(); // the pass fails with the raise
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(await job.run(at + 1000)).toBe(1); // the transition again: fired now
    await alerting.settle([t.id]);
    expect(fired()).toBe(1);
    enqueue.mockRestore();
    expect((await api('DELETE', `/alerts/rules/${created.body.id}`)).status).toBe(204);
  });

  it('secrets never appear in any GET', async () => {
    const list = await api('GET', '/alerts/channels');
    const one = await api('GET', `/alerts/channels/${channelIds.webhook}`);
    const text = JSON.stringify([list.body, one.body]);
    expect(text).not.toContain(ROUTING_KEY);
    expect(text).not.toContain('XXXXSECRET');
    expect(text).not.toContain(webhookSecret.slice(6, 20));
    expect(text).toContain('whsec_…');
  });

  it('the channel test reports the outcome without the receiver body', async () => {
    http.plan('/hook', [500]);
    const failed = await api<{ delivered: boolean; statusCode: number; error: string }>(
      'POST',
      `/alerts/channels/${channelIds.webhook}/test`,
    );
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ delivered: false, statusCode: 500 });
    expect(JSON.stringify(failed.body)).not.toContain('receiver-private-error-body');
    const ok = await api<{ delivered: boolean }>('POST', `/alerts/channels/${channelIds.webhook}/test`);
    expect(ok.body.delivered).toBe(true);
  });

  it('bad channel bodies are 400; professional is 403', async () => {
    for (const body of [
      { type: 'sms', name: 'x', config: {} },
      { type: 'pagerduty', name: 'x', config: { routingKey: 'short' } },
      { type: 'email', name: 'x', config: { to: ['not-an-address'] } },
      { type: 'slack', name: 'x', config: {} },
      { type: 'webhook', name: 'x', config: { url: `${http.url}/x`, secret: 'mine' } },
    ]) {
      expect((await api('POST', '/alerts/channels', body)).status, JSON.stringify(body)).toBe(400);
    }
    const pro = await createTenant(pulse.url, uniqueTenantId('pro'), 'professional');
    const res = await request(pulse.url, 'GET', '/api/v1/alerts/channels', { key: pro.apiKey });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ requiredTier: 'enterprise' });
  });

  it('an unknown channel, rule or silence is a 404 whose code names what is missing', async () => {
    const missing: [string, string, string][] = [
      ['GET', '/alerts/channels/ch_00000000', 'CHANNEL_NOT_FOUND'],
      ['DELETE', '/alerts/channels/ch_00000000', 'CHANNEL_NOT_FOUND'],
      ['GET', '/alerts/rules/ru_00000000', 'RULE_NOT_FOUND'],
      ['DELETE', '/alerts/rules/ru_00000000', 'RULE_NOT_FOUND'],
      ['DELETE', '/alerts/silences/si_00000000', 'SILENCE_NOT_FOUND'],
    ];
    for (const [method, path, code] of missing) {
      const res = await api(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body, `${method} ${path}`).toMatchObject({ statusCode: 404, error: 'Not Found', code });
    }
  });

  it('a tenant has at most 50 channels: the 51st is refused with 409, and deleting one makes room', async () => {
    const other = await createTenant(pulse.url, uniqueTenantId('caps'), 'enterprise');
    const create = (i: number) =>
      api<{ id: string }>(
        'POST',
        '/alerts/channels',
        { type: 'email', name: `mail ${i}`, config: { to: ['oncall@example.com'] } },
        other.apiKey,
      );
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await create(i);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const over = await create(50);
    expect(over.status).toBe(409);
    expect(JSON.stringify(over.body)).toMatch(/at most 50 alert channels/);
    expect(over.body).toMatchObject({ code: 'LIMIT_REACHED' });
    expect((await api('DELETE', `/alerts/channels/${ids[0]}`, undefined, other.apiKey)).status).toBe(204);
    expect((await create(51)).status).toBe(201);
  });

  it('concurrent creates never pass a limit: 60 channels at once save 50, 230 silences at once save 200', async () => {
    const other = await createTenant(pulse.url, uniqueTenantId('caps-race'), 'enterprise');
    const post = (path: string, body: unknown) => api('POST', path, body, other.apiKey);
    const channels = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        post('/alerts/channels', { type: 'email', name: `mail ${i}`, config: { to: ['oncall@example.com'] } }),
      ),
    );
    expect(channels.filter((r) => r.status === 201)).toHaveLength(50);
    expect(channels.filter((r) => r.status === 409)).toHaveLength(10);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const silences = await Promise.all(
      Array.from({ length: 230 }, (_, i) => post('/alerts/silences', { matcher: { alertKey: `k${i}` }, until })),
    );
    expect(silences.filter((r) => r.status === 201)).toHaveLength(200);
    expect(silences.filter((r) => r.status === 409)).toHaveLength(30);
    const listed = await api<{ channels: unknown[] }>('GET', '/alerts/channels', undefined, other.apiKey);
    expect(listed.body.channels).toHaveLength(50);
  });
});

describe('alert targets without ALERT_ALLOW_PRIVATE_TARGETS', () => {
  it('refuses loopback, private and plain-http URLs with 400', async () => {
    const options = testOptions();
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('ssrf'), 'enterprise');
      for (const url of [
        'http://127.0.0.1:9/x',
        'https://127.0.0.1/x',
        'https://10.0.0.5/x',
        'https://169.254.169.254/latest',
        'https://[::1]/x',
        'https://2130706433/x',
        'https://localhost/x',
      ]) {
        const res = await request(pulse.url, 'POST', '/api/v1/alerts/channels', {
          key: t.apiKey,
          body: { type: 'webhook', name: 'x', config: { url } },
        });
        expect(res.status, url).toBe(400);
        expect(String(res.body.message)).toContain('config.url');
      }
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });
});

describe('operator alerts', () => {
  it("Pulse's own incident (Redis unreachable) goes to the operator's Slack once, and its end once", async () => {
    const receiver = await new HttpReceiver().start();
    const redisServer = await startRedisServer();
    const options = testOptions({
      redis: { url: `redis://127.0.0.1:${redisServer.port}`, keyPrefix: 'operator', connectTimeoutMs: 3000 },
      alerting: {
        operatorSlackWebhookUrl: `${receiver.url}/operator`,
        operatorIncidentAfterMs: 300,
        operatorCheckIntervalMs: 100,
        retryBaseMs: 50,
      },
    });
    const pulse = await startPulse(options);
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.on('/operator')).toHaveLength(0); // healthy: nothing
      await redisServer.kill();
      await waitFor(
        async () => receiver.on('/operator').length,
        (n) => n >= 1,
        { timeoutMs: 5000 },
      );
      const fired = JSON.parse(receiver.on('/operator')[0].body);
      expect(fired.text).toMatch(/Alert: redis unreachable/);
      await redisServer.start();
      await waitFor(
        async () => receiver.on('/operator').length,
        (n) => n >= 2,
        { timeoutMs: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 500));
      const texts = receiver.on('/operator').map((r) => JSON.parse(r.body).text as string);
      expect(texts).toHaveLength(2);
      expect(texts[1]).toMatch(/Resolved: redis unreachable/);
    } finally {
      await pulse.close();
      await redisServer.kill();
      await receiver.stop();
    }
  });
});
