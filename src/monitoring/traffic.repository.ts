import { Inject, Injectable, Optional } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Retention } from '../common/retention.js';
import { encodeDelta, FLUSH_LUA } from './flush-script.js';
import { hotSecondsOf } from '../common/history-tiers.js';
import type { TenantDelta } from './tenant-delta.js';

export type FlushOutcome = 'applied' | 'duplicate' | 'tenant_gone';

export interface SubjectCount {
  subject: string;
  messages: number;
  bytes: number;
}

/**
 * Writes tenant deltas to Redis (one Lua call per tenant, pipelined by ioredis), and the one read of
 * the subject ranking those writes keep per day, which the realtime view and analytics both use.
 */
@Injectable()
export class TrafficRepository {
  private readonly flush: LuaScript;
  /** The cold store's hot window (s), 0 without a cold store: where late data goes. */
  private readonly hotSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    @Optional() @Inject(PULSE_OPTIONS) options: PulseOptions | null = null,
  ) {
    this.flush = defineScripts(redis, { pulseFlush: FLUSH_LUA }).pulseFlush;
    this.hotSeconds = hotSecondsOf(options);
  }

  async apply(
    delta: TenantDelta,
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

  /** The day's `top` busiest subjects, busiest first, with their bytes. */
  async topSubjects(tenantId: string, day: string, top: number): Promise<SubjectCount[]> {
    const ranked = await this.redis.zrevrange(this.keys.subjectMessages(tenantId, day), 0, top - 1, 'WITHSCORES');
    const subjects = ranked.filter((_, i) => i % 2 === 0);
    if (subjects.length === 0) return [];
    const bytes = await this.redis.hmget(this.keys.subjectBytes(tenantId, day), ...subjects);
    return subjects.map((subject, i) => ({
      subject,
      messages: Number(ranked[2 * i + 1]),
      bytes: Number(bytes[i] ?? 0),
    }));
  }
}
