import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, minuteEpochOf } from '../../src/common/time.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { HistoryStore } from '../../src/history/history-store.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import type { TenantLimits } from '../../src/tenants/tenant.js';
import { NO_TENANT_LIMITS } from '../../src/tenants/tenant.js';
import { UsageKeys } from '../../src/usage/usage-keys.js';
import { UsageMinuteJob } from '../../src/usage/usage-minute.job.js';
import type { UsageAnswer } from '../../src/usage/usage.types.js';
import type { UsageRanking } from '../../src/usage/usage.service.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { FakeJetStreamReader, streamFigures, withJetStreamReader } from '../support/jetstream-fake.js';
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
import { claims, FakeServerUsageReader, serverSnapshot, withServerUsageReader } from '../support/server-usage-fake.js';

/**
 * The usage route, the operator's ranking and the usage minute job against real NATS and Redis.
 * The server's figures come from a fake SERVER_USAGE_READER (nats-events' Redis reader is another
 * part of issue #34; the JWT e2e has the real server's), set per tenant by the test; the history's
 * fields are written into the day and hour hashes as the server-counter writer and the rollups
 * would have.
 */
describe('usage and limits (real NATS and Redis)', () => {
  const options = testOptions();
  const server = new FakeServerUsageReader();
  const jetstream = new FakeJetStreamReader();
  const modules = withServerUsageReader(server, withJetStreamReader(jetstream));
  const historyKeys = new HistoryKeys(options.redis.keyPrefix);
  const usageKeys = new UsageKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let second: RunningPulse;
  let redis: Redis;
  let basic: CreatedTenant;
  let enterprise: CreatedTenant;
  let pro: CreatedTenant;

  const usage = (key: string, query = '') =>
    request<UsageAnswer & { code?: string; message?: string; requiredTier?: string }>(
      pulse.url,
      'GET',
      `/api/v1/metrics/usage${query}`,
      { key },
    );
  const known = (instance: RunningPulse, id: string) =>
    waitFor(async () => instance.app.get(TenantDirectory).get(id) !== undefined, Boolean);

  /** The admin sets limits on a tenant (the admin route is another part of #34): the record, then every instance re-reads it. */
  async function setLimits(id: string, limits: Partial<TenantLimits>) {
    await redis.hset(historyKeys.shared.tenant(id), 'limits', JSON.stringify({ ...NO_TENANT_LIMITS, ...limits }));
    for (const instance of [pulse, second]) await instance.app.get(TenantDirectory).sync(id);
  }

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    pulse = await startPulse(options, modules);
    second = await startPulse(options, modules);
    const created = await request<CreatedTenant>(pulse.url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN_KEY,
      body: { id: uniqueTenantId('use-basic'), tier: 'basic', monthlyMessageQuota: 1000 },
    });
    basic = created.body;
    enterprise = await createTenant(pulse.url, uniqueTenantId('use-ent'), 'enterprise');
    pro = await createTenant(pulse.url, uniqueTenantId('use-pro'), 'professional');
    for (const t of [basic, enterprise, pro]) for (const instance of [pulse, second]) await known(instance, t.id);
  });

  afterAll(async () => {
    await second?.close();
    await pulse?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it("basic, one account: today's figures beside the server's, the tenant's limits, 80 % of connections a warning", async () => {
    await setLimits(basic.id, { connections: 5, payload: 1024 });
    server.snapshots.set(basic.id, serverSnapshot(basic.id, { connections: 4, subscriptions: 12 }));
    const now = Date.now();
    const today = { m: 500, b: 5000, sv_in_m: 400, sv_in_b: 4000, sv_out_m: 2000, sv_out_b: 20000 };
    await redis.hset(historyKeys.day(basic.id, dayOf(now)), {
      ...today,
      cn_min: 240,
      js_bmin: 6000,
      rf_cn: 1,
      rf_pl: 2,
      pl_max: 900,
      cn_pk: 4,
    });
    const hour = Math.floor(now / 3_600_000) * 3600;
    await redis.hset(historyKeys.hour(basic.id, hour), { ...today, cn_min: 240 });
    const res = await usage(basic.apiKey);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({ tenantId: basic.id, shape: 'subjects', serverFigures: 'connected' });
    expect(body.thresholds).toEqual({ warning: 0.8, critical: 0.95 });
    expect(body.today).toEqual({
      published: { messages: 500, bytes: 5000 },
      ingress: { messages: 400, bytes: 4000 },
      egress: { messages: 2000, bytes: 20000 },
      fanout: 5,
      connectionMinutes: 240,
      jetstreamStorageByteHours: 100,
      refused: { connections: 1, payloads: 2, subscriptions: 0 },
    });
    const limits = new Map(body.limits.map((l) => [l.limit, l]));
    expect(limits.get('connections')).toMatchObject({
      max: 5,
      source: 'tenant',
      used: 4,
      utilisation: 0.8,
      peakToday: 4,
      level: 'warning',
    });
    expect(limits.get('payload')).toMatchObject({ max: 1024, used: 900, utilisation: 0.8789, level: 'warning' });
    expect(limits.get('monthlyMessages')!.max).toBe(1000);
    expect(limits.get('subscriptions')).toMatchObject({ max: null, source: 'none', used: 12, utilisation: null });
    // History: the last 24 hours, the current one last with its figures.
    expect(body.history.granularity).toBe('hour');
    expect(body.history.points).toHaveLength(24);
    expect(body.history.points[23]).toMatchObject({
      timestamp: new Date(hour * 1000).toISOString(),
      published: { messages: 500 },
      egress: { messages: 2000 },
      fanout: 5,
    });
  });

  it("enterprise, its own account: the claims' limits and JetStream, history per day over 30 days", async () => {
    server.snapshots.set(
      enterprise.id,
      serverSnapshot(enterprise.id, {
        shape: 'account',
        connections: 19,
        subscriptions: 40,
        jetstream: { memory: 0, storage: 700, streams: 2, consumers: 3 },
        claims: claims({ connections: 20, subscriptions: 1000, jetstreamStorage: 1000, data: 1_000_000 }),
      }),
    );
    const now = Date.now();
    await redis.hset(historyKeys.day(enterprise.id, dayOf(now)), { sv_in_b: 100_000, sv_out_b: 400_000, m: 7 });
    const res = await usage(enterprise.apiKey, '?period=30d');
    expect(res.status).toBe(200);
    const limits = new Map(res.body.limits.map((l) => [l.limit, l]));
    expect(res.body.shape).toBe('account');
    expect(limits.get('connections')).toMatchObject({
      source: 'account',
      used: 19,
      utilisation: 0.95,
      level: 'critical',
    });
    expect(limits.get('jetstreamStorage')).toMatchObject({
      source: 'account',
      used: 700,
      utilisation: 0.7,
      level: 'ok',
    });
    expect(limits.get('data')).toMatchObject({ used: 500_000, utilisation: 0.5 });
    expect(res.body.history.granularity).toBe('day');
    expect(res.body.history.points).toHaveLength(30);
    expect(res.body.history.points[29]).toMatchObject({
      timestamp: `${new Date(now).toISOString().slice(0, 10)}T00:00:00.000Z`,
      ingress: { bytes: 100_000 },
    });
  });

  it("professional, one account: JetStream from its attributed streams' last poll (memory and file apart)", async () => {
    await setLimits(pro.id, { jetstreamMemory: 1000, jetstreamStorage: 10_000, jetstreamStreams: 4 });
    server.snapshots.set(pro.id, serverSnapshot(pro.id, { connections: 1 }));
    jetstream.views.set(pro.id, {
      tenantId: pro.id,
      polledAt: new Date().toISOString(),
      streams: [
        { ...streamFigures('MEM', [`tenant.${pro.id}.m`], 10, 960), storage: 'memory' },
        { ...streamFigures('DISK', [`tenant.${pro.id}.d`], 10, 2500), storage: 'file' },
      ],
      consumers: [],
      omitted: { streams: 1, consumers: 0 },
    });
    const limits = new Map((await usage(pro.apiKey, '?period=7d')).body.limits.map((l) => [l.limit, l]));
    expect(limits.get('jetstreamMemory')).toMatchObject({ used: 960, utilisation: 0.96, level: 'critical' });
    expect(limits.get('jetstreamStorage')).toMatchObject({ used: 2500, utilisation: 0.25, level: 'ok' });
    expect(limits.get('jetstreamStreams')).toMatchObject({ used: 3, utilisation: 0.75 });
  });

  it("a tenant sees only its own usage: another tenant's figures and limits never appear", async () => {
    const mine = await usage(basic.apiKey);
    const theirs = await usage(enterprise.apiKey);
    expect(mine.body.tenantId).toBe(basic.id);
    expect(theirs.body.tenantId).toBe(enterprise.id);
    expect(JSON.stringify(mine.body)).not.toContain(enterprise.id);
    expect(JSON.stringify(theirs.body)).not.toContain(basic.id);
    expect(mine.body.limits.find((l) => l.limit === 'connections')!.max).toBe(5);
    expect(theirs.body.limits.find((l) => l.limit === 'connections')!.max).toBe(20);
    // No parameter names another tenant.
    expect((await usage(basic.apiKey, `?tenantId=${enterprise.id}`)).status).toBe(400);
    expect((await usage('pk_not-a-key')).status).toBe(401);
  });

  it('400 naming period for a bad value; beyond the retention 403 naming the tier that keeps it', async () => {
    const bad = await usage(basic.apiKey, '?period=2y');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.body.message)).toContain('period must be one of: 24h, 7d, 30d');
    const week = await usage(basic.apiKey, '?period=7d');
    expect(week.status).toBe(403);
    expect(week.body).toMatchObject({ code: 'TIER_REQUIRED', requiredTier: 'professional', currentTier: 'basic' });
    expect(week.body.message).toContain('period=7d');
    const month = await usage(pro.apiKey, '?period=30d');
    expect(month.status).toBe(403);
    expect(month.body).toMatchObject({ code: 'TIER_REQUIRED', requiredTier: 'enterprise' });
  });

  it("the operator's ranking: tenants by their highest utilisation, bounded; admin only", async () => {
    const res = await request<UsageRanking>(pulse.url, 'GET', '/api/v1/admin/usage?limit=2', { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.tenants.map((t) => [t.tenantId, t.limit, t.utilisation, t.level])).toEqual([
      [pro.id, 'jetstreamMemory', 0.96, 'critical'],
      [enterprise.id, 'connections', 0.95, 'critical'],
    ]);
    for (const limit of ['0', '101', 'x'])
      expect((await request(pulse.url, 'GET', `/api/v1/admin/usage?limit=${limit}`, { key: ADMIN_KEY })).status).toBe(
        400,
      );
    expect((await request(pulse.url, 'GET', '/api/v1/admin/usage', { key: basic.apiKey })).status).toBe(401);
  });

  it('the usage minute: two instances and several passes count a minute once; the peaks kept at the most; the rollup folds them', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('use-min'), 'basic');
    for (const instance of [pulse, second]) await known(instance, t.id);
    // A minute ahead of the instances' own timers (their passes count the current minute, and a
    // minute once counted is never counted again, so they cannot take this one first).
    const minute = minuteEpochOf(Date.now()) + 600;
    const at = minute * 1000 + 5000;
    server.snapshots.set(t.id, serverSnapshot(t.id, { at, connections: 3, subscriptions: 8 }));
    const [a, b] = [pulse.app.get(UsageMinuteJob), second.app.get(UsageMinuteJob)];
    const together = await Promise.all([a.run(at), b.run(at)]);
    const again = [await b.run(at + 20_000), await a.run(at + 40_000)];
    const counted = [...together, ...again].map((r) => r?.counted ?? 0);
    // Every tenant of the run with a fresh snapshot was looked at; this one was counted by one pass only.
    const key = historyKeys.minute(t.id, minute);
    expect(await redis.hget(key, 'cn_min')).toBe('3');
    expect(counted.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(1);
    expect(await redis.get(usageKeys.minuteClaim(t.id))).toBe(String(minute));
    // A later pass of the same minute with more connections raises the peaks, not the minutes.
    server.snapshots.set(t.id, serverSnapshot(t.id, { at: at + 50_000, connections: 6, subscriptions: 9 }));
    await b.run(at + 50_000);
    expect(await redis.hgetall(key)).toMatchObject({ cn_min: '3', cn_pk: '6', sub_pk: '9' });
    expect(await redis.ttl(key)).toBeGreaterThan(0);
    // The next minute counts again.
    await a.run(at + 60_000);
    expect(await redis.hget(historyKeys.minute(t.id, minute + 60), 'cn_min')).toBe('6');
    // The hour rollup (generated from the counter schema) sums the minutes and keeps the peaks.
    const hour = Math.floor(minute / 3600) * 3600;
    if (minute + 60 < hour + 3600) {
      await pulse.app.get(HistoryStore).rollupHour(t.id, hour, hour, 3600);
      expect(await redis.hgetall(historyKeys.hour(t.id, hour))).toMatchObject({ cn_min: '9', cn_pk: '6', sub_pk: '9' });
    }
    // A stale snapshot (older than two poll intervals) counts nothing.
    server.snapshots.set(t.id, serverSnapshot(t.id, { at: at - 10 * 60_000, connections: 50 }));
    await a.run(at + 120_000);
    expect(await redis.exists(historyKeys.minute(t.id, minute + 120))).toBe(0);
  });

  it('the usage minute writes nothing for a tenant erased meanwhile (the fence)', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('use-gone'), 'basic');
    for (const instance of [pulse, second]) await known(instance, t.id);
    const minute = minuteEpochOf(Date.now()) + 900;
    const at = minute * 1000;
    server.snapshots.set(t.id, serverSnapshot(t.id, { at, connections: 2 }));
    // The record goes (as the erasure's first step) while the directory still lists the tenant.
    await redis.del(historyKeys.shared.tenant(t.id));
    await pulse.app.get(UsageMinuteJob).run(at);
    expect(await redis.exists(historyKeys.minute(t.id, minute), usageKeys.minuteClaim(t.id))).toBe(0);
  });
});
