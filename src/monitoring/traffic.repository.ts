import { Inject, Injectable } from '@nestjs/common';
import { CLUSTER_UNPIPELINED_SCRIPTS, REDIS_CLIENT, type RedisClient } from '../redis/redis.module.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Retention } from '../common/retention.js';
import { encodeDelta, FLUSH_LUA } from './flush-script.js';
import type { TenantDelta } from './tenant-delta.js';

export type FlushOutcome = 'applied' | 'duplicate' | 'tenant_gone';

type FlushCommand = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number>;

/** Writes tenant deltas to Redis; one Lua call per tenant, pipelined by ioredis. */
@Injectable()
export class TrafficRepository {
  private readonly flush: FlushCommand;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection (and per node on Cluster).
    const name: (typeof CLUSTER_UNPIPELINED_SCRIPTS)[number] = 'pulseFlush';
    redis.defineCommand(name, { lua: FLUSH_LUA });
    const command = (redis as unknown as Record<typeof name, FlushCommand>)[name];
    this.flush = command.bind(redis);
  }

  async apply(delta: TenantDelta, instanceId: string, subjectsStoredPerDay: number, retention: Retention): Promise<FlushOutcome> {
    const { keys, args } = encodeDelta(delta, this.keys, instanceId, subjectsStoredPerDay, retention);
    const result = await this.flush(keys.length, ...keys, ...args);
    return result === 1 ? 'applied' : result === 0 ? 'duplicate' : 'tenant_gone';
  }
}
