import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from './redis-client.js';
import { defineScripts, type LuaScript } from './lua-scripts.js';
import { RedisKeys } from './redis-keys.js';

/**
 * HSET of a new field only while the hash holds fewer than ARGV[3] fields (a field already there
 * is replaced whatever the count). One script: the count and the write cannot be split by another
 * writer, so concurrent creates never pass the limit. KEYS[1] is the tenant's record: without it
 * (erased meanwhile) nothing is written (-1), the erasure's fence (TenantFence).
 */
const HSET_WITHIN_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

/** Hashes of records with a per-tenant limit (custom metrics, alert channels, rules, silences). */
@Injectable()
export class BoundedHashes {
  private readonly script: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.script = defineScripts(redis, { pulseHashSetWithin: { lua: HSET_WITHIN_LUA, keys: 2 } }).pulseHashSetWithin;
  }

  /**
   * Writes the field of the tenant's hash unless that would make it hold more than `limit`
   * fields: false then; null when the tenant no longer exists (nothing written).
   */
  async setWithin(tenantId: string, key: string, field: string, value: string, limit: number): Promise<boolean | null> {
    const reply = await this.script([this.keys.tenant(tenantId), key], [field, value, limit]);
    return reply === -1 ? null : reply === 1;
  }
}
