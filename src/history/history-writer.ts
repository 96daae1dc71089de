import { Inject, Injectable, Optional } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { HistoryKeys } from './history-keys.js';
import type { Retention } from '../common/retention.js';
import { encodeDelta } from './flush-script.js';
import { FLUSH_LUA } from './flush-lua.js';
import { hotSecondsOf } from './history-tiers.js';
import type { HistoryDelta } from './history-delta.js';

export type FlushOutcome = 'applied' | 'duplicate' | 'tenant_gone';

/**
 * Writes tenant deltas to the history (one Lua call per tenant, pipelined by ioredis): the totals,
 * minutes, days, subjects and custom metrics' figures, and late data where a period is settled.
 */
@Injectable()
export class HistoryWriter {
  private readonly flush: LuaScript;
  /** The cold store's hot window (s), 0 without a cold store: where late data goes. */
  private readonly hotSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly keys: HistoryKeys,
    @Optional() @Inject(PULSE_OPTIONS) options: PulseOptions | null = null,
  ) {
    this.flush = defineScripts(redis, { pulseFlush: FLUSH_LUA }).pulseFlush;
    this.hotSeconds = hotSecondsOf(options);
  }

  async apply(
    delta: HistoryDelta,
    instanceId: string,
    subjectsStoredPerDay: number,
    retention: Retention,
    now = Date.now(),
  ): Promise<FlushOutcome> {
    const { keys, args } = encodeDelta(
      delta,
      this.keys,
      instanceId,
      subjectsStoredPerDay,
      retention,
      now,
      this.hotSeconds,
    );
    const result = await this.flush(keys, args);
    return result === 1 ? 'applied' : result === 0 ? 'duplicate' : 'tenant_gone';
  }
}
