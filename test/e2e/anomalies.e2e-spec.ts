import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../../src/anomalies/anomaly.js';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { type CreatedTenant, createTenant, realtimeTotal, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

interface AnomalyRow {
  id: string;
  type: string;
  severity: string;
  status: string;
  summary: string;
  details: Record<string, unknown>;
  detectedAt: string;
  resolvedAt: string | null;
}

/**
 * Windows are closed by calling the job (as its interval would), so each window holds exactly the
 * traffic the test sent; detector warm-up and hold-down are shortened for the test.
 */
describe('anomaly detection (real NATS and Redis)', () => {
  const options = testOptions({
    anomalyWindowMs: 3_600_000,
    anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let t: CreatedTenant;
  let sent = 0;
  const events: AnomalyEvent[] = [];

  const total = () => realtimeTotal(pulse.url, t.apiKey);
  // Windows sit on wall-clock boundaries: each call closes the next hour-long window of a virtual
  // clock, so each holds exactly the traffic the test sent before it.
  let clock = Date.now();
  const nextWindow = (windows = 1) => (clock += windows * options.anomalyWindowMs);

  /** Publishes `count` messages, waits until Redis has them all, closes a window. */
  async function window(count: number, subject = (i: number) => `tenant.${t.id}.orders.${i % 5}`): Promise<void> {
    if (count > 0) await publishMany(nc, count, subject, 20);
    sent += count;
    await waitFor(total, (n) => n === sent);
    const now = nextWindow();
    expect(
      await waitFor(
        () => pulse.app.get(AnomalyDetectionJob).run(now),
        (r) => r !== null,
      ),
    ).not.toBeNull();
  }

  const anomalies = async (query = '') =>
    (
      await request<{ anomalies: AnomalyRow[] }>(pulse.url, 'GET', `/api/v1/metrics/anomalies?hours=1${query}`, {
        key: t.apiKey,
      })
    ).body.anomalies;

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
    t = await createTenant(pulse.url, uniqueTenantId('anomaly'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    nc.subscribe(`_PULSE.tenant.${t.id}.anomaly`, { callback: (_e, m) => void events.push(m.json<AnomalyEvent>()) });
    await nc.flush();
    await window(0); // first sight: remembers the counters
    for (let i = 0; i < 5; i++) await window(20); // baseline, past the warm-up
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a 10× burst opens exactly one rate_spike, which resolves after traffic returns to normal', async () => {
    expect(await anomalies()).toEqual([]);
    await window(500);
    await window(500); // still bursting: no duplicate
    const open = await anomalies('&type=rate_spike');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ type: 'rate_spike', status: 'open', resolvedAt: null });
    expect(open[0].details).toMatchObject({ messages: 500 });
    const realtime = await request<{ anomalies: { open: number } }>(pulse.url, 'GET', '/api/v1/metrics/realtime', {
      key: t.apiKey,
    });
    expect(realtime.body.anomalies.open).toBe(1);

    await window(20);
    await window(20); // clear for the hold-down (2 windows)
    const after = await anomalies('&type=rate_spike');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: open[0].id, status: 'resolved' });
    expect(after[0].resolvedAt).not.toBeNull();
    await waitFor(
      async () => events.length,
      (n) => n >= 2,
    );
    expect(events.filter((e) => e.anomaly.type === 'rate_spike').map((e) => [e.event, e.anomaly.id])).toEqual([
      ['opened', open[0].id],
      ['resolved', open[0].id],
    ]);
  });

  it('heartbeats reporting more than 10 % errors open error_rate', async () => {
    const hb = (id: string, n: number, errors: number) =>
      sendHeartbeat(
        nc,
        t.id,
        id,
        heartbeat(t.id, id, { metrics: { messages_sent: n, messages_received: n, errors, uptime_seconds: 1 } }),
      );
    for (let c = 0; c < 3; c++) hb(`app-${c}`, 0, 0);
    await nc.flush();
    await waitFor(
      async () => pulse.app.get(PresenceWriter).snapshot().pending,
      (n) => n === 0,
    );
    await window(20);
    for (let c = 0; c < 3; c++) hb(`app-${c}`, 100, 40); // 120 errors over 600 messages: 20 %
    await nc.flush();
    await new Promise((r) => setTimeout(r, 300));
    await waitFor(
      async () => pulse.app.get(PresenceWriter).snapshot().pending,
      (n) => n === 0,
    );
    await window(20);
    const found = await anomalies('&type=error_rate');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'error_rate', status: 'open' });
    expect(found[0].details).toMatchObject({ errors: 120, messages: 600 });
  });

  it('a new subject pattern opens unusual_subject; ids in known patterns do not', async () => {
    await window(20, (i) => `tenant.${t.id}.orders.${1000 + i}`); // new ids, known pattern
    expect(await anomalies('&type=unusual_subject')).toEqual([]);
    await window(20, () => `tenant.${t.id}.admin.export`);
    const found = await anomalies('&type=unusual_subject');
    expect(found).toHaveLength(1);
    expect(found[0].details.patterns).toEqual([`tenant.${t.id}.admin.export`]);
  });

  it('filters by status; professional and basic get 403', async () => {
    // error_rate has been clear for two windows (the subject test's): resolved by now.
    const open = await anomalies('&status=open');
    expect(open.map((a) => [a.type, a.status])).toEqual([['unusual_subject', 'open']]);
    const resolved = await anomalies('&status=resolved');
    expect(resolved.map((a) => a.type).sort()).toEqual(['error_rate', 'rate_spike']);
    const all = await anomalies();
    for (let i = 1; i < all.length; i++)
      expect(Date.parse(all[i - 1].detectedAt)).toBeGreaterThanOrEqual(Date.parse(all[i].detectedAt));
    const pro = await createTenant(pulse.url, uniqueTenantId('pro'), 'professional');
    const res = await request(pulse.url, 'GET', '/api/v1/metrics/anomalies?hours=24', { key: pro.apiKey });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ requiredTier: 'enterprise', currentTier: 'professional' });
    const bad = await request(pulse.url, 'GET', '/api/v1/metrics/anomalies?type=meteor', { key: t.apiKey });
    expect(bad.status).toBe(400);
  });

  it('a window stretched over a gap (counts held back while Redis could not take them) is not judged a burst', async () => {
    const spikes = async () => (await anomalies('&type=rate_spike')).length;
    const before = await spikes();
    // 25× the baseline, arriving at once after four window lengths without a window closed.
    await publishMany(nc, 500, (i) => `tenant.${t.id}.orders.${i % 5}`, 20);
    sent += 500;
    await waitFor(total, (n) => n === sent);
    const later = nextWindow(5);
    expect(
      await waitFor(
        () => pulse.app.get(AnomalyDetectionJob).run(later),
        (r) => r !== null,
      ),
    ).toBe(0);
    expect(await spikes()).toBe(before);
  });
});

describe('anomaly detection on its own schedule', () => {
  it('closes windows every ANOMALY_WINDOW_SECONDS without being called, on wall-clock boundaries', async () => {
    const options = testOptions({ anomalyWindowMs: 300 });
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('sched'), 'enterprise');
      const redis = new Redis(SHARED_REDIS);
      try {
        const closed = async () =>
          Number((await redis.hget(new RedisKeys(options.redis.keyPrefix).detection(t.id), 'window')) ?? NaN);
        const first = await waitFor(closed, (n) => Number.isFinite(n), { timeoutMs: 5000 });
        const later = await waitFor(closed, (n) => n >= first + 3, { timeoutMs: 5000 });
        // The index is the window's start over its length: windows are [k·W, (k+1)·W).
        expect(later * 300).toBeLessThan(Date.now());
        expect(later * 300).toBeGreaterThan(Date.now() - 5 * 300 - 1000);
      } finally {
        redis.disconnect();
      }
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });
});
