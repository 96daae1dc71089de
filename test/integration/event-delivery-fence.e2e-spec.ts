import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog } from '../../src/events/event-log.js';
import { EventKeys } from '../../src/events/event-keys.js';
import type { DeliveryRecord, Subscription } from '../../src/events/subscription.js';
import { SubscriptionsRepository } from '../../src/events/subscriptions.repository.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix, uniqueTenantId } from '../support/pulse-app.js';

/** Issue #38: a delivery under way never brings back the keys of a subscription erased or deleted meanwhile. */
describe('event delivery writes fenced on the subscription (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new EventKeys(prefix);
  let redis: Redis;
  let repo: SubscriptionsRepository;

  const subscription = (id: string): Subscription =>
    ({ id, url: 'http://127.0.0.1:9/x', types: ['client.online'], clientFilter: null }) as unknown as Subscription;
  const record = { at: new Date().toISOString(), outcome: 'failed', error: 'x' } as unknown as DeliveryRecord;
  const to = { cursor: '5-0', sequence: 5, delivered: 1, dropped: 0 };

  /** A tenant with one subscription, its lease taken by `token`. */
  async function leased(token: string): Promise<{ tenantId: string; id: string }> {
    const tenantId = uniqueTenantId('evf');
    const id = 'sub_a';
    await redis.hset(keys.shared.tenant(tenantId), 'tier', 'professional');
    expect(await repo.create(tenantId, subscription(id))).toBe(true);
    expect(await repo.lease(tenantId, id, token, 60_000)).toBe(true);
    return { tenantId, id };
  }

  const tenantKeys = async (tenantId: string): Promise<string[]> =>
    redis.keys(`${keys.shared.tenantScope(tenantId).replace(/[[\]*?]/g, '\\$&')}*`);

  beforeAll(() => {
    redis = new Redis(SHARED_REDIS);
    const client = redis as unknown as RedisClient;
    repo = new SubscriptionsRepository(client, new TenantFence(client, new RedisKeys(prefix)), {
      keys,
    } as EventLog);
  });

  afterAll(async () => {
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  it('an ack or a failure after the tenant is erased (keys gone, lease left) recreates nothing', async () => {
    for (const write of ['ack', 'fail'] as const) {
      const { tenantId, id } = await leased('tok');
      // The erasure's scan: every key of the tenant but the lease (deleted later in the scan).
      for (const k of await tenantKeys(tenantId)) if (k !== keys.lease(tenantId, id)) await redis.del(k);
      if (write === 'ack') expect(await repo.ack(tenantId, id, 'tok', to, record)).toBe(false);
      else expect((await repo.fail(tenantId, id, 'tok', Date.now(), 10, record)).failures).toBe(0);
      expect(await tenantKeys(tenantId)).toEqual([keys.lease(tenantId, id)]);
    }
  });

  it('an ack or a failure after the subscription is deleted recreates nothing, and no lease is taken on it', async () => {
    for (const write of ['ack', 'fail'] as const) {
      const { tenantId, id } = await leased('tok');
      // DELETE between the worker's lease and its ack (the lease kept: the worst order).
      await redis.hdel(keys.subscriptions(tenantId), id);
      await redis.del(keys.cursor(tenantId, id), keys.log(tenantId, id));
      if (write === 'ack') expect(await repo.ack(tenantId, id, 'tok', to, record)).toBe(false);
      else expect((await repo.fail(tenantId, id, 'tok', Date.now(), 10, record)).failures).toBe(0);
      expect(await redis.exists(keys.cursor(tenantId, id), keys.log(tenantId, id))).toBe(0);
      expect(await repo.stateToSend(tenantId, id)).toBeNull();
      await redis.del(keys.lease(tenantId, id));
      expect(await repo.lease(tenantId, id, 'tok2', 60_000)).toBe(false);
    }
  });

  it('a save (PATCH, rotate) after the subscription is deleted does not bring it back', async () => {
    const { tenantId, id } = await leased('tok');
    expect(await repo.save(tenantId, subscription(id))).toBe(true);
    await repo.remove(tenantId, id);
    expect(await repo.save(tenantId, subscription(id))).toBe(false);
    expect(await redis.hexists(keys.subscriptions(tenantId), id)).toBe(0);
    await redis.del(keys.shared.tenant(tenantId));
    expect(await repo.save(tenantId, subscription(id))).toBeNull();
  });
});
