import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { isSlotUnavailable } from '../../redis/redis-errors.js';
import type { RedisClient } from '../../redis/redis-client.js';
import type { RedisKeys } from '../../redis/redis-keys.js';
import { defineScripts, type LuaScript } from '../../redis/lua-scripts.js';

/** Hits in the window and a block once the limit is passed, atomically (one slot: the hash tag). */
const INCREMENT_LUA = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), 1, blocked}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

/**
 * @nestjs/throttler storage in Redis, so a limit holds across every Pulse instance. (The common
 * Redis storage package does not support Nest 12 yet; this is the whole of what it would do.)
 *
 * When the Redis Cluster slot of a tracker's counter is unserved (its master lost), the limit is
 * kept by this instance alone in memory (Nest's own storage) instead of failing the request:
 * limits still hold per instance, and the rest of the API works as far as Redis allows. When all
 * of Redis is down the request fails at once (503): nothing else would work anyway.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly fallback = new ThrottlerStorageService();

  private readonly rateLimit: LuaScript;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.rateLimit = defineScripts(redis, { pulseRateLimit: { lua: INCREMENT_LUA, keys: 2 } }).pulseRateLimit;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    const base = this.keys.rateLimit(`${throttlerName}:${key}`);
    let reply: [number, number, number, number];
    try {
      reply = (await this.rateLimit(
        [`${base}:hits`, `${base}:block`],
        [ttl, limit, blockDuration > 0 ? blockDuration : ttl],
      )) as typeof reply;
    } catch (err) {
      if (!isSlotUnavailable(this.redis, err)) throw err;
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    const [totalHits, ttlMs, isBlocked, blockMs] = reply;
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
    };
  }
}
