import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../src/anomalies/anomaly.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { ConnectionRepository, type ConnectionRecord } from '../../src/heartbeat/connection.repository.js';
import { AdvisoryKeys } from '../../src/jetstream/advisories-keys.js';
import { REDIS_CLIENT, type RedisClient } from '../../src/redis/redis-client.js';
import { burstAndSpike } from '../support/anomaly-story.js';
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
import { publisher } from '../support/traffic.js';

interface Story {
  detector: string;
  score: number | null;
  anomaly: Anomaly;
  window: { from: string; to: string };
  series: {
    metric: string;
    points: { at: string; value: number | null; expected: number | null; lower: number | null; upper: number | null }[];
  };
  subjects: { earlierDays: number; subjects: { subject: string; messages: number; usualRate: number | null }[] };
  clients: { clientId: string; changes: string[] }[];
  connections: { event: string; key: string; reason: string | null }[];
  jetstream: unknown[];
}

/** GET /metrics/anomalies/{id}/story against real NATS and Redis: what it tells, and whom it tells. */
describe('anomaly story API', () => {
  const options = testOptions();
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let a: CreatedTenant;
  let b: CreatedTenant;
  let pro: CreatedTenant;
  let anomaly: Anomaly;

  const story = (key: string, id: string, query = '') =>
    request<Story & { code?: string; message?: string; requiredTier?: string }>(
      pulse.url,
      'GET',
      `/api/v1/metrics/anomalies/${id}/story${query}`,
      { key },
    );

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
    a = await createTenant(pulse.url, uniqueTenantId('story-a'), 'enterprise');
    b = await createTenant(pulse.url, uniqueTenantId('story-b'), 'enterprise');
    pro = await createTenant(pulse.url, uniqueTenantId('story-pro'), 'professional');
    await waitFor(async () => [a, b, pro].every((t) => pulse.app.get(TenantDirectory).get(t.id)), Boolean);
    // The burst: a subject that was quiet carries most of the window's messages.
    anomaly = await burstAndSpike(pulse, nc, a);
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('tells the detector and score, the series with its expected band, and the subject that caused it', async () => {
    const res = await waitFor(
      () => story(a.apiKey, anomaly.id),
      (r) => r.status === 200 && r.body.clients.some((c) => c.clientId === 'worker-1'),
    );
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s.anomaly.id).toBe(anomaly.id);
    expect(s.detector).toBe('spike');
    expect(s.score).toBe(0.9995);
    expect(s.series.metric).toBe('messages');
    // Every message sent is in the span's windows, and the anomaly's window has the band it opened against.
    expect(s.series.points.reduce((n, p) => n + (p.value ?? 0), 0)).toBe(320);
    const own = s.series.points.find((p) => p.at === s.window.from);
    expect(own).toMatchObject({ expected: 50, lower: 40, upper: 60 });
    // The windows before it carry the stored model's band: about the 50 it learnt.
    const before = s.series.points[0];
    expect(before.expected).toBeGreaterThan(40);
    expect(before.expected).toBeLessThan(60);
    expect(before.lower).toBeLessThan(before.expected as number);
    expect(before.upper).toBeGreaterThan(before.expected as number);
    expect(s.subjects.subjects[0]).toMatchObject({ subject: `tenant.${a.id}.payments.retry`, messages: 300 });
    expect(s.subjects.subjects.map((x) => x.subject)).toContain(`tenant.${a.id}.orders.created`);
    expect(s.clients.find((c) => c.clientId === 'worker-1')?.changes.join(' ')).toContain('first seen');
    expect(s.connections).toEqual([]);
    expect(s.jetstream).toEqual([]);
  });

  it('lists the NATS connections opened and closed, and the JetStream advisories, of its minutes', async () => {
    const at = Date.parse(anomaly.detectedAt) - 30_000;
    const connection = (cid: number, extra: Partial<ConnectionRecord>): ConnectionRecord => ({
      key: `S1:${cid}`,
      server: 'S1',
      cid,
      clientId: 'worker-1',
      by: 'user',
      verified: true,
      name: 'pulse:worker-1',
      account: 'APP',
      user: 'worker',
      host: '127.0.0.1',
      lang: 'nats.js',
      version: '3',
      rttMs: null,
      connectedAt: new Date(at).toISOString(),
      state: 'connected',
      ...extra,
    });
    // Stored as the NATS server events service stores them; an hour-old one is outside the span.
    await pulse.app.get(ConnectionRepository).apply(a.id, [
      { op: 'open', record: connection(7, {}), at },
      {
        op: 'open',
        record: connection(8, { connectedAt: new Date(at - 3_600_000).toISOString() }),
        at: at - 3_600_000,
      },
      {
        op: 'close',
        record: connection(8, {
          connectedAt: new Date(at - 3_600_000).toISOString(),
          state: 'disconnected',
          disconnectedAt: new Date(at + 1000).toISOString(),
          reason: 'Slow Consumer (Write Deadline)',
        }),
        at: at + 1000,
      },
      {
        op: 'open',
        record: connection(9, { connectedAt: new Date(at - 3_600_000).toISOString() }),
        at: at - 3_600_000,
      },
    ]);
    // The window's advisories, as AdvisoriesService counts them.
    const windowKey = pulse.app.get(AdvisoryKeys).window(a.id, Date.parse(anomaly.detectedAt) / 1000 - 60);
    await pulse.app.get<RedisClient>(REDIS_CLIENT).hset(windowKey, { 'k:max_deliver': '2', 'md:ORDERS/billing': '2' });
    const s = (await story(a.apiKey, anomaly.id)).body;
    expect(s.connections).toEqual([
      expect.objectContaining({ event: 'connected', key: 'S1:7', clientId: 'worker-1', reason: null }),
      expect.objectContaining({ event: 'disconnected', key: 'S1:8', reason: 'Slow Consumer (Write Deadline)' }),
    ]);
    expect(s.jetstream).toEqual([
      {
        windowAt: s.window.from,
        advisories: { max_deliver: 2 },
        maxDeliveries: [{ stream: 'ORDERS', consumer: 'billing', count: 2 }],
      },
    ]);
  });

  it("does not show another tenant's anomaly (404), nor one that does not exist", async () => {
    const other = await story(b.apiKey, anomaly.id);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('ANOMALY_NOT_FOUND');
    expect(JSON.stringify(other.body)).not.toContain('payments');
    expect((await story(a.apiKey, 'an_0000000000000000')).status).toBe(404);
  });

  it('refuses an id that is not an anomaly id and unknown parameters (400 naming the field)', async () => {
    for (const id of ['an_XYZ', `an_${'a'.repeat(33)}`, 'an_0123456789ABCDEF', 'an_', 'x'.repeat(300)]) {
      const res = await story(a.apiKey, id);
      expect(res.status, id).toBe(400);
      expect(res.body.message, id).toContain('id');
    }
    const extra = await story(a.apiKey, anomaly.id, '?tenantId=x');
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('tenantId');
  });

  it('is enterprise only, like the anomaly list (403 naming the tier), and needs a key (401)', async () => {
    const res = await story(pro.apiKey, anomaly.id);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ requiredTier: 'enterprise', currentTier: 'professional' });
    expect((await story('pk_nope', anomaly.id)).status).toBe(401);
  });
});
