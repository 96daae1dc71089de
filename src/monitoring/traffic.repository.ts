import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Retention } from '../common/retention.js';
import { encodeDelta, FLUSH_LUA } from './flush-script.js';
import type { TenantDelta } from './tenant-delta.js';

export type FlushOutcome = 'applied' | 'duplicate' | 'tenant_gone';

/** Writes tenant deltas to Redis; one Lua call per tenant, pipelined by ioredis. */
@Injectable()
export class TrafficRepository {
  private readonly flush: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.flush = defineScripts(redis, { pulseFlush: FLUSH_LUA }).pulseFlush;
  }

  async apply(
    delta: TenantDelta,
    instanceId: string,
    subjectsStoredPerDay: number,
    retention: Retention,
  ): Promise<FlushOutcome> {
    const { keys, args } = encodeDelta(delta, this.keys, instanceId, subjectsStoredPerDay, retention);
    const result = await this.flush(keys, args);
    return result === 1 ? 'applied' : result === 0 ? 'duplicate' : 'tenant_gone';
  }
}
