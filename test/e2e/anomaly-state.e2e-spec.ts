/// <reference lib="dom" />
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { signWebhook } from '../../src/alerting/notification.js';
import type { components } from '../../src/api-client/schema.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { accessibilityProblems, ARTIFACTS, launchBrowser, tenantPage } from '../support/browser.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { HttpReceiver, localAlerting, localChannels, SmtpReceiver } from '../support/receivers.js';
import { publisher } from '../support/traffic.js';
import { closedWindows } from '../support/windows.js';

const HOUR = 3_600_000;
const ROUTING_KEY = 'R0UT1NGKEY0123456789';

type AnomalyList = components['schemas']['AnomalyList'];

/** The text of a single-part e-mail as nodemailer writes it (quoted-printable or base64 when not plain ASCII). */
function mailText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const [headers, body] = [raw.slice(0, split), raw.slice(split + 4)];
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  // Each =XX is a byte of the UTF-8 text; the rest is ASCII (one byte a character in latin1).
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * What the models know, shown to users: the anomalies API's `models` (warming up until when, or
 * the next window's expected range) and each anomaly's why (value, expected range, score,
 * detector), the dashboard showing both, and every alert channel saying why. Windows are hour
 * long and closed by the test on a virtual clock (as the other anomaly suites do), so each holds
 * exactly the traffic the test sent; the warm-up is 4 windows.
 */
