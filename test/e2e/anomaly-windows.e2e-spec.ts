import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { AnomalyEvents } from '../../src/anomalies/anomaly-events.js';
import { OfflineDetector } from '../../src/heartbeat/offline-detector.job.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { RETENTION } from '../../src/common/retention.js';
import { CustomAggregate } from '../../src/monitoring/custom/custom-metric-set.js';
import { TenantDelta } from '../../src/monitoring/tenant-delta.js';
import { HistoryWriter } from '../../src/history/history-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { type CreatedTenant, createTenant, realtimeTotal, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { HttpReceiver } from '../support/receivers.js';
import { publisher, publishMany } from '../support/traffic.js';

interface AnomalyRow {
  id: string;
  type: string;
  status: string;
  details: Record<string, unknown>;
}

const HOUR = 3_600_000;

/**
 * One tenant whose windows are closed by the test: each `window(n)` publishes n messages, waits
 * for Redis to have them and closes the next hour-long window of a virtual clock (windows sit on
 * wall-clock boundaries, so advancing the clock is what makes the next one closable).
 */
async function controlledTenant(pulse: RunningPulse, nc: NatsConnection, label: string) {
  const t = await createTenant(pulse.url, uniqueTenantId(label), 'enterprise');
  await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
  let sent = 0;
  let clock = Date.now();
  /** Publishes `count` messages, waits for Redis to have them; the time the next window closes at. */
  const next = async (count: number): Promise<number> => {
    if (count > 0) await publishMany(nc, count, (i) => `tenant.${t.id}.orders.${i % 5}`, 20);
    sent += count;
    await waitFor(
      () => realtimeTotal(pulse.url, t.apiKey),
      (n) => n === sent,
    );
    clock += HOUR;
    return clock;
  };
  return {
    t,
    next,
    async window(count: number): Promise<number | null> {
      const now = await next(count);
      // A failed pass returns null; the next pass (as the next tick would) is tried until one runs.
      return waitFor(
        () => pulse.app.get(AnomalyDetectionJob).run(now),
        (r) => r !== null,
      );
    },
    async anomalies(): Promise<AnomalyRow[]> {
      return (
        await request<{ anomalies: AnomalyRow[] }>(pulse.url, 'GET', '/api/v1/metrics/anomalies?hours=720', {
          key: t.apiKey,
        })
      ).body.anomalies;
    },
  };
}

async function anomaliesOf(url: string, key: string): Promise<(AnomalyRow & { summary: string })[]> {
  return (
    await request<{ anomalies: (AnomalyRow & { summary: string })[] }>(
      url,
      'GET',
      '/api/v1/metrics/anomalies?hours=720',
      { key },
    )
  ).body.anomalies;
}

