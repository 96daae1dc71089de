import { Inject, Injectable } from '@nestjs/common';
import { CLUSTER_UNPIPELINED_SCRIPTS, REDIS_CLIENT, type RedisClient } from '../redis/redis.module.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { ROLLUP_DAY_LUA, ROLLUP_HOUR_LUA } from './rollup-scripts.js';

type Script = (...args: (string | number)[]) => Promise<number>;

/** Reads of stored buckets for analytics, and the rollup writes. */
@Injectable()
export class AnalyticsRepository {
  private readonly rollupHourScript: Script;
  private readonly rollupDayScript: Script;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    const unpipelined: readonly string[] = CLUSTER_UNPIPELINED_SCRIPTS;
    for (const name of ['pulseRollupHour', 'pulseRollupDay']) {
      if (!unpipelined.includes(name)) throw new Error(`${name} must be listed in CLUSTER_UNPIPELINED_SCRIPTS`);
    }
    redis.defineCommand('pulseRollupHour', { lua: ROLLUP_HOUR_LUA });
    redis.defineCommand('pulseRollupDay', { lua: ROLLUP_DAY_LUA });
    const commands = redis as unknown as Record<string, Script>;
    this.rollupHourScript = commands.pulseRollupHour.bind(redis);
    this.rollupDayScript = commands.pulseRollupDay.bind(redis);
  }

  minutes(tenantId: string, minuteEpochs: number[]): Promise<Record<string, string>[]> {
    return Promise.all(minuteEpochs.map((m) => this.redis.hgetall(this.keys.minute(tenantId, m))));
  }

  hours(tenantId: string, hourEpochs: number[]): Promise<Record<string, string>[]> {
    return Promise.all(hourEpochs.map((h) => this.redis.hgetall(this.keys.hour(tenantId, h))));
  }

  days(tenantId: string, days: string[]): Promise<Record<string, string>[]> {
    return Promise.all(days.map((d) => this.redis.hgetall(this.keys.day(tenantId, d))));
  }

  clientDays(tenantId: string, days: string[]): Promise<Record<string, string>[]> {
    return Promise.all(days.map((d) => this.redis.hgetall(this.keys.clientDay(tenantId, d))));
  }

  /** Top subjects of each day (with bytes) and each day's distinct-subject sketch. */
  async subjectsOfDays(
    tenantId: string,
    days: string[],
    top: number,
  ): Promise<{ top: { subject: string; messages: number; bytes: number }[]; sketches: (Buffer | null)[] }> {
    const k = this.keys;
    const [ranked, sketches] = await Promise.all([
      Promise.all(days.map((d) => this.redis.zrevrange(k.subjectMessages(tenantId, d), 0, top - 1, 'WITHSCORES'))),
      Promise.all(days.map((d) => this.redis.getBuffer(k.subjectSketch(tenantId, d)))),
    ]);
    const perDay = await Promise.all(
      ranked.map(async (flat, i) => {
        const subjects = flat.filter((_, j) => j % 2 === 0);
        const bytes = subjects.length > 0 ? await this.redis.hmget(k.subjectBytes(tenantId, days[i]), ...subjects) : [];
        return subjects.map((subject, j) => ({ subject, messages: Number(flat[2 * j + 1]), bytes: Number(bytes[j] ?? 0) }));
      }),
    );
    return { top: perDay.flat(), sketches };
  }

  /** Online and offline clients now, recorded on the current minute (the series' activeClients). */
  async sampleClients(tenantId: string, minuteEpoch: number, online: number, offline: number, ttlSeconds: number): Promise<void> {
    const key = this.keys.minute(tenantId, minuteEpoch);
    await this.redis.hset(key, 'act', online, 'off', offline);
    await this.redis.expire(key, ttlSeconds);
  }

  rollupHour(tenantId: string, hourEpoch: number, stripBefore: number, ttlSeconds: number): Promise<number> {
    const minutes = Array.from({ length: 60 }, (_, i) => hourEpoch + 60 * i);
    const keys = [this.keys.hour(tenantId, hourEpoch), ...minutes.map((m) => this.keys.minute(tenantId, m))];
    return this.rollupHourScript(keys.length, ...keys, ttlSeconds, stripBefore, ...minutes);
  }

  rollupDay(tenantId: string, day: string, dayStartEpoch: number, ttlSeconds: number): Promise<number> {
    const hours = Array.from({ length: 24 }, (_, i) => dayStartEpoch + 3600 * i);
    const keys = [this.keys.day(tenantId, day), ...hours.map((h) => this.keys.hour(tenantId, h))];
    return this.rollupDayScript(keys.length, ...keys, ttlSeconds);
  }
}
