import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from './redis-client.js';
import { defineScripts, type LuaScript } from './lua-scripts.js';

/**
 * HSET of a new field only while the hash holds fewer than ARGV[3] fields (a field already there
 * is replaced whatever the count). One script: the count and the write cannot be split by another
 * writer, so concurrent creates never pass the limit.
 */
const HSET_WITHIN_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** Hashes of records with a per-tenant limit (custom metrics, alert channels, rules, silences). */
@Injectable()
export class BoundedHashes {
  private readonly script: LuaScript;

  constructor(@Inject(REDIS_CLIENT) redis: RedisClient) {
    this.script = defineScripts(redis, { pulseHashSetWithin: { lua: HSET_WITHIN_LUA, keys: 1 } }).pulseHashSetWithin;
  }

  /** Writes the field unless that would make the hash hold more than `limit` fields; false then. */
  async setWithin(key: string, field: string, value: string, limit: number): Promise<boolean> {
    return (await this.script([key], [field, value, limit])) === 1;
  }
}
