import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
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
import { publisher, publishMany } from '../support/traffic.js';

interface Realtime {
  messages: { total: number; today: number; lastMinute: number };
  bytes: { total: number };
  latencyMs: { p50: number; p99: number; samples: number };
  subjects: { distinct: number; top: { subject: string; messages: number; bytes: number }[] };
  sampling?: { fraction: number };
}

async function realtime(pulse: RunningPulse, key: string): Promise<Realtime> {
  return (await request<Realtime>(pulse.url, 'GET', '/api/v1/metrics/realtime', { key })).body;
}

async function waitForTotal(pulse: RunningPulse, key: string, total: number): Promise<Realtime> {
  return waitFor(
    () => realtime(pulse, key),
    (r) => r.messages.total >= total,
    { timeoutMs: 15_000 },
  );
}

function subscribed(pulse: RunningPulse, tenantId: string): boolean {
  return pulse.app.get(MessageTap).subscribedTenants().includes(tenantId);
}

describe('message counting (real NATS and Redis)', () => {
  const options = testOptions();
  let a: RunningPulse;
  let b: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  let keys: RedisKeys;
  let historyKeys: HistoryKeys;

  beforeAll(async () => {
    a = await startPulse(options);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
    keys = new RedisKeys(options.redis.keyPrefix);
    historyKeys = new HistoryKeys(options.redis.keyPrefix);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a sampled tenant (sampling 10, set by the admin) keeps exact counts and says its latency figures are sampled', async () => {
    const t = await createTenant(a.url, uniqueTenantId('sampled'), 'professional');
    const patched = await request<{ sampling: number }>(a.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, {
      key: ADMIN_KEY,
      body: { sampling: 10 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.sampling).toBe(10);
    const refused = await request<{ message: string }>(a.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, {
      key: ADMIN_KEY,
      body: { sampling: 1001 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('sampling');
    await waitFor(async () => subscribed(a, t.id), Boolean);

    await publishMany(nc, 5000, (i) => `tenant.${t.id}.orders.${i % 2}`, 100);
    const r = await waitForTotal(a, t.apiKey, 5000);
    expect(r.messages.total).toBe(5000);
    expect(r.bytes.total).toBe(500_000);
    // About one message in 10 went into the latency histogram and the subject table.
    expect(r.sampling!.fraction).toBeGreaterThan(0.07);
    expect(r.sampling!.fraction).toBeLessThan(0.13);
    expect(r.latencyMs.samples).toBeGreaterThan(350);
    expect(r.latencyMs.samples).toBeLessThan(650);
    // Each sampled message stands for 10 in the subject counts: two subjects, ~2,500 each.
    for (const s of r.subjects.top) expect(Math.abs(s.messages - 2500)).toBeLessThan(600);
  });

  it('counts two tenants exactly and keeps them apart', async () => {
    const one = await createTenant(a.url, uniqueTenantId('one'), 'professional');
    const two = await createTenant(a.url, uniqueTenantId('two'), 'professional');
    await waitFor(async () => subscribed(a, one.id) && subscribed(a, two.id), Boolean);

    await publishMany(nc, 3000, (i) => `tenant.${one.id}.orders.${i % 3}`, 100);
    await publishMany(nc, 1200, () => `tenant.${two.id}.payments`, 50);
    // Traffic of an unknown tenant and of Pulse's own namespace is not counted anywhere.
    await publishMany(nc, 100, () => `tenant.${uniqueTenantId('ghost')}.x`, 10);

    const r1 = await waitForTotal(a, one.apiKey, 3000);
    const r2 = await waitForTotal(a, two.apiKey, 1200);
    expect(r1.messages).toMatchObject({ total: 3000, today: 3000, lastMinute: 3000 });
    expect(r1.bytes.total).toBe(300_000);
    expect(r2.messages.total).toBe(1200);
    expect(r2.bytes.total).toBe(60_000);

    expect(r1.subjects.distinct).toBe(3);
    expect(r1.subjects.top.map((s) => s.subject).sort()).toEqual([0, 1, 2].map((i) => `tenant.${one.id}.orders.${i}`));
    expect(r1.subjects.top.every((s) => s.messages === 1000 && s.bytes === 100_000)).toBe(true);
    expect(r2.subjects.top).toEqual([{ subject: `tenant.${two.id}.payments`, messages: 1200, bytes: 60_000 }]);
    // No cross-tenant data: neither tenant sees a subject of the other.
    expect(JSON.stringify(r1)).not.toContain(two.id);
    expect(JSON.stringify(r2)).not.toContain(one.id);
    expect(r1.latencyMs.samples).toBe(3000);

    // Settle: nothing more arrives later.
    await new Promise((r) => setTimeout(r, 2 * options.flushIntervalMs));
    expect((await realtime(a, one.apiKey)).messages.total).toBe(3000);
  });

  it('counts empty, binary and oddly-headed messages without breaking the pipeline', async () => {
    const t = await createTenant(a.url, uniqueTenantId('odd'), 'enterprise');
    await waitFor(async () => subscribed(a, t.id), Boolean);
    const subject = `tenant.${t.id}.odd`;
    const odd: [Uint8Array, string | undefined][] = [
      [new Uint8Array(0), undefined],
      [new Uint8Array([0, 255, 254, 0, 1]), undefined],
      [new Uint8Array(1000).fill(0xff), 'not-a-number'],
      [new Uint8Array(3), '-5'],
      [new Uint8Array(3), String(Date.now() + 3_600_000)],
      [new Uint8Array(3), String(Date.now() - 3_600_000)],
      [new Uint8Array(3), ''],
      [new TextEncoder().encode('{"json":true}'), String(Date.now() - 1000)],
    ];
    for (const [payload, publishedAt] of odd) {
      if (publishedAt === undefined) {
        nc.publish(subject, payload);
      } else {
        const h = headers();
        h.set('X-Published-At', publishedAt);
        h.set('X-Other', 'value with spaces');
        nc.publish(subject, payload, { headers: h });
      }
    }
    await nc.flush();
    const r = await waitForTotal(a, t.apiKey, odd.length);
    expect(r.messages.total).toBe(odd.length);
    expect(r.bytes.total).toBe(odd.reduce((n, [p]) => n + p.length, 0));
    // Only the last message has a usable publish time: one sample, about a second.
    expect(r.latencyMs.samples).toBe(1);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(950);
    expect(r.latencyMs.p50).toBeLessThan(3000);
    const totals = await redis.hgetall(historyKeys.totals(t.id));
    expect(Number(totals.lat_missing)).toBe(3); // two without headers, one empty value
    expect(Number(totals.lat_invalid)).toBe(4);
    expect(a.app.get(TrafficAggregator).stats().rejected).toBe(0);
  });

  it('two instances in the queue group count every message once', async () => {
    b = await startPulse(options);
    const t = await createTenant(a.url, uniqueTenantId('shared'), 'basic');
    // Instance b learns of the tenant from the announcement on NATS, within a second.
    await waitFor(async () => subscribed(a, t.id) && subscribed(b, t.id), Boolean, { timeoutMs: 1000 });
    expect(subscribed(b, t.id)).toBe(true);

    const before = [a, b].map((p) => p.app.get(TrafficAggregator).stats().messages);
    await publishMany(nc, 10_000, (i) => `tenant.${t.id}.s${i % 10}`, 100);
    const r = await waitForTotal(b, t.apiKey, 10_000);
    await new Promise((res) => setTimeout(res, 3 * options.flushIntervalMs));
    expect((await realtime(b, t.apiKey)).messages.total).toBe(10_000);
    expect(r.messages.total).toBe(10_000);
    const after = [a, b].map((p) => p.app.get(TrafficAggregator).stats().messages);
    const share = after.map((n, i) => n - before[i]);
    expect(share[0] + share[1]).toBe(10_000);
    // Both took part: the queue group spread the load.
    expect(share[0]).toBeGreaterThan(0);
    expect(share[1]).toBeGreaterThan(0);
  });

  it('stops counting a deleted tenant on every instance within a second and keeps no data', async () => {
    const t = await createTenant(a.url, uniqueTenantId('gone'), 'basic');
    const instances = b ? [a, b] : [a];
    await waitFor(async () => instances.every((p) => subscribed(p, t.id)), Boolean);
    await publishMany(nc, 100, () => `tenant.${t.id}.x`, 10);
    await waitForTotal(a, t.apiKey, 100);
    const deleted = await request(a.url, 'DELETE', `/api/v1/admin/tenants/${t.id}`, {
      key: 'test-admin-key-0123456789',
    });
    expect(deleted.status).toBe(200);
    const gone = await waitFor(async () => instances.every((p) => !subscribed(p, t.id)), Boolean, { timeoutMs: 1000 });
    expect(gone).toBe(true);
    await publishMany(nc, 100, () => `tenant.${t.id}.x`, 10);
    await new Promise((r) => setTimeout(r, 3 * options.flushIntervalMs));
    const left = await redis.keys(`${keys.tenantScope(t.id).replace(/[{}]/g, '\\$&')}*`);
    expect(left).toEqual([]);
  });

  it('a disabled tenant is not counted; re-enabled it is again', async () => {
    const t: CreatedTenant = await createTenant(a.url, uniqueTenantId('pause'), 'basic');
    const instances = b ? [a, b] : [a];
    await waitFor(async () => instances.every((p) => subscribed(p, t.id)), Boolean);
    const patch = (status: string) =>
      request(a.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, { key: 'test-admin-key-0123456789', body: { status } });
    await patch('disabled');
    await waitFor(async () => instances.every((p) => !subscribed(p, t.id)), Boolean, { timeoutMs: 1000 });
    await publishMany(nc, 50, () => `tenant.${t.id}.x`, 10);
    await patch('active');
    await waitFor(async () => instances.every((p) => subscribed(p, t.id)), Boolean, { timeoutMs: 1000 });
    await publishMany(nc, 70, () => `tenant.${t.id}.x`, 10);
    const r = await waitForTotal(a, t.apiKey, 70);
    await new Promise((res) => setTimeout(res, 3 * options.flushIntervalMs));
    expect((await realtime(a, t.apiKey)).messages.total).toBe(70);
    expect(r.messages.total).toBe(70);
  });
});
