import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { clientsSortKey, clientsSortKeyEnd, type DayData, decodeDayData, subjectsSortKey } from './cold-day.js';
import { ColdPartitions } from '../coldstore/cold-partitions.js';
import {
  COLD_STORE,
  coldStoreUnavailable,
  type ColdPeriod,
  type ColdStore,
  periodOfSortKey,
  sortKey,
} from '../coldstore/cold-store.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { dayDataCold, HOUR, hotSecondsOf, periodEnd, readsCold } from './history-tiers.js';
import { batchHashReader } from '../redis/hash-batch.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { HistoryKeys } from './history-keys.js';
import { type FencedCommand, TenantFence } from '../redis/tenant-fence.js';
import { CLIENT_DAY_FIELDS, CLIENT_FIELD_SEPARATOR, COUNTER_FIELDS } from './counter-schema.js';

export interface SubjectCount {
  subject: string;
  messages: number;
  bytes: number;
}

/** What the realtime view is computed from (metrics/realtime-view.ts). */
export interface RawRealtime {
  totals: Record<string, string>;
  today: Record<string, string>;
  /** Minute epoch → hash fields, for the minutes asked. */
  minutes: Map<number, Record<string, string>>;
  topSubjects: SubjectCount[];
  storedSubjects: number;
  sketch: Buffer | null;
}

/**
 * Reads of stored history for analytics, anomalies, metrics and the compliance export. With the
 * cold store on, hours and days that ended before the hot window (HOT_HISTORY_HOURS) are read from
 * it, one Query for the range, and from Redis where it has none of them (not archived yet, or
 * from before the store); a day's subjects and clients likewise once the day's data is cold.
 */
