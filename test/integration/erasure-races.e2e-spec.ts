import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColdPartitions } from '../../src/coldstore/cold-partitions.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import { generateApiKey } from '../../src/tenants/api-key.service.js';
import { TenantRepository } from '../../src/tenants/tenant.repository.js';
import { tenantRecord } from '../support/tenants.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix, uniqueTenantId } from '../support/pulse-app.js';

/**
 * A client that runs `before` once, just before it sends `command` on `key`: drives a
 * repository method and a racing one in the order a concurrent instance could produce.
 */
function racing(redis: Redis, command: string, key: string, before: () => Promise<unknown>): Redis {
  let fired = false;
  return new Proxy(redis, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop !== command) return fn.bind(target);
      return async (...args: unknown[]) => {
        if (!fired && args[0] === key) {
          fired = true;
          await before();
        }
        return fn.apply(target, args);
      };
    },
  });
}

/** The erasure racing the writers outside the tenant's slot, on real Redis (a prefix of its own). */
describe('erasure races (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  let redis: Redis;
  let fence: TenantFence;
  let repository: TenantRepository;

  beforeAll(() => {
    redis = new Redis(SHARED_REDIS);
    fence = new TenantFence(redis, keys);
    repository = new TenantRepository(redis, keys, fence);
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  it('(1) a key issued while a DELETE runs (before its record goes) leaves no index entry behind', async () => {
    const id = uniqueTenantId('issued');
    expect(await repository.create(tenantRecord(id))).toBe(true);
    const { record } = generateApiKey();
    let issued: boolean | undefined;
    // The issue completes just before the DELETE removes the record.
    const deleting = new TenantRepository(
      racing(redis, 'del', keys.tenant(id), async () => (issued = await repository.addApiKey(id, record))),
      keys,
      fence,
    );
    expect(await deleting.delete(id)).toBeGreaterThan(0);
    expect(issued).toBe(true);
    expect(await redis.exists(keys.apiKey(record.sha256))).toBe(0);
    expect(await repository.remaining(id, false)).toBe(0);
  });

  it('(8) a registry entry added after a concurrent DELETE is taken back', async () => {
    const id = uniqueTenantId('registry');
    // The DELETE runs between the record's creation and its registry entry.
    const creating = new TenantRepository(
      racing(redis, 'sadd', keys.tenants(), () => repository.delete(id)),
      keys,
      fence,
    );
    await creating.create(tenantRecord(id));
    expect(await redis.exists(keys.tenant(id))).toBe(0);
    expect(await redis.sismember(keys.tenants(), id)).toBe(0);
  });

  it('(8) the erased partitions of only the ids erased last are remembered (the map is bounded)', async () => {
    const partitions = new ColdPartitions(redis, keys, 3);
    const ids = Array.from({ length: 5 }, (_, i) => uniqueTenantId(`erased${i}`));
    const now = Date.now();
    for (const [i, id] of ids.entries()) await partitions.rememberErased(id, `${prefix}/${id}/inc${i}`, now + i);
    // Created and erased again: the newest once more (what it had was forgotten with the oldest).
    await partitions.rememberErased(ids[0], `${prefix}/${ids[0]}/again`, now + 10);
    expect(await partitions.erased(ids[0])).toEqual([`${prefix}/${ids[0]}/again`]);
    expect(await partitions.erased(ids[1])).toEqual([]);
    expect(await partitions.erased(ids[2])).toEqual([]);
    expect(await partitions.erased(ids[4])).toEqual([`${prefix}/${ids[4]}/inc4`]);
    expect(await redis.hlen(keys.erasedPartitions())).toBe(3);
  });
});