/** A counter without labels, as the instance's /metrics exposes it (NaN: not exposed). */
async function counterOf(p: RunningPulse, name: string): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('statistical detection end to end (real NATS and Redis)', () => {
  const options = testOptions({
    anomalyWindowMs: HOUR,
    anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a sustained 3× level shift opens one anomaly, which resolves once the new level is the normal', async () => {
    const tenant = await controlledTenant(pulse, nc, 'shift');
    await tenant.window(0);
    for (let i = 0; i < 6; i++) await tenant.window(20);
    expect(await tenant.anomalies()).toEqual([]);
    for (let i = 0; i < 22; i++) await tenant.window(60); // 3×: far below the 10× rate rule
    const found = await tenant.anomalies();
    expect(found).toHaveLength(1);
    expect(['spike', 'level_shift']).toContain(found[0].type);
    expect(found[0].details).toMatchObject({ metric: 'messages', direction: 'up' });
    expect(found[0].status).toBe('resolved');
    // Unchanged traffic at the new level opens nothing more.
    for (let i = 0; i < 5; i++) await tenant.window(60);
    expect(await tenant.anomalies()).toHaveLength(1);
  });

  it('custom metrics are judged too: a spike in an order-value sum opens one anomaly naming the metric, which resolves', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('custom-stat'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    const created = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/metrics/custom', {
      key: t.apiKey,
      body: { name: 'order value', subject: 'orders.created', source: 'json', field: 'amount', aggregation: 'sum' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // Hours in the past, written through the real flush (minute, hour and day figures), then
    // closed one by one: the window of hour k closes at (k + 1) h plus the settle delay.
    const repository = pulse.app.get(HistoryWriter);
    const job = pulse.app.get(AnomalyDetectionJob);
    const first = Math.floor(Date.now() / HOUR) - 40;
    let seq = 0;
    const hour = async (k: number, values: number[]) => {
      const d = new TenantDelta(t.id, 100);
      d.seq = ++seq;
      const agg = new CustomAggregate();
      for (const v of values) agg.add(v);
      d.custom = new Map([[(first + k) * 3600, new Map([[id, agg]])]]);
      expect(await repository.apply(d, 'custom-stat', 100, RETENTION.enterprise)).toBe('applied');
      await waitFor(
        () => job.run((first + k + 1) * HOUR + HOUR / 4),
        (r) => r !== null,
      );
    };
    const usual = (k: number) => Array.from({ length: 100 }, (_, i) => 2.5 + ((i * 7 + k * 13) % 10) / 10);
    for (let k = 0; k < 20; k++) await hour(k, usual(k));
    expect(await anomaliesOf(pulse.url, t.apiKey)).toEqual([]);
    await hour(20, [...usual(20), ...Array.from({ length: 900 }, () => 3)]);
    const [found, ...more] = await anomaliesOf(pulse.url, t.apiKey);
    expect(more).toEqual([]);
    expect(found).toMatchObject({
      type: 'spike',
      status: 'open',
      details: { metric: `custom:${id}`, direction: 'up' },
    });
    expect(found.summary).toMatch(/^Spike in order value: /);
    for (let k = 21; k < 26; k++) await hour(k, usual(k));
    expect(await anomaliesOf(pulse.url, t.apiKey)).toMatchObject([{ id: found.id, status: 'resolved' }]);
  });

  it('professional tenants get 403 on anomalies, naming the tier', async () => {
    const pro = await createTenant(pulse.url, uniqueTenantId('pro'), 'professional');
    const res = await request(pulse.url, 'GET', '/api/v1/metrics/anomalies?hours=24', { key: pro.apiKey });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ requiredTier: 'enterprise', currentTier: 'professional' });
  });
});

describe('client flapping end to end (real NATS and Redis)', () => {
  const options = testOptions({
    anomalyWindowMs: HOUR,
    heartbeatTimeoutMs: 300,
    offlineCheckIntervalMs: 3_600_000, // passes are run by the test
    anomalyDetectors: { warmupWindows: 2, holdDownWindows: 2 },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a client that goes offline three times opens client_flapping (read from the bounded offline-day ranking)', async () => {
    const tenant = await controlledTenant(pulse, nc, 'flap');
    await tenant.window(0);
    const detector = pulse.app.get(OfflineDetector);
    const online = async () =>
      (
        await request<{ summary: { online: number } }>(pulse.url, 'GET', '/api/v1/metrics/presence', {
          key: tenant.t.apiKey,
        })
      ).body.summary.online;
    await new Promise((r) => setTimeout(r, 400)); // the detector judges once NATS has been up for a timeout
    for (let i = 0; i < 3; i++) {
      sendHeartbeat(nc, tenant.t.id, 'flappy');
      await nc.flush();
      await waitFor(online, (n) => n === 1);
      await new Promise((r) => setTimeout(r, 350));
      await waitFor(
        () => detector.run(),
        (r) => r !== null && r.markedOffline === 1,
      );
      await waitFor(online, (n) => n === 0);
    }
    await tenant.window(0);
    const found = await tenant.anomalies();
    expect(found.map((a) => a.type)).toEqual(['client_flapping']);
    expect(found[0].details).toMatchObject({ clients: ['flappy'] });
  });
});

