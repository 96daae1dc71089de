import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { CLIENT_DAY_FIELDS, CLIENT_FIELD_SEPARATOR, COUNTER_FIELDS, RedisKeys } from '../redis/redis-keys.js';
import { type SubjectCount, TrafficRepository } from '../monitoring/traffic.repository.js';
import { ROLLUP_DAY_LUA, ROLLUP_HOUR_LUA } from './rollup-scripts.js';

/** Reads of stored buckets for analytics, and the rollup writes. */
@Injectable()
export class AnalyticsRepository {
  private readonly scripts: Record<'pulseRollupHour' | 'pulseRollupDay', LuaScript>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly traffic: TrafficRepository,
  ) {
    this.scripts = defineScripts(redis, { pulseRollupHour: ROLLUP_HOUR_LUA, pulseRollupDay: ROLLUP_DAY_LUA });
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

  /**
   * The period's busiest `limit` clients and how many clients it saw, with work bounded by `limit`
   * and the days, never by the tenant's number of clients: each day's top `2 × limit` from its
   * traffic ranking, summed here; the period's count from the days' HyperLogLogs (±0.8 %); then
   * only the chosen clients' fields of each day. A client that is in no day's top `2 × limit` is
   * left out even if its period total would rank it (it is then far from the busiest).
   */
  async topClientDays(
    tenantId: string,
    days: string[],
    limit: number,
  ): Promise<{ total: number; days: Record<string, string>[] }> {
    const [rankings, total] = await Promise.all([
      Promise.all(
        days.map((d) => this.redis.zrevrange(this.keys.clientTraffic(tenantId, d), 0, 2 * limit - 1, 'WITHSCORES')),
      ),
      this.redis.pfcount(...days.map((d) => this.keys.clientsSeenDay(tenantId, d))),
    ]);
    const traffic = new Map<string, number>();
    for (const ranking of rankings) {
      for (let i = 0; i + 1 < ranking.length; i += 2)
        traffic.set(ranking[i], (traffic.get(ranking[i]) ?? 0) + Number(ranking[i + 1]));
    }
    const ids = [...traffic]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([id]) => id);
    if (ids.length === 0) return { total, days: [] };
    const stored = Object.values(CLIENT_DAY_FIELDS);
    const fields = ids.flatMap((id) => stored.map((f) => `${id}${CLIENT_FIELD_SEPARATOR}${f}`));
    const values = await Promise.all(days.map((d) => this.redis.hmget(this.keys.clientDay(tenantId, d), ...fields)));
    return {
      total: Math.max(total, ids.length),
      days: values.map((row) => Object.fromEntries(fields.flatMap((f, i) => (row[i] === null ? [] : [[f, row[i]]])))),
    };
  }

  /** Top subjects of each day (with bytes) and each day's distinct-subject sketch. */
  async subjectsOfDays(
    tenantId: string,
    days: string[],
    top: number,
  ): Promise<{ top: SubjectCount[]; sketches: (Buffer | null)[] }> {
    const [perDay, sketches] = await Promise.all([
      Promise.all(days.map((d) => this.traffic.topSubjects(tenantId, d, top))),
      Promise.all(days.map((d) => this.redis.getBuffer(this.keys.subjectSketch(tenantId, d)))),
    ]);
    return { top: perDay.flat(), sketches };
  }

  /** Online and offline clients now, recorded on the current minute (the series' activeClients). */
  async sampleClients(
    tenantId: string,
    minuteEpoch: number,
    online: number,
    offline: number,
    ttlSeconds: number,
  ): Promise<void> {
    const key = this.keys.minute(tenantId, minuteEpoch);
    await this.redis.hset(key, COUNTER_FIELDS.activeClients, online, COUNTER_FIELDS.offlineClients, offline);
    await this.redis.expire(key, ttlSeconds);
  }

  async rollupHour(tenantId: string, hourEpoch: number, stripBefore: number, ttlSeconds: number): Promise<number> {
    const minutes = Array.from({ length: 60 }, (_, i) => hourEpoch + 60 * i);
    const keys = [this.keys.hour(tenantId, hourEpoch), ...minutes.map((m) => this.keys.minute(tenantId, m))];
    return (await this.scripts.pulseRollupHour(keys, [ttlSeconds, stripBefore, ...minutes])) as number;
  }

  /** Up to `count` hours marked dirty by late flushes (hour epochs, s). */
  async dirtyHours(tenantId: string, count: number): Promise<number[]> {
    const members = await this.redis.srandmember(this.keys.rollupDirty(tenantId), count);
    return members.map(Number).filter((h) => Number.isInteger(h) && h % 3600 === 0);
  }

  async markDirty(tenantId: string, hours: number[]): Promise<void> {
    if (hours.length > 0) await this.redis.sadd(this.keys.rollupDirty(tenantId), ...hours.map(String));
  }

  /** Unmarks hours once recomputed (a flush that marks one again meanwhile marks it again). */
  async clearDirty(tenantId: string, hours: number[]): Promise<void> {
    if (hours.length > 0) await this.redis.srem(this.keys.rollupDirty(tenantId), ...hours.map(String));
  }

  async rollupDay(tenantId: string, day: string, dayStartEpoch: number, ttlSeconds: number): Promise<number> {
    const hours = Array.from({ length: 24 }, (_, i) => dayStartEpoch + 3600 * i);
    const keys = [this.keys.day(tenantId, day), ...hours.map((h) => this.keys.hour(tenantId, h))];
    return (await this.scripts.pulseRollupDay(keys, [ttlSeconds])) as number;
  }
}
