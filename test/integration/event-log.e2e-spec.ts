import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { EventKeys } from '../../src/events/event-keys.js';
import type { PulseEvent } from '../../src/events/event.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { sendHeartbeat } from '../support/heartbeats.js';
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
import { publisher } from '../support/traffic.js';

/** The tenants' event log on real NATS and Redis: what the sources append, in order, once, fenced. */
describe('event log (real NATS and Redis)', () => {
  const options = testOptions({ heartbeatTimeoutMs: 1500, offlineCheckIntervalMs: 250 });
  const keys = new EventKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  let log: EventLog;

  async function tenant(tier: 'basic' | 'professional' | 'enterprise', subscribed = true): Promise<CreatedTenant> {
    const t = await createTenant(pulse.url, uniqueTenantId(`ev-${tier}`), tier);
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    // A subscription's presence is what makes the log append (its REST surface is tested elsewhere).
    if (subscribed) await redis.hset(keys.subscriptions(t.id), 'sub_x', '{}');
    return t;
  }

  const events = async (tenantId: string): Promise<PulseEvent[]> => log.read(tenantId, '-', 10_000);

  beforeAll(async () => {
    pulse = await startPulse(options);
    log = pulse.app.get(EventLog);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('appends each client online then offline, in per-client order, with contiguous sequences', async () => {
    const t = await tenant('professional');
    const clients = Array.from({ length: 5 }, (_, i) => `c${i}`);
    for (const c of clients) sendHeartbeat(nc, t.id, c);
    const got = await waitFor(
      () => events(t.id),
      (e) => e.length >= 10,
      { timeoutMs: 15_000 },
    );
    expect(got.map((e) => e.type).sort()).toEqual([
      ...Array<string>(5).fill('client.offline'),
      ...Array<string>(5).fill('client.online'),
    ]);
    for (const c of clients) {
      expect(got.filter((e) => e.clientId === c).map((e) => e.type)).toEqual(['client.online', 'client.offline']);
    }
    expect(got.map((e) => e.sequence)).toEqual(got.map((_, i) => got[0].sequence + i));
    expect(got.every((e) => e.tenantId === t.id && /^\d+-\d+$/.test(e.id))).toBe(true);
    expect(got.find((e) => e.type === 'client.offline')?.data).toMatchObject({ status: 'offline' });
    // Ids are stable: read again, the same.
    expect((await events(t.id)).map((e) => e.id)).toEqual(got.map((e) => e.id));
  });

  it('appends nothing for a tenant without a subscription, nor for a tier without subscriptions', async () => {
    const unsubscribed = await tenant('professional', false);
    const basic = await tenant('basic');
    const witness = await tenant('professional');
    for (const t of [unsubscribed, basic, witness]) sendHeartbeat(nc, t.id, 'only');
    await waitFor(
      () => events(witness.id),
      (e) => e.length >= 1,
    );
    await log.flush();
    expect(await events(unsubscribed.id)).toEqual([]);
    expect(await events(basic.id)).toEqual([]);
  });

  it('writes a burst in calls of at most 500 events, in order; a tenant without a subscription costs one call', async () => {
    const t = await tenant('professional');
    const none = await tenant('professional', false);
    const at = new Date().toISOString();
    const before = log.snapshot().appended;
    for (let i = 0; i < 1200; i++) {
      for (const x of [t, none]) log.append({ type: 'client.online', tenantId: x.id, clientId: `b${i}`, at, data: {} });
    }
    await log.flush();
    const got = await events(t.id);
    expect(got.map((e) => e.clientId)).toEqual(Array.from({ length: 1200 }, (_, i) => `b${i}`));
    expect(got.map((e) => e.sequence)).toEqual(got.map((_, i) => got[0].sequence + i));
    expect(await events(none.id)).toEqual([]);
    expect(log.snapshot().appended - before).toBe(1200);
    expect(log.snapshot().buffered).toBe(0);
  });

  it('appends a change handed out again once only (outbox repeats)', async () => {
    const t = await tenant('enterprise');
    const crossing = {
      type: 'limit.opened' as const,
      tenantId: t.id,
      clientId: null,
      at: new Date().toISOString(),
      data: { crossing: { id: 'x' } },
    };
    await log.appendOnce('limit:x:opened', crossing);
    await log.appendOnce('limit:x:opened', crossing);
    await log.appendOnce('limit:x:resolved', { ...crossing, type: 'limit.resolved' });
    expect((await events(t.id)).map((e) => e.type)).toEqual(['limit.opened', 'limit.resolved']);
    expect(await redis.zcard(keys.once(t.id))).toBe(2);
  });

  it('writes nothing for an erased tenant (fenced), and the erasure removes the log', async () => {
    const t = await tenant('professional');
    sendHeartbeat(nc, t.id, 'before');
    await waitFor(
      () => events(t.id),
      (e) => e.length >= 1,
    );
    const erased = await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.id}`, { key: ADMIN_KEY });
    expect(erased.status).toBe(200);
    expect(await redis.exists(keys.stream(t.id), keys.subscriptions(t.id), keys.sequence(t.id))).toBe(0);
    log.append({ type: 'client.online', tenantId: t.id, clientId: 'late', at: new Date().toISOString(), data: {} });
    await log.appendOnce('anomaly:a:opened', {
      type: 'anomaly.opened',
      tenantId: t.id,
      clientId: null,
      at: new Date().toISOString(),
      data: {},
    });
    await log.flush();
    expect(await redis.exists(keys.stream(t.id), keys.once(t.id), keys.sequence(t.id))).toBe(0);
  });
});
