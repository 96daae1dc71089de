import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

/** The erasure's fence on real Redis: writes only while the tenant's record exists. */
describe('TenantFence (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  const historyKeys = new HistoryKeys(prefix);
  let redis: Redis;
  let fence: TenantFence;

  beforeAll(() => {
    redis = new Redis(SHARED_REDIS);
    fence = new TenantFence(redis, keys);
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  it('without the record writes nothing and answers null; with it runs every command in order', async () => {
    const t = 'fenced';
    const queue = historyKeys.archiveQueue(t);
    const filled = historyKeys.archiveBackfilled(t);
    expect(
      await fence.write(t, [
        ['SET', filled, '1', 'NX'],
        ['ZADD', queue, 5, 'h0'],
      ]),
    ).toBeNull();
    expect(await redis.exists(filled, queue)).toBe(0);

    await redis.hset(keys.tenant(t), 'id', t);
    const replies = await fence.write(t, [
      ['SET', filled, '1', 'NX'],
      ['SET', filled, '1', 'NX'], // taken: a nil reply, answered as 0
      ['ZADD', queue, 5, 'h0', 6, 'h1'],
      ['ZADD', queue, 'GT', 7, 'h0'],
      ['EXPIRE', queue, 60],
    ]);
    expect(replies).toEqual(['OK', 0, 2, 0, 1]);
    expect(await redis.zrange(queue, '0', '-1', 'WITHSCORES')).toEqual(['h1', '6', 'h0', '7']);
    expect(await fence.write(t, [])).toEqual([]);
  });

  it("refuses a key outside the tenant's hash tag (it could not share the atomic step on Cluster)", async () => {
    await expect(fence.write('a', [['SET', keys.tenant('b'), '1']])).rejects.toThrow(/not a key of tenant a/);
    await expect(fence.write('a', [['SET', keys.tenants(), '1']])).rejects.toThrow(/not a key of tenant a/);
  });
});
