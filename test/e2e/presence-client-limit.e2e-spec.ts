import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceRepository, type PresenceSummary } from '../../src/heartbeat/presence.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
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

const LIMIT = 20;

describe('distinct clients per tenant are bounded (MAX_CLIENTS_PER_TENANT; real NATS and Redis)', () => {
  const options = testOptions({ maxClientsPerTenant: LIMIT });
  let a: RunningPulse;
  let b: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  const keys = new RedisKeys(options.redis.keyPrefix);

  const summary = async (t: CreatedTenant) =>
    (await request<{ summary: PresenceSummary }>(a.url, 'GET', '/api/v1/metrics/presence', { key: t.apiKey })).body
      .summary;
  const rejected = async (t: CreatedTenant) =>
    (
      await request<{ heartbeats: { rejected: Record<string, number> } }>(
        a.url,
        'GET',
        '/api/v1/metrics/health-check',
        {
          key: t.apiKey,
        },
      )
    ).body.heartbeats.rejected;

  async function activeTenant(label: string): Promise<CreatedTenant> {
    const t = await createTenant(a.url, uniqueTenantId(label), 'basic');
    await waitFor(async () => [a, b].every((p) => p.app.get(TenantDirectory).get(t.id)), Boolean);
    return t;
  }

  async function send(t: CreatedTenant, ids: string[], sent = 0): Promise<void> {
    for (const id of ids)
      sendHeartbeat(
        nc,
        t.id,
        id,
        heartbeat(t.id, id, { metrics: { messages_sent: sent, messages_received: 0, errors: 0, uptime_seconds: 1 } }),
      );
    await nc.flush();
  }

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    // Two instances share the tenant's heartbeats (one queue group): the limit holds across them.
    [a, b, nc] = await Promise.all([startPulse(options), startPulse(options), publisher()]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), nc?.close()]);
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('30 new client ids against a limit of 20: 20 present, 10 rejected as client_limit and not stored; known clients still update', async () => {
    const t = await activeTenant('climit');
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    // 15 in one write, then 15 more: the count holds across calls and within one.
    await send(t, ids.slice(0, 15));
    await waitFor(
      () => summary(t),
      (s) => s.total === 15,
    );
    await send(t, ids.slice(15));
    const r = await waitFor(
      () => rejected(t),
      (x) => (x.client_limit ?? 0) >= 10,
    );
    expect(r).toEqual({ client_limit: 10 });
    // The summary the API serves may lag Redis by a moment (it read 15 with the index at 20): waited for.
    const s = await waitFor(
      () => summary(t),
      (x) => x.total >= 20,
    );
    expect(s).toEqual({ online: 20, healthy: 20, degraded: 0, unhealthy: 0, offline: 0, total: 20 });
    const stored = await Promise.all(ids.map((id) => redis.exists(keys.client(t.id, id))));
    expect(stored.filter((n) => n === 1)).toHaveLength(20);
    const refused = ids.filter((_, i) => stored[i] === 0);
    expect(refused).toHaveLength(10);
    expect(await redis.zcard(keys.clientIndex(t.id))).toBe(20);
    expect(await redis.zcard(keys.clientsBySeen(t.id))).toBe(20);

    // A known client over the limit is never refused: its heartbeat updates it.
    const known = ids.find((_, i) => stored[i] === 1)!;
    await send(t, [known], 42);
    await waitFor(
      () => redis.hget(keys.client(t.id, known), 'sent'),
      (v) => v === '42',
    );
    // A refused client trying again is refused again (counted), still not stored.
    await send(t, [refused[0]]);
    await waitFor(
      () => rejected(t),
      (x) => x.client_limit === 11,
    );
    expect(await redis.exists(keys.client(t.id, refused[0]))).toBe(0);
    expect(await redis.zcard(keys.clientIndex(t.id))).toBe(20);
  });

  it('forgetting a client frees room for a new one', async () => {
    const t = await activeTenant('cforget');
    const ids = Array.from({ length: LIMIT }, (_, i) => `k${i}`);
    await send(t, ids);
    await waitFor(
      () => summary(t),
      (s) => s.total === LIMIT,
    );
    const repo = a.app.get(PresenceRepository);
    const retention = a.app.get(TenantDirectory).retentionOf(t.id);
    const now = Date.now() + 1000;
    await repo.markExpired(t.id, now, now, 1000, retention);
    expect(await repo.forget(t.id, [ids[0]], now)).toBe(1);
    await send(t, ['newcomer']);
    await waitFor(
      () => redis.exists(keys.client(t.id, 'newcomer')),
      (n) => n === 1,
    );
    expect(await rejected(t)).toEqual({});
  });
});
