import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { dayOf } from '../../src/common/time.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import type { UsageRecord } from '../../src/usage/usage.types.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
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

const HOUR_MS = 3_600_000;
/** `YYYY-MM-DDTHH` of an hour start (epoch s). */
const label = (hourStart: number) => new Date(hourStart * 1000).toISOString().slice(0, 13);

interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  data: UsageRecord;
}

/**
 * The hourly usage export against real NATS and Redis: an hour three hours ago holds seeded
 * server figures (two tenants) and real traffic counted by the tap at that hour (the process
 * clock set back, so the tap, the flush and the rollup file it there as they would have then); the
 * previous hour holds seeded minutes (read from its minutes, as the history API reads it).
 */
describe('usage export (real NATS and Redis)', () => {
  // The test runs the rollup itself; settle 0, so the previous hour can be exported whatever the minute.
  const options = testOptions({ rollupIntervalMs: HOUR_MS, usageExport: { source: 'pulse-e2e', settleSeconds: 0 } });
  const historyKeys = new HistoryKeys(options.redis.keyPrefix);
  const redisKeys = new RedisKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let redis: Redis;
  let nc: NatsConnection;
  const t = {} as Record<'alpha' | 'bravo' | 'tapped' | 'disabled' | 'erased', CreatedTenant>;
  let late: CreatedTenant;
  /** Three hours ago (seeded hour hashes, the tap's traffic), and the previous hour (seeded minutes). */
  let past = 0;
  let previous = 0;
  const largest = 3000;
  const published = { messages: 45 + 5, bytes: 45 * 100 + 5 * largest };

  const exportOf = (query: string, key = ADMIN_KEY) =>
    fetch(`${pulse.url}/api/v1/admin/usage/export?${query}`, { headers: { authorization: `Bearer ${key}` } });
  const ndjson = async (hourStart: number) => {
    const res = await exportOf(`hour=${label(hourStart)}`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const records = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as UsageRecord);
  /** The tenant's 1h bucket of `hourStart` as the history API reports it. */
  const historyHour = async (tenant: CreatedTenant, hourStart: number) => {
    const res = await request<{ series: { timestamp: string; messages: number; bytes: number }[] }>(
      pulse.url,
      'GET',
      '/api/v1/metrics/analytics?period=24h&resolution=1h',
      { key: tenant.apiKey },
    );
    expect(res.status).toBe(200);
    const point = res.body.series.find((p) => p.timestamp === new Date(hourStart * 1000).toISOString());
    expect(point, `bucket ${label(hourStart)}`).toBeDefined();
    return { messages: point!.messages, bytes: point!.bytes };
  };

  beforeAll(async () => {
    // Not within a minute of an hour's end: "three hours ago" and "the previous hour" hold for the test.
    const intoHour = Date.now() % HOUR_MS;
    if (intoHour > HOUR_MS - 60_000) await new Promise((r) => setTimeout(r, HOUR_MS - intoHour + 1000));
    const currentHour = Math.floor(Date.now() / HOUR_MS) * 3600;
    past = currentHour - 3 * 3600;
    previous = currentHour - 3600;
    pulse = await startPulse(options);
    redis = new Redis(SHARED_REDIS);
    nc = await publisher();
    t.alpha = await createTenant(pulse.url, uniqueTenantId('use-a'), 'enterprise');
    t.bravo = await createTenant(pulse.url, uniqueTenantId('use-b'), 'professional');
    t.tapped = await createTenant(pulse.url, uniqueTenantId('use-t'), 'professional');
    t.disabled = await createTenant(pulse.url, uniqueTenantId('use-d'), 'basic');
    t.erased = await createTenant(pulse.url, uniqueTenantId('use-e'), 'basic');
    // They existed before the hours exported (a tenant created after an hour has no record of it).
    for (const tenant of Object.values(t)) {
      await redis.hset(redisKeys.tenant(tenant.id), 'createdAt', new Date((past - 86_400) * 1000).toISOString());
    }
    late = await createTenant(pulse.url, uniqueTenantId('use-late'), 'basic');
  });

  afterAll(async () => {
    vi.useRealTimers();
    await nc?.close();
    redis?.disconnect();
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('the tap counts traffic of a past hour and its largest message: minute, hour and day keep pl_max', async () => {
    // The process clock (Date only; timers run) at the middle of the past hour while the tap counts.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: (past + 1800) * 1000 });
    try {
      await publishMany(nc, 45, (i) => `tenant.${t.tapped.id}.orders.${i % 3}`, 100);
      await publishMany(nc, 5, () => `tenant.${t.tapped.id}.files`, largest);
      const total = await waitFor(
        async () => Number(await redis.hget(historyKeys.totals(t.tapped.id), 'm')),
        (n) => n === published.messages,
      );
      expect(total).toBe(published.messages);
      // The hour is over and a rollup pass files it (the previous hour then).
      vi.setSystemTime((past + 3600 + 300) * 1000);
      const job = pulse.app.get(RollupJob);
      expect(
        await waitFor(
          () => job.run(),
          (r) => r !== null,
        ),
      ).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
    const hour = await redis.hgetall(historyKeys.hour(t.tapped.id, past));
    expect(hour).toMatchObject({ m: String(published.messages), b: String(published.bytes), pl_max: String(largest) });
    const minutes = await Promise.all(
      Array.from({ length: 60 }, (_, m) => redis.hget(historyKeys.minute(t.tapped.id, past + 60 * m), 'pl_max')),
    );
    expect(Math.max(...minutes.map(Number).filter(Number.isFinite))).toBe(largest);
    expect(await redis.hget(historyKeys.day(t.tapped.id, dayOf(past * 1000)), 'pl_max')).toBe(String(largest));
  });

  it('seeds server figures into the past hour (hour hashes) and the previous hour (minutes)', async () => {
    // After the rollup above: a pass recomputes an hour from its minutes, and these have none.
    const seed = async (key: string, fields: Record<string, number>) => {
      await redis.hset(key, fields);
      await redis.expire(key, 2 * 86_400);
    };
    await seed(historyKeys.hour(t.alpha.id, past), {
      m: 120,
      b: 12_000,
      sv_in_m: 130,
      sv_in_b: 13_100,
      sv_out_m: 650,
      sv_out_b: 65_500,
      cn_min: 180,
      js_bmin: 90,
      pk: 4,
      pl_max: 800,
    });
    await seed(historyKeys.hour(t.bravo.id, past), {
      m: 7,
      b: 700,
      sv_in_m: 7,
      sv_in_b: 720,
      sv_out_m: 0,
      sv_out_b: 0,
      cn_min: 60,
      js_bmin: 6_000,
    });
    await seed(historyKeys.hour(t.disabled.id, past), { m: 3, b: 30, sv_in_m: 3, sv_in_b: 31 });
    await seed(historyKeys.hour(t.erased.id, past), { m: 9, b: 90 });
    await seed(historyKeys.hour(late.id, past), { m: 1, b: 10 }); // left out: created after the hour
    await seed(historyKeys.minute(t.alpha.id, previous), { m: 10, b: 100, sv_out_m: 20, sv_out_b: 200, cn_min: 2 });
    await seed(historyKeys.minute(t.alpha.id, previous + 1800), { m: 5, b: 50, sv_in_m: 6, sv_in_b: 66, js_bmin: 120 });
    expect(
      (
        await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${t.disabled.id}`, {
          key: ADMIN_KEY,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.erased.id}`, { key: ADMIN_KEY })).status,
    ).toBe(200);
  });

  it('NDJSON: one record per tenant in id order, the seeded and tapped figures, identical when produced twice', async () => {
    const res = await exportOf(`hour=${label(past)}&format=ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="pulse-usage-${label(past)}.ndjson"`);
    const first = await res.text();
    expect(await ndjson(past)).toBe(first); // byte-identical
    const list = records(first);
    // Active and disabled tenants; not the erased one, nor the one created after the hour.
    const expected = [t.alpha, t.bravo, t.disabled, t.tapped].map((x) => x.id).sort();
    expect(list.map((r) => r.tenantId)).toEqual(expected);
    const byId = new Map(list.map((r) => [r.tenantId, r]));
    expect(byId.get(t.alpha.id)).toEqual({
      id: `usage:${t.alpha.id}:${label(past)}`,
      tenantId: t.alpha.id,
      hourStart: new Date(past * 1000).toISOString(),
      hourEnd: new Date((past + 3600) * 1000).toISOString(),
      published: { messages: 120, bytes: 12_000 },
      ingress: { messages: 130, bytes: 13_100 },
      egress: { messages: 650, bytes: 65_500 },
      connectionMinutes: 180,
      jetstreamStorageByteHours: 1.5,
    });
    expect(byId.get(t.bravo.id)).toMatchObject({
      published: { messages: 7, bytes: 700 },
      ingress: { messages: 7, bytes: 720 },
      egress: { messages: 0, bytes: 0 },
      connectionMinutes: 60,
      jetstreamStorageByteHours: 100,
    });
    expect(byId.get(t.disabled.id)).toMatchObject({ published: { messages: 3, bytes: 30 } });
    expect(byId.get(t.tapped.id)).toMatchObject({
      published,
      ingress: { messages: 0, bytes: 0 },
      egress: { messages: 0, bytes: 0 },
    });
  });

  it("totals equal the history API's hour buckets, for an hour read from its rollup and one read from its minutes", async () => {
    const pastRecords = new Map(records(await ndjson(past)).map((r) => [r.tenantId, r]));
    for (const tenant of [t.alpha, t.bravo, t.tapped]) {
      expect(pastRecords.get(tenant.id)!.published, tenant.id).toEqual(await historyHour(tenant, past));
    }
    const previousRecords = new Map(records(await ndjson(previous)).map((r) => [r.tenantId, r]));
    const alpha = previousRecords.get(t.alpha.id)!;
    expect(alpha).toMatchObject({
      id: `usage:${t.alpha.id}:${label(previous)}`,
      published: { messages: 15, bytes: 150 },
      ingress: { messages: 6, bytes: 66 },
      egress: { messages: 20, bytes: 200 },
      connectionMinutes: 2,
      jetstreamStorageByteHours: 2,
    });
    expect(alpha.published).toEqual(await historyHour(t.alpha, previous));
    expect(previousRecords.get(t.bravo.id)!.published).toEqual({ messages: 0, bytes: 0 });
  });

  it('CloudEvents: one event per tenant, ids matching the records, identical when produced twice', async () => {
    const res = await exportOf(`hour=${label(past)}&format=cloudevents`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/cloudevents-batch\+json/);
    const text = await res.text();
    expect(await (await exportOf(`hour=${label(past)}&format=cloudevents`)).text()).toBe(text);
    const events = JSON.parse(text) as CloudEvent[];
    const list = records(await ndjson(past));
    expect(events.map((e) => e.id)).toEqual(list.map((r) => r.id));
    expect(new Set(events.map((e) => e.subject)).size).toBe(events.length);
    events.forEach((event, i) => {
      expect(event).toEqual({
        specversion: '1.0',
        id: list[i].id,
        source: 'pulse-e2e',
        type: 'io.pulse.usage.hourly',
        subject: list[i].tenantId,
        time: list[i].hourStart,
        datacontenttype: 'application/json',
        data: list[i],
      });
    });
  });

  it('a malformed, unsettled or too old hour, or a bad format, is a 400 naming the field', async () => {
    const refused = async (query: string, field: string) => {
      const res = await exportOf(query);
      const body = (await res.json()) as { code: string; message: string; details?: { field: string }[] };
      expect(res.status, query).toBe(400);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message, query).toMatch(new RegExp(`\\b${field}\\b`));
      expect(
        body.details?.map((d) => d.field),
        query,
      ).toContain(field);
      return body;
    };
    for (const bad of ['', 'hour=2026-12-7T13', 'hour=2026-12-07T13:00', 'hour=2026-02-30T10', 'hour=x&hour=y'])
      await refused(bad, 'hour');
    const current = Math.floor(Date.now() / HOUR_MS) * 3600;
    const unsettled = await refused(`hour=${label(current)}`, 'hour');
    expect(unsettled.details).toEqual([
      expect.objectContaining({ field: 'hour', exportableFrom: new Date((current + 3600) * 1000).toISOString() }),
    ]);
    const old = await refused('hour=2000-01-01T00', 'hour');
    expect(old.message).toMatch(/older than the history any tenant keeps/);
    await refused(`hour=${label(past)}&format=csv`, 'format');
    await refused(`hour=${label(past)}&tenant=x`, 'tenant');
  });

  it('admin only: a tenant key or no key is a 401; every export is in the audit trail', async () => {
    expect((await exportOf(`hour=${label(past)}`, t.alpha.apiKey)).status).toBe(401);
    expect((await fetch(`${pulse.url}/api/v1/admin/usage/export?hour=${label(past)}`)).status).toBe(401);
    const audit = await request<{ entries: { action: string; target: string; status: number }[] }>(
      pulse.url,
      'GET',
      '/api/v1/admin/audit?action=usage.export&limit=100',
      { key: ADMIN_KEY },
    );
    expect(audit.status).toBe(200);
    expect(audit.body.entries.some((e) => e.target === 'usage' && e.status === 200)).toBe(true);
    expect(audit.body.entries.some((e) => e.status === 400)).toBe(true);
  });
});
