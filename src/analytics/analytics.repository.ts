import { Inject, Injectable, Optional, ServiceUnavailableException } from '@nestjs/common';
import { COLD_STORE, type ColdPeriod, type ColdStore, periodOfSortKey, sortKey } from '../coldstore/cold-store.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { dayOf } from '../common/time.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { CLIENT_DAY_FIELDS, CLIENT_FIELD_SEPARATOR, COUNTER_FIELDS, RedisKeys } from '../redis/redis-keys.js';
import { type SubjectCount, TrafficRepository } from '../monitoring/traffic.repository.js';
import { ROLLUP_DAY_LUA, ROLLUP_HOUR_LUA } from './rollup-scripts.js';

/** Removes a queued period only if its score is still the one read (it did not change meanwhile). */
const UNQUEUE_LUA = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

const HOUR = 3600;
const DAY = 86_400;

/** When an hour or day ends (epoch s). */
export function periodEnd(period: ColdPeriod): number {
  if (period.startsWith('h')) return Number(period.slice(1)) + HOUR;
  const d = period.slice(1);
  return Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) / 1000 + DAY;
}

/**
 * Reads of stored buckets for analytics, and the rollup writes. With the cold store on, hours and
 * days that ended before the hot window (HOT_HISTORY_HOURS) are read from it, one Query for the
 * range, and from Redis where it has none of them (not archived yet, or from before the store).
 */