describe('a pass that fails half-way (real NATS, Redis and webhook receiver)', () => {
  const options = testOptions({
    anomalyWindowMs: HOUR,
    anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
    alerting: { allowPrivateTargets: true, retryBaseMs: 50, timeoutMs: 2000 },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let http: HttpReceiver;

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await http?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('the store failing once, then alert delivery failing once: one anomaly and one notification each after the next pass', async () => {
    const tenant = await controlledTenant(pulse, nc, 'outbox');
    const channel = await request(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: tenant.t.apiKey,
      body: { type: 'webhook', name: 'hook', config: { url: `${http.url}/hook` } },
    });
    expect(channel.status).toBe(201);
    await tenant.window(0);
    for (let i = 0; i < 5; i++) await tenant.window(20);

    // The anomaly's record fails to store in the pass that opens it (after the pass decided).
    const store = pulse.app.get(AnomalyRepository);
    const save = vi.spyOn(store, 'save').mockRejectedValueOnce(new Error('injected: store unavailable'));
    expect(await tenant.window(500)).toBe(0); // the retry delivers the outbox; nothing new to open
    expect(save).toHaveBeenCalledTimes(2);
    await pulse.app.get(AlertingService).settle();
    const opened = await tenant.anomalies();
    expect(opened.map((a) => [a.type, a.status])).toEqual([['rate_spike', 'open']]);
    expect(http.on('/hook').map((r) => JSON.parse(r.body).type)).toEqual(['alert.fired']);

    // The resolve notification fails once before anything is sent.
    const alerting = pulse.app.get(AlertingService);
    const notify = vi.spyOn(alerting, 'onAnomaly');
    notify.mockRejectedValueOnce(new Error('injected: alerting unavailable'));
    await tenant.window(20);
    await tenant.window(20); // clear for the hold-down: resolves (the first attempt fails, the retry delivers)
    await alerting.settle();
    expect(notify.mock.calls.map((c) => c[1])).toEqual(['resolved', 'resolved']);
    const after = await tenant.anomalies();
    expect(after.map((a) => [a.id, a.status])).toEqual([[opened[0].id, 'resolved']]);
    expect(http.on('/hook').map((r) => JSON.parse(r.body).type)).toEqual(['alert.fired', 'alert.resolved']);
  });
});

describe('a window closed twice, or late (two instances on one Redis)', () => {
  const options = testOptions({
    anomalyWindowMs: HOUR,
    anomalyDetectors: { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
  });
  let a: RunningPulse;
  let b: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  const keys = new RedisKeys(options.redis.keyPrefix);

  beforeAll(async () => {
    [a, b] = [await startPulse(options), await startPulse(options)];
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** A tenant past its warm-up (closed on instance a), and what either instance notifies of it. */
  async function warmTenant(label: string) {
    const tenant = await controlledTenant(a, nc, label);
    await waitFor(async () => b.app.get(TenantDirectory).get(tenant.t.id) !== undefined, Boolean);
    await tenant.window(0);
    for (let i = 0; i < 5; i++) await tenant.window(20);
    expect(await tenant.anomalies()).toEqual([]);
    const events: string[] = [];
    for (const p of [a, b]) {
      const notify = p.app.get(AnomalyEvents);
      const changed = notify.changed.bind(notify);
      vi.spyOn(notify, 'changed').mockImplementation(async (tenantId, event, anomaly) => {
        if (tenantId === tenant.t.id) events.push(`${event} ${anomaly.type}`);
        return changed(tenantId, event, anomaly);
      });
    }
    /** The tenant's stored detection: the last window closed and the state after it. */
    const stored = () => redis.hmget(keys.detection(tenant.t.id), 'window', 'state');
    return { ...tenant, events, stored };
  }

  const lateTotal = (p: RunningPulse) => counterOf(p, 'pulse_anomaly_windows_late_total');

  it('closed again by the other instance, by a retry, and late after the index moved past it: judged once', async () => {
    const tenant = await warmTenant('twice');
    const now = await tenant.next(500);
    const lateBefore = await lateTotal(b);
    expect(await a.app.get(AnomalyDetectionJob).run(now)).toBe(1);
    const judged = await tenant.stored();
    expect(await b.app.get(AnomalyDetectionJob).run(now)).toBe(0); // the other instance, same window
    expect(await a.app.get(AnomalyDetectionJob).run(now)).toBe(0); // a retry
    // A late pass, with a tenant it is due for (new: its first window is the late one).
    const other = await createTenant(a.url, uniqueTenantId('other'), 'enterprise');
    await waitFor(async () => b.app.get(TenantDirectory).get(other.id) !== undefined, Boolean);
    expect(await b.app.get(AnomalyDetectionJob).run(now - HOUR)).toBe(0);
    const lateWindow = b.app.get(AnomalyDetectionJob).windowAt(now - HOUR);
    expect(Number(await redis.hget(keys.detection(other.id), 'window'))).toBe(lateWindow);
    // Nothing judged again: the state (the model, what is open) is the one the first pass stored.
    expect(await tenant.stored()).toEqual(judged);
    expect(tenant.events).toEqual(['opened rate_spike']);
    expect((await tenant.anomalies()).map((x) => x.type)).toEqual(['rate_spike']);
    // The late tenant window is counted (≥: an hourly tick of the real clock is late for it too).
    expect(await lateTotal(b)).toBeGreaterThanOrEqual(lateBefore + 1);
  });

  it('two passes over one window overlapping (the lock lost to a pause): the one that stores its state judges', async () => {
    const tenant = await warmTenant('overlap');
    const now = await tenant.next(500);
    // Instance a's pass stops after reading the tenant's state, inside the lock ...
    let paused = false;
    let resume = () => undefined as void;
    const store = a.app.get(AnomalyRepository);
    const counters = store.counters.bind(store);
    vi.spyOn(store, 'counters').mockImplementation(async (tenantId, ...rest) => {
      if (tenantId === tenant.t.id && !paused) {
        paused = true;
        await new Promise<void>((r) => (resume = r));
      }
      return counters(tenantId, ...rest);
    });
    const first = a.app.get(AnomalyDetectionJob).run(now);
    await waitFor(async () => paused, Boolean);
    // ... for longer than its lock lasts; instance b closes the window meanwhile.
    await redis.del(keys.lock('anomaly-detector'));
    expect(await b.app.get(AnomalyDetectionJob).run(now)).toBe(1);
    const judged = await tenant.stored();
    resume();
    expect(await first).toBe(0);
    expect(await tenant.stored()).toEqual(judged);
    expect(tenant.events).toEqual(['opened rate_spike']);
  });
});

describe('three instances started out of phase, on short windows', () => {
  const WINDOW = 1000;
  const options = testOptions({ anomalyWindowMs: WINDOW, anomalyDetectors: { warmupWindows: 5 } });
  const pulses: RunningPulse[] = [];
  let nc: NatsConnection;

  afterAll(async () => {
    for (const p of pulses) await p.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const closedSum = async () => {
    let sum = 0;
    for (const p of pulses) sum += await counterOf(p, 'pulse_anomaly_windows_closed_total');
    return sum;
  };

  it('steady traffic opens nothing, and the windows closed (summed over instances) are elapsed time / window ± 1', async () => {
    for (let i = 0; i < 3; i++) {
      pulses.push(await startPulse(options));
      await new Promise((r) => setTimeout(r, 330)); // out of phase by a third of a window
    }
    nc = await publisher();
    const t: CreatedTenant = await createTenant(pulses[0].url, uniqueTenantId('steady'), 'enterprise');
    await waitFor(async () => pulses.every((p) => p.app.get(TenantDirectory).get(t.id) !== undefined), Boolean);
    // Steady traffic: 40 messages every 100 ms, for the whole test. Without a publish-time header:
    // on a starved 2-core machine the measured latency is not steady (and the model rightly says
    // so), which is not what this test is about.
    // Paced by the clock, not by the timer's ticks: the three instances share this event loop, so
    // a tick can come 200 ms late, and a window short of 80 messages is a real dip to the model.
    const payload = new Uint8Array(50).fill(120);
    const startedAt = Date.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.floor((Date.now() - startedAt) / 100) * 40;
      for (; sent < due; sent++) nc.publish(`tenant.${t.id}.orders.${sent % 3}`, payload);
    }, 20);
    try {
      await new Promise((r) => setTimeout(r, 2500));
      const start = { at: Date.now(), closed: await closedSum() };
      await new Promise((r) => setTimeout(r, 14_000));
      const end = { at: Date.now(), closed: await closedSum() };
      const expected = (end.at - start.at) / WINDOW;
      expect(Math.abs(end.closed - start.closed - expected)).toBeLessThanOrEqual(1);
      const found = (
        await request<{ anomalies: AnomalyRow[] }>(pulses[1].url, 'GET', '/api/v1/metrics/anomalies?hours=1', {
          key: t.apiKey,
        })
      ).body.anomalies;
      expect(found, JSON.stringify(found)).toEqual([]);
    } finally {
      clearInterval(timer);
    }
  }, 40_000);
});