describe('the model state shown to users (real NATS, Redis, receivers and Chromium)', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let browser: Browser | undefined;
  let t: CreatedTenant;
  let webhookSecret = '';
  let windows: ReturnType<typeof closedWindows>;
  const window = (count: number) => windows.window(count);
  let options: ReturnType<typeof testOptions>;

  const list = async () =>
    (await request<AnomalyList>(pulse.url, 'GET', '/api/v1/metrics/anomalies?hours=720', { key: t.apiKey })).body;
  const model = (body: AnomalyList, metric: string) => body.models.find((m) => m.metric === metric)!;

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    smtp = await new SmtpReceiver().start();
    options = testOptions({
      anomalyWindowMs: HOUR,
      anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
      alerting: localAlerting(http, smtp),
    });
    pulse = await startPulse(options);
    nc = await publisher();
    t = await createTenant(pulse.url, uniqueTenantId('model-state'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    windows = closedWindows(pulse, nc, t);
    for (const c of localChannels(http, ROUTING_KEY)) {
      const res = await request<{ signingSecret?: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
        key: t.apiKey,
        body: c,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (c.type === 'webhook') webhookSecret = res.body.signingSecret!;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await pulse?.close();
    await Promise.all([nc?.close(), http?.stop(), smtp?.stop()]);
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a fresh tenant: every series warming up, until a time in the future, with no range yet', async () => {
    const body = await list();
    expect(body.windowSeconds).toBe(3600);
    expect(body.models.map((m) => [m.metric, m.state])).toEqual([
      ['messages', 'warming_up'],
      ['bytes', 'warming_up'],
      ['error_rate', 'warming_up'],
      ['active_clients', 'warming_up'],
      ['latency_p95', 'warming_up'],
    ]);
    for (const m of body.models) {
      expect(m).toMatchObject({ windowsToWarm: 4, expected: null, lower: null, upper: null });
      expect(Date.parse(m.warmUntil!)).toBeGreaterThan(Date.now());
      // The window being collected is the first sight, then four windows to learn.
      expect(Date.parse(m.warmUntil!) - Date.parse(m.windowAt)).toBe(5 * HOUR);
    }
  });

  it('after enough windows: messages and bytes ready, lower ≤ expected ≤ upper; a series without data still warming up', async () => {
    await window(0); // first sight
    await window(20);
    await window(20);
    const partWay = await list();
    expect(model(partWay, 'messages')).toMatchObject({ state: 'warming_up', windowsToWarm: 2 });
    const { windowAt, warmUntil } = model(partWay, 'messages');
    expect(Date.parse(warmUntil!) - Date.parse(windowAt)).toBe(2 * HOUR);
    for (let i = 0; i < 3; i++) await window(20);

    const body = await list();
    for (const metric of ['messages', 'bytes']) {
      const m = model(body, metric);
      expect(m, metric).toMatchObject({ state: 'ready', windowsToWarm: 0, warmUntil: null });
      expect(m.lower!, metric).toBeLessThanOrEqual(m.expected!);
      expect(m.expected!, metric).toBeLessThanOrEqual(m.upper!);
      expect(m.lower!, metric).toBeLessThan(m.upper!);
    }
    const messages = model(body, 'messages');
    expect(messages.expected).toBeGreaterThan(18);
    expect(messages.expected).toBeLessThan(22);
    // The range is for the next window the detection closes: the one after the virtual clock's last.
    expect(Date.parse(messages.windowAt)).toBeLessThanOrEqual(windows.clock());
    expect(Date.parse(messages.windowAt)).toBeGreaterThan(windows.clock() - 2 * HOUR);
    // No heartbeats: no error rate to learn; its warm-up has not started.
    expect(model(body, 'error_rate')).toMatchObject({ state: 'warming_up', windowsToWarm: 4, expected: null });
    const errors = model(body, 'error_rate');
    expect(Date.parse(errors.warmUntil!) - Date.parse(errors.windowAt)).toBe(4 * HOUR);
  });

  it("a 5× window opens a statistical spike whose details say why: value, expected range, score, detector; every channel's alert says it", async () => {
    await window(100); // 5×: below the rate rule (10× the top of the normal range), far outside the range
    const [spike, ...more] = (await list()).anomalies;
    expect(more).toEqual([]);
    expect(spike).toMatchObject({ type: 'spike', status: 'open' });
    expect(spike.details).toMatchObject({ detector: 'spike', metric: 'messages', value: 100 });
    const { expected, lower, upper, score } = spike.details as Record<string, number>;
    expect(lower).toBeLessThanOrEqual(expected);
    expect(expected).toBeLessThanOrEqual(upper);
    expect(upper).toBeLessThan(100);
    expect(score).toBeGreaterThan(0.9);
    expect(score).toBeLessThanOrEqual(1);
    await pulse.app.get(AlertingService).settle();

    // The numbers as every channel writes them (4 significant digits).
    const figure = (v: number) => v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
    const range = `expected range ${figure(lower)}–${figure(upper)}`;
    const words = [`value 100`, range, `score ${Number(score.toFixed(4))}`, 'detector: statistical model, spike'];

    const slack = http.requests.filter((r) => r.path.startsWith('/slack/'));
    expect(slack).toHaveLength(1);
    const slackText = JSON.stringify(JSON.parse(slack[0].body).blocks);
    for (const w of words) expect(slackText, 'slack').toContain(w);

    const [pd, ...morePd] = http.on('/pagerduty').map((r) => JSON.parse(r.body));
    expect(morePd).toEqual([]);
    for (const w of words) expect(pd.payload.summary, 'pagerduty').toContain(w);
    expect(pd.payload.custom_details).toMatchObject({ value: 100, expected, lower, upper, score, detector: 'spike' });

    const mail = await waitFor(
      async () => smtp.messages,
      (m) => m.length >= 1,
    );
    expect(mail).toHaveLength(1);
    for (const w of words) expect(mailText(mail[0].data), 'email').toContain(w);

    const [hook, ...moreHooks] = http.on('/hook');
    expect(moreHooks).toEqual([]);
    const id = String(hook.headers['webhook-id']);
    const ts = Number(hook.headers['webhook-timestamp']);
    expect(hook.headers['webhook-signature']).toBe(signWebhook(webhookSecret, id, ts, hook.body));
    const data = JSON.parse(hook.body).data;
    expect(data.details).toMatchObject({ value: 100, expected, lower, upper, score, detector: 'spike' });
    for (const w of words) expect(data.evidence, 'webhook').toContain(w);
  });

  it('the dashboard shows each series warming up (until when) or its expected range now, and why the anomaly opened', async () => {
    browser = await launchBrowser();
    const page = await tenantPage(browser, pulse.url, t, 1280);
    await page.waitForFunction(() => document.querySelectorAll('#models tbody tr').length === 5, undefined, {
      timeout: 10_000,
    });
    const rows = await page.$$eval('#models tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const body = await list();
    const byName = new Map(rows.map((r) => [r[0], r]));
    const messages = byName.get('messages')!;
    expect(messages[1]).toBe('ready');
    const m = model(body, 'messages');
    // The browser's locale formats the figures; compare as numbers.
    const numbers = (s: string) => (s.match(/[\d.,]+/g) ?? []).map((x) => Number(x.replaceAll(',', '')));
    expect(numbers(messages[2])[0]).toBeCloseTo(m.expected!, 1);
    const [lo, hi] = numbers(messages[3]);
    expect(lo).toBeCloseTo(m.lower!, 1);
    expect(hi).toBeCloseTo(m.upper!, 1);
    const errorRate = byName.get('error rate')!;
    expect(errorRate[1]).toMatch(/^warming up until .+ \(4 more windows with data\)$/);
    expect(errorRate[3]).toBe('–');
    expect(await page.textContent('#models-note')).toMatch(/windows of 3,?600 s/);

    const anomaly = (await page.textContent('#anomalies li')) ?? '';
    expect(anomaly).toContain('spike · open');
    expect(anomaly).toMatch(
      /value 100 vs expected range [\d.,]+–[\d.,]+, expected [\d.,]+ · score (1|0\.\d+) · detector: statistical model, spike/,
    );
    expect(await accessibilityProblems(page)).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#anomaly-panel').screenshot({ path: `${ARTIFACTS}/dashboard-models.png` });
    await page.close();
  });
});