@Injectable()
export class HistoryReader {
  private readonly hashes: (keys: string[]) => Promise<Record<string, string>[]>;
  private readonly hotSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: HistoryKeys,
    private readonly fence: TenantFence,
    private readonly partitions: ColdPartitions,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    this.hotSeconds = hotSecondsOf(options);
    this.hashes = batchHashReader(redis);
  }

  /** Minute hashes in batches (a 24 h series reads 1,440). */
  minutes(tenantId: string, minuteEpochs: number[]): Promise<Record<string, string>[]> {
    return this.hashes(minuteEpochs.map((m) => this.keys.minute(tenantId, m)));
  }

  hours(tenantId: string, hourEpochs: number[], now = Date.now()): Promise<Record<string, string>[]> {
    return this.tiered(
      tenantId,
      hourEpochs.map((h) => `h${h}` as ColdPeriod),
      now,
    );
  }

  days(tenantId: string, days: string[], now = Date.now()): Promise<Record<string, string>[]> {
    return this.tiered(
      tenantId,
      days.map((d) => `d${d}` as ColdPeriod),
      now,
    );
  }

  /**
   * One Query of the cold store, in the partition of the tenant's incarnation (none: the tenant is
   * gone, nothing to read); a store that does not answer is a 503 (never an answer with the old
   * part missing: the caller asks again).
   */
  private async coldQuery(cold: ColdStore, tenantId: string, fromSk: string, toSk: string, what: string) {
    const partition = await this.partitions.of(tenantId);
    if (partition === null) return [];
    try {
      return await cold.query(partition, fromSk, toSk);
    } catch (err) {
      throw coldStoreUnavailable(`${what} is in the cold store, which did not answer`, err);
    }
  }

  /** Periods (in order) read from the cold store where they are before the hot window, else Redis. */
  private async tiered(tenantId: string, periods: ColdPeriod[], now: number): Promise<Record<string, string>[]> {
    const old = this.cold ? periods.filter((p) => readsCold(periodEnd(p), now / 1000, this.hotSeconds)) : [];
    let cold = new Map<ColdPeriod, Record<string, string>>();
    if (this.cold && old.length > 0) {
      const sorted = [...old].sort((a, b) => periodEnd(a) - periodEnd(b));
      const items = await this.coldQuery(
        this.cold,
        tenantId,
        sortKey(sorted[0]),
        sortKey(sorted[sorted.length - 1]),
        `History before the last ${this.hotSeconds / HOUR} hours`,
      );
      cold = new Map(items.map((i) => [periodOfSortKey(i.sk), (i.attributes.f ?? {}) as Record<string, string>]));
    }
    const hot = periods.filter((p) => !cold.has(p));
    const read = await this.hashes(hot.map((p) => this.keys.period(tenantId, p)));
    const fromRedis = new Map(hot.map((p, i) => [p, read[i]]));
    return periods.map((p) => cold.get(p) ?? fromRedis.get(p) ?? {});
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
    now = Date.now(),
  ): Promise<{ total: number; days: Record<string, string>[] }> {
    const cold = await this.coldDays(tenantId, days, 'c', now);
    const [rankings, total] = await Promise.all([
      Promise.all(
        days.map((d) => {
          const c = cold.get(d);
          if (c) return Promise.resolve(c.ranking.slice(0, 2 * limit).flatMap(([id, n]) => [id, String(n)]));
          return this.redis.zrevrange(this.keys.clientTraffic(tenantId, d), 0, 2 * limit - 1, 'WITHSCORES');
        }),
      ),
      this.clientsSeen(tenantId, days, cold),
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
    const values = await Promise.all(
      days.map((d) => {
        const c = cold.get(d);
        if (c) return Promise.resolve(fields.map((f) => (Object.hasOwn(c.clientFields, f) ? c.clientFields[f] : null)));
        return this.redis.hmget(this.keys.clientDay(tenantId, d), ...fields);
      }),
    );
    return {
      total: Math.max(total, ids.length),
      days: values.map((row) => Object.fromEntries(fields.flatMap((f, i) => (row[i] === null ? [] : [[f, row[i]]])))),
    };
  }

  /**
   * The clients seen over the days (HyperLogLog union, ±0.8 %): archived days' registers are
   * restored into short-lived keys of the tenant's slot and counted with the others. The restore
   * is fenced: a read in flight while the tenant is erased brings none of its keys back.
   */
  private async clientsSeen(tenantId: string, days: string[], cold: Map<string, DayData>): Promise<number> {
    const keys: string[] = [];
    const restores: FencedCommand[] = [];
    for (const d of days) {
      const c = cold.get(d);
      if (!c) keys.push(this.keys.clientsSeenDay(tenantId, d));
      else if (c.seen) {
        const key = `${this.keys.clientsSeenDay(tenantId, d)}:restored:${randomBytes(4).toString('hex')}`;
        restores.push(['SET', key, Buffer.from(c.seen), 'EX', 60]);
        keys.push(key);
      }
    }
    if (keys.length === 0) return 0;
    if (restores.length > 0 && (await this.fence.write(tenantId, restores)) === null) return 0; // erased meanwhile
    try {
      return await this.redis.pfcount(...keys);
    } finally {
      if (restores.length > 0) await this.redis.del(...restores.map(([, key]) => key));
    }
  }

  /**
   * A day's per-client counters (`<clientId>|<field>` → value), in batches (the export): the cold
   * item's once the day's data is cold, else HSCAN of the day's hash.
   */
  async *clientDayFields(tenantId: string, day: string, now = Date.now()): AsyncGenerator<[string, string][]> {
    const cold = (await this.coldDays(tenantId, [day], 'c', now)).get(day);
    if (cold) {
      yield Object.entries(cold.clientFields);
      return;
    }
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.clientDay(tenantId, day), cursor, 'COUNT', 1000);
      cursor = next;
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      if (pairs.length > 0) yield pairs;
    } while (cursor !== '0');
  }

  /** Top subjects of each day (with bytes) and each day's distinct-subject sketch. */
  async subjectsOfDays(
    tenantId: string,
    days: string[],
    top: number,
    now = Date.now(),
  ): Promise<{ top: SubjectCount[]; sketches: (Buffer | null)[] }> {
    const cold = await this.coldDays(tenantId, days, 's', now);
    const [perDay, sketches] = await Promise.all([
      Promise.all(
        days.map((d) => {
          const c = cold.get(d);
          if (!c) return this.topSubjects(tenantId, d, top);
          return Promise.resolve(
            c.subjects.slice(0, top).map(([subject, messages, bytes]) => ({ subject, messages, bytes })),
          );
        }),
      ),
      Promise.all(
        days.map((d) => {
          const c = cold.get(d);
          if (!c) return this.redis.getBuffer(this.keys.subjectSketch(tenantId, d));
          return Promise.resolve(c.sketch ? Buffer.from(c.sketch) : null);
        }),
      ),
    ]);
    return { top: perDay.flat(), sketches };
  }

  /** Of `days` (yyyymmdd), those whose subjects and clients are read from the cold store, with their data. */
  private async coldDays(
    tenantId: string,
    days: string[],
    kind: 's' | 'c',
    now: number,
  ): Promise<Map<string, DayData>> {
    const old = this.cold ? days.filter((d) => dayDataCold(d, now / 1000)) : [];
    if (!this.cold || old.length === 0) return new Map();
    const sorted = [...old].sort();
    const [from, to] = [sorted[0], sorted[sorted.length - 1]];
    const [fromSk, toSk] =
      kind === 's' ? [subjectsSortKey(from), subjectsSortKey(to)] : [clientsSortKey(from, 0), clientsSortKeyEnd(to)];
    return decodeDayData(await this.coldQuery(this.cold, tenantId, fromSk, toSk, 'History older than a day'));
  }

  /** Today's message count of each tenant (one command each, sent together). */
  async messagesOn(tenantIds: string[], day: string): Promise<number[]> {
    const values = await Promise.all(
      tenantIds.map((id) => this.redis.hget(this.keys.day(id, day), COUNTER_FIELDS.messages)),
    );
    return values.map((v) => Number(v ?? 0));
  }

  /**
   * The realtime read: the totals, the day's hash, the minutes asked, the day's top subjects,
   * how many subjects the day's ranking holds and its distinct-subject sketch, in one round.
   */
  async realtime(tenantId: string, day: string, minuteEpochs: number[], top: number): Promise<RawRealtime> {
    const k = this.keys;
    const [totals, today, minuteHashes, topSubjects, storedSubjects, sketch] = await Promise.all([
      this.redis.hgetall(k.totals(tenantId)),
      this.redis.hgetall(k.day(tenantId, day)),
      this.minuteHashes(tenantId, minuteEpochs),
      this.topSubjects(tenantId, day, top),
      this.redis.zcard(k.subjectMessages(tenantId, day)),
      this.subjectSketch(tenantId, day),
    ]);
    return {
      totals,
      today,
      minutes: new Map(minuteEpochs.map((m, i) => [m, minuteHashes[i]])),
      topSubjects,
      storedSubjects,
      sketch,
    };
  }

  /** Minute hashes, one HGETALL each, sent together (a few minutes; `minutes` batches long series). */
  minuteHashes(tenantId: string, minuteEpochs: number[]): Promise<Record<string, string>[]> {
    return Promise.all(minuteEpochs.map((m) => this.redis.hgetall(this.keys.minute(tenantId, m))));
  }

  /** The first of these days (in order) whose day hash Redis holds, or null. */
  async firstDayHeld(tenantId: string, days: string[]): Promise<string | null> {
    const exists = await Promise.all(days.map((d) => this.redis.exists(this.keys.day(tenantId, d))));
    return days.find((_, i) => exists[i] === 1) ?? null;
  }

  /** Fields of the tenant's all-time totals hash (null: absent). */
  totals(tenantId: string, fields: string[]): Promise<(string | null)[]> {
    return this.redis.hmget(this.keys.totals(tenantId), ...fields);
  }

  /** The day's distinct-subject sketch registers (null: none yet). */
  subjectSketch(tenantId: string, day: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.subjectSketch(tenantId, day));
  }

  /** The day's clients with the most offline transitions, most first: flat [clientId, count, …]. */
  offlineRanking(tenantId: string, day: string, limit: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.offlineDay(tenantId, day), 0, limit - 1, 'WITHSCORES');
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
