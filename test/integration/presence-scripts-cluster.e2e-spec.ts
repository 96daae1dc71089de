import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETENTION } from '../../src/common/retention.js';
import { dayOf } from '../../src/common/time.js';
import { defaultPulseOptions } from '../../src/config/env.validation.js';
import type { Heartbeat } from '../../src/heartbeat/heartbeat-parser.js';
import { PresenceRepository } from '../../src/heartbeat/presence.repository.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { CLIENT_DAY_FIELDS, CLIENT_FIELD_SEPARATOR } from '../../src/history/counter-schema.js';
import { connectRedis, type RedisClient } from '../../src/redis/redis-client.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import { type ServerProcess, startRedisCluster } from '../support/processes.js';

/**
 * The presence scripts on Redis Cluster (private, three masters): the offline script reaches
 * client hashes it builds from the tenant's key prefix (same slot, undeclared), which Cluster must
 * accept; heartbeats and their batched set writes stay in the tenant's slot.
 */
describe('presence scripts on Redis Cluster (private cluster)', () => {
  const prefix = 'pcl';
  const keys = new RedisKeys(prefix);
  const history = new HistoryKeys(prefix);
  const tenantId = 'acme';
  let nodes: ServerProcess[] = [];
  let redis: RedisClient;
  let store: PresenceRepository;

  beforeAll(async () => {
    const cluster = await startRedisCluster();
    nodes = cluster.nodes;
    redis = await connectRedis({ url: '', clusterNodes: cluster.seeds, keyPrefix: prefix, connectTimeoutMs: 5000 });
    store = new PresenceRepository(redis, keys, new TenantFence(redis, keys), defaultPulseOptions());
    await redis.hset(keys.tenant(tenantId), { id: tenantId, tier: 'enterprise' });
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    for (const node of nodes) await node.kill();
  });

  it('marks expired clients offline in one call, and a heartbeat brings one back', async () => {
    const now = Date.now();
    const hb = (clientId: string, status: Heartbeat['status'] = 'healthy'): Heartbeat => ({
      tenantId,
      clientId,
      status,
      timestamp: now,
      sent: 3,
      received: 4,
      errors: 0,
      uptimeSeconds: 10,
    });
    const tracking = { enabled: true, heartbeatTimeoutMs: 90_000 };
    const applied = await store.applyHeartbeats(
      tenantId,
      ['a', 'b', 'c'].map((id, i) => ({ heartbeat: hb(id, i === 1 ? 'degraded' : 'healthy'), receivedAt: now })),
      RETENTION.enterprise,
      tracking,
    );
    expect(applied.transitions.map((t) => [t.index, t.transition, t.previousStatus])).toEqual([
      [0, 'online', null],
      [1, 'online', null],
      [2, 'online', null],
    ]);
    expect(await redis.zcard(keys.onlineClients(tenantId))).toBe(3);
    expect(await redis.pfcount(history.clientsSeenDay(tenantId, dayOf(now)))).toBe(3);

    const marked = await store.markExpired(tenantId, now, now + 1000, 2, RETENTION.enterprise, tracking);
    expect(marked).toHaveLength(2);
    const rest = await store.markExpired(tenantId, now, now + 1000, 2, RETENTION.enterprise, tracking);
    expect([...marked, ...rest].sort()).toEqual([
      ['a', 'healthy'],
      ['b', 'degraded'],
      ['c', 'healthy'],
    ]);
    expect(await store.summary(tenantId)).toMatchObject({ online: 0, offline: 3, healthy: 0, degraded: 0 });
    expect(await redis.hget(keys.client(tenantId, 'b'), 'status')).toBe('offline');
    const offField = `b${CLIENT_FIELD_SEPARATOR}${CLIENT_DAY_FIELDS.offlineTransitions}`;
    expect(await redis.hget(history.clientDay(tenantId, dayOf(now + 1000)), offField)).toBe('1');

    const back = await store.applyHeartbeats(
      tenantId,
      [{ heartbeat: { ...hb('b', 'unhealthy'), timestamp: now + 2000 }, receivedAt: now + 2000 }],
      RETENTION.enterprise,
      tracking,
    );
    expect(back.transitions).toEqual([{ index: 0, transition: 'online', previousStatus: 'offline' }]);
    expect(await store.summary(tenantId)).toMatchObject({ online: 1, offline: 2, unhealthy: 1 });
  }, 30_000);

  it('returns the enterprise per-client figures, and writes them added up in the tenant slot', async () => {
    const now = Date.now();
    const day = dayOf(now);
    const hb = (clientId: string, sent: number, at: number): Heartbeat => ({
      tenantId,
      clientId,
      status: 'healthy',
      timestamp: at,
      sent,
      received: 2 * sent,
      errors: 1,
      uptimeSeconds: 10,
    });
    const tracking = { enabled: true, heartbeatTimeoutMs: 90_000 };
    await store.applyHeartbeats(
      tenantId,
      [{ heartbeat: hb('x', 5, now), receivedAt: now }],
      RETENTION.enterprise,
      tracking,
    );
    const steady = await store.applyHeartbeats(
      tenantId,
      [{ heartbeat: hb('x', 12, now + 30_000), receivedAt: now + 30_000 }],
      RETENTION.enterprise,
      tracking,
    );
    // Position 0; 7 sent, 14 received, 0 errors more; 30 s online.
    expect(steady.activity).toEqual([0, 7, 14, 0, 30]);
    const sep = CLIENT_FIELD_SEPARATOR;
    expect(await redis.hget(history.clientDay(tenantId, day), `x${sep}${CLIENT_DAY_FIELDS.messagesSent}`)).toBeNull();
    await store.addClientActivity({ tenantId, day, clients: new Map([['x', [12, 24, 1, 30]]]) }, RETENTION.enterprise);
    const fields = ['messagesSent', 'messagesReceived', 'errors', 'onlineSeconds', 'sessions'] as const;
    expect(
      await redis.hmget(history.clientDay(tenantId, day), ...fields.map((f) => `x${sep}${CLIENT_DAY_FIELDS[f]}`)),
    ).toEqual(['12', '24', '1', '30', '1']);
    expect(await redis.zscore(history.clientTraffic(tenantId, day), 'x')).toBe('36');
    // A tenant gone: nothing written.
    await store.addClientActivity(
      { tenantId: 'gone', day, clients: new Map([['x', [1, 1, 1, 1]]]) },
      RETENTION.enterprise,
    );
    expect(await redis.exists(history.clientDay('gone', day))).toBe(0);
  }, 30_000);
});