@Injectable()
export class AnalyticsRepository {
  private readonly scripts: Record<'pulseRollupHour' | 'pulseRollupDay' | 'pulseUnqueue', LuaScript>;
  private readonly hotSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly traffic: TrafficRepository,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    this.scripts = defineScripts(redis, {
      pulseRollupHour: ROLLUP_HOUR_LUA,
      pulseRollupDay: ROLLUP_DAY_LUA,
      pulseUnqueue: { lua: UNQUEUE_LUA, keys: 1 },
    });
    this.hotSeconds = (options.coldStore?.hotHistoryHours ?? 0) * HOUR;
  }

  get coldStoreOn(): boolean {
    return this.cold !== null;
  }

  minutes(tenantId: string, minuteEpochs: number[]): Promise<Record<string, string>[]> {
    return Promise.all(minuteEpochs.map((m) => this.redis.hgetall(this.keys.minute(tenantId, m))));
  }

  hours(tenantId: string, hourEpochs: number[], now = Date.now()): Promise<Record<string, string>[]> {
    return this.tiered(
      tenantId,
      hourEpochs.map((h) => `h${h}` as ColdPeriod),
      now,
      (p) => this.keys.hour(tenantId, Number(p.slice(1))),
    );
  }

  days(tenantId: string, days: string[], now = Date.now()): Promise<Record<string, string>[]> {
    return this.tiered(
      tenantId,
      days.map((d) => `d${d}` as ColdPeriod),
      now,
      (p) => this.keys.day(tenantId, p.slice(1)),
    );
  }

  /** Periods (in order) read from the cold store where they are before the hot window, else Redis. */
  private async tiered(
    tenantId: string,
    periods: ColdPeriod[],
    now: number,
    keyOf: (p: ColdPeriod) => string,
  ): Promise<Record<string, string>[]> {
    const boundary = Math.floor(now / 1000 / HOUR) * HOUR - this.hotSeconds;
    const old = this.cold ? periods.filter((p) => periodEnd(p) <= boundary) : [];
    let cold = new Map<ColdPeriod, Record<string, string>>();
    if (this.cold && old.length > 0) {
      const sorted = [...old].sort((a, b) => periodEnd(a) - periodEnd(b));
      try {
        const items = await this.cold.query(tenantId, sortKey(sorted[0]), sortKey(sorted[sorted.length - 1]));
        cold = new Map(items.map((i) => [periodOfSortKey(i.sk), (i.attributes.f ?? {}) as Record<string, string>]));
      } catch (err) {
        // Not an answer with the old part missing: the caller gets a 503 and asks again.
        throw new ServiceUnavailableException(
          `History before the last ${this.hotSeconds / HOUR} hours is in the cold store, which did not answer: ${(err as Error).message}`,
        );
      }
    }
    return Promise.all(periods.map((p) => Promise.resolve(cold.get(p) ?? this.redis.hgetall(keyOf(p)))));
  }

  /** Marks hours and days for the archiver (cold store on): their hash changed. */
  async queueArchive(tenantId: string, periods: ColdPeriod[], at: number): Promise<void> {
    if (!this.cold || periods.length === 0) return;
    await this.redis.zadd(this.keys.archiveQueue(tenantId), ...periods.flatMap((p) => [String(at), p]));
  }

  /** The archiver's queue of a tenant: period → when it last changed (ms). */
  async archiveQueue(tenantId: string): Promise<Map<ColdPeriod, number>> {
    const flat = await this.redis.zrange(this.keys.archiveQueue(tenantId), '0', '-1', 'WITHSCORES');
    const queue = new Map<ColdPeriod, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) queue.set(flat[i] as ColdPeriod, Number(flat[i + 1]));
    return queue;
  }

  /**
   * Queues, once per tenant, every hour and day of its retention that Redis still holds from
   * before the cold store was on. False when done before.
   */
  async backfillArchive(tenantId: string, retentionSeconds: number, now: number): Promise<boolean> {
    if ((await this.redis.set(this.keys.archiveBackfilled(tenantId), '1', 'NX')) !== 'OK') return false;
    const nowSeconds = Math.floor(now / 1000);
    const hour = nowSeconds - (nowSeconds % HOUR);
    const periods: ColdPeriod[] = [];
    for (let h = hour - HOUR; h >= nowSeconds - retentionSeconds; h -= HOUR) periods.push(`h${h}`);
    for (let d = hour - (hour % DAY) - DAY; d >= nowSeconds - retentionSeconds; d -= DAY)
      periods.push(`d${dayOf(d * 1000)}`);
    const exists = await Promise.all(
      periods.map((p) =>
        this.redis.exists(
          p.startsWith('h') ? this.keys.hour(tenantId, Number(p.slice(1))) : this.keys.day(tenantId, p.slice(1)),
        ),
      ),
    );
    await this.queueArchive(
      tenantId,
      periods.filter((_, i) => exists[i] === 1),
      0,
    );
    return true;
  }

  /** The stored hash of each period (empty where Redis has none). */
  periodHashes(tenantId: string, periods: ColdPeriod[]): Promise<Record<string, string>[]> {
    return Promise.all(
      periods.map((p) =>
        this.redis.hgetall(
          p.startsWith('h') ? this.keys.hour(tenantId, Number(p.slice(1))) : this.keys.day(tenantId, p.slice(1)),
        ),
      ),
    );
  }

  /** The digest of each period's hash as last archived (null: never, or forgotten). */
  archivedDigests(tenantId: string, periods: ColdPeriod[]): Promise<(string | null)[]> {
    return periods.length === 0
      ? Promise.resolve([])
      : this.redis.hmget(this.keys.archiveDigests(tenantId), ...periods);
  }

  /**
   * Records what was archived, and forgets the digests of periods the rollup no longer
   * recomputes (older than the hot window).
   */
  async saveDigests(tenantId: string, digests: [ColdPeriod, string][], now: number): Promise<void> {
    const key = this.keys.archiveDigests(tenantId);
    if (digests.length > 0) await this.redis.hset(key, ...digests.flat());
    const old = (await this.redis.hkeys(key)).filter(
      (p) => periodEnd(p as ColdPeriod) + this.hotSeconds + 2 * HOUR < now / 1000,
    );
    if (old.length > 0) await this.redis.hdel(key, ...old);
  }

  /**
   * After archiving: each period's Redis hash now expires when it leaves the hot window (with two
   * hours' margin: the rollup may still recompute a day from its hours), and leaves the queue
   * unless it changed again since it was read (then it is archived again next pass).
   */
  async archived(tenantId: string, periods: [ColdPeriod, number][]): Promise<void> {
    const margin = 2 * HOUR;
    await Promise.all(
      periods.map(async ([p, score]) => {
        const key = p.startsWith('h')
          ? this.keys.hour(tenantId, Number(p.slice(1)))
          : this.keys.day(tenantId, p.slice(1));
        await this.redis.expireat(key, periodEnd(p) + this.hotSeconds + margin);
        await this.scripts.pulseUnqueue([this.keys.archiveQueue(tenantId)], [p, score]);
      }),
    );
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
