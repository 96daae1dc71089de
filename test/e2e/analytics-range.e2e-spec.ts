import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
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
import { publisher, publishMany } from '../support/traffic.js';

interface RangeView {
  period: string;
  resolution: string;
  from: string;
  to: string;
  series: { timestamp: string; messages: number }[];
  totals: { messages: number };
  message?: string;
  requiredTier?: string;
}

/** GET /metrics/analytics with from/to: the dashboard's range picker and zoom (real NATS and Redis). */
describe('analytics over a range from–to', () => {
  const options = testOptions();
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let professional: CreatedTenant;
  let enterprise: CreatedTenant;
  let publishedAt = 0;

  const analytics = (t: CreatedTenant, query: string) =>
    request<RangeView>(pulse.url, 'GET', `/api/v1/metrics/analytics?${query}`, { key: t.apiKey });
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
    professional = await createTenant(pulse.url, uniqueTenantId('range-pro'), 'professional');
    enterprise = await createTenant(pulse.url, uniqueTenantId('range-ent'), 'enterprise');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(professional.id), Boolean);
    publishedAt = Date.now();
    await publishMany(nc, 321, (i) => `tenant.${professional.id}.s${i % 3}`, 10);
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a 15-minute range is one-minute buckets holding the traffic; period says custom', async () => {
    const from = iso(publishedAt - 14 * 60_000);
    const a = await waitFor(
      async () => (await analytics(professional, `from=${from}`)).body,
      (b) => b.totals?.messages === 321,
    );
    expect(a).toMatchObject({ period: 'custom', resolution: '1m' });
    expect(a.series.length).toBeGreaterThanOrEqual(15);
    expect(a.series.length).toBeLessThanOrEqual(16);
    expect(Date.parse(a.series[0].timestamp)).toBeLessThanOrEqual(Date.parse(from));
    // A range that ends before the traffic holds none of it.
    const before = await analytics(
      professional,
      `from=${iso(publishedAt - 3_600_000)}&to=${iso(publishedAt - 600_000)}`,
    );
    expect(before.status).toBe(200);
    expect(before.body.totals.messages).toBe(0);
    expect(before.body.series.length).toBeGreaterThanOrEqual(50);
    expect(before.body.series.length).toBeLessThanOrEqual(51);
  });

  it('bad input is a 400 naming the field', async () => {
    const now = Date.now();
    const cases: [string, RegExp][] = [
      [`from=yesterday`, /^from /],
      [`to=${iso(now)}`, /^from is required/],
      [`from=${iso(now - 3_600_000)}&to=${iso(now - 3_600_000 + 10_000)}`, /^to must be at least a minute/],
      [`from=${iso(now - 3_600_000)}&to=${iso(now - 7_200_000)}`, /^to must be/],
      [`from=${iso(now - 3 * 86_400_000)}&resolution=1m`, /^resolution: /],
      [`from=${'2'.repeat(60)}`, /^from /],
    ];
    for (const [query, message] of cases) {
      const res = await analytics(professional, query);
      expect(res.status, query).toBe(400);
      expect(String(res.body.message), query).toMatch(message);
    }
  });

  it('further back than the tier keeps is a 403 naming the tier; the enterprise tenant gets it, in hours', async () => {
    const from = iso(Date.now() - 20 * 86_400_000);
    const pro = await analytics(professional, `from=${from}`);
    expect(pro.status).toBe(403);
    expect(pro.body.requiredTier).toBe('enterprise');
    const ent = await analytics(enterprise, `from=${from}&to=${iso(Date.now() - 19 * 86_400_000)}`);
    expect(ent.status).toBe(200);
    expect(ent.body).toMatchObject({ period: 'custom', resolution: '1h' });
    expect(ent.body.series.length).toBeGreaterThanOrEqual(24);
    expect(ent.body.series.length).toBeLessThanOrEqual(25);
  });

  it('realtime with recent=true carries the rates of the last minutes (a live chart starts filled); recent is validated', async () => {
    const basic = await createTenant(pulse.url, uniqueTenantId('range-basic'), 'basic');
    const res = await request<{
      messages: { perSecond: number };
      recent?: { times: number[]; messages: number[]; bytes: number[] };
    }>(pulse.url, 'GET', '/api/v1/metrics/realtime?recent=true', { key: basic.apiKey });
    expect(res.status).toBe(200);
    const recent = res.body.recent!;
    expect(recent.times.length).toBeGreaterThanOrEqual(20);
    expect(recent.messages).toHaveLength(recent.times.length);
    expect(recent.bytes).toHaveLength(recent.times.length);
    for (let i = 1; i < recent.times.length; i++) expect(recent.times[i] - recent.times[i - 1]).toBe(10);
    expect(recent.times.at(-1)! * 1000).toBeLessThanOrEqual(Date.now());
    expect(recent.times.at(-1)! * 1000 - recent.times[0] * 1000).toBeGreaterThanOrEqual(180_000);
    // Without it the body is as before.
    const plain = await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: basic.apiKey });
    expect(plain.body).not.toHaveProperty('recent');
    const bad = await request(pulse.url, 'GET', '/api/v1/metrics/realtime?recent=yes', { key: basic.apiKey });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toMatch(/recent/);
  });
});
