import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../src/anomalies/anomaly.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
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
  connections: unknown[];
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
