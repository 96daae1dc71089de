import { Inject, Injectable, Optional } from '@nestjs/common';
import type { DayData } from './cold-day.js';
import { COLD_STORE, type ColdPeriod, type ColdStore } from '../coldstore/cold-store.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { dayOf } from '../common/time.js';
import { DAY, DAY_DATA_COLD_AFTER_SECONDS, HOUR, hotSecondsOf, periodEnd } from './history-tiers.js';
import { batchHashReader } from '../redis/hash-batch.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { HistoryKeys } from './history-keys.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { COUNTER_FIELDS } from './counter-schema.js';
import { ROLLUP_DAY_LUA, ROLLUP_HOUR_LUA } from './rollup-scripts.js';

/** Removes a queued period only if its score is still the one read (it did not change meanwhile). */
const UNQUEUE_LUA = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

/** Clients of a day's traffic ranking kept when it is archived: twice the most analytics lists. */
const MAX_RANKED_CLIENTS = 1000;
/** A claim of late data left by a failed pass outlives any outage the archiver rides out. */
const LATE_TOKEN_TTL_SECONDS = 30 * DAY;

/**
 * Takes a period's late keys for the archiver (KEYS: the late keys, then as many claimed names,
 * then the token key; ARGV: a new token): renames what is there to the claimed names and records
 * the token, unless a claim is already in progress (a pass that failed after claiming), whose
 * token is returned instead. Writes that come meanwhile make new late keys for the next claim.
 * Returns the token, or false when there was nothing to claim.
 */
const CLAIM_LATE_LUA = `
local n = (#KEYS - 1) / 2
local current = redis.call('GET', KEYS[#KEYS])
if current then return current end
local any = false
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[n + i])
    any = true
  end
end
if not any then return false end
redis.call('SET', KEYS[#KEYS], ARGV[1], 'EX', ${LATE_TOKEN_TTL_SECONDS})
return ARGV[1]
`;

/**
 * Ends a claim (same KEYS as the claim, then the late-period set; ARGV: the period): deletes the
 * claimed keys and the token, and unlists the period unless new late data came meanwhile.
 */
const FINISH_LATE_LUA = `
local n = (#KEYS - 2) / 2
for i = n + 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
redis.call('SREM', KEYS[#KEYS], ARGV[1])
return 1
`;

/**
 * The history's upkeep: the rollups (and the client sampler they fold), the archiver's queue and
 * digests, the hand-over of a day's subjects and clients to the cold store, and the claims of
 * late data (ARCHITECTURE.md, Late data). Reads are HistoryReader's, writes of deltas HistoryWriter's.
 */
@Injectable()
export class HistoryStore {
  private readonly hashes: (keys: string[]) => Promise<Record<string, string>[]>;
  private readonly scripts: Record<
    'pulseRollupHour' | 'pulseRollupDay' | 'pulseUnqueue' | 'pulseClaimLate' | 'pulseFinishLate',
    LuaScript
  >;
  private readonly hotSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: HistoryKeys,
    private readonly fence: TenantFence,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    this.scripts = defineScripts(redis, {
      pulseRollupHour: ROLLUP_HOUR_LUA,
      pulseRollupDay: ROLLUP_DAY_LUA,
      pulseUnqueue: { lua: UNQUEUE_LUA, keys: 1 },
      pulseClaimLate: CLAIM_LATE_LUA,
      pulseFinishLate: FINISH_LATE_LUA,
    });
    this.hotSeconds = hotSecondsOf(options);
    this.hashes = batchHashReader(redis);
  }

  /** Marks hours and days for the archiver (cold store on): their hash changed. */
  async queueArchive(tenantId: string, periods: ColdPeriod[], at: number, onlyNew = false): Promise<void> {
    if (!this.cold || periods.length === 0) return;
    const members = periods.flatMap((p) => [String(at), p]);
    const key = this.keys.archiveQueue(tenantId);
    await this.fence.write(tenantId, [onlyNew ? ['ZADD', key, 'NX', ...members] : ['ZADD', key, ...members]]);
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
  async backfillArchive(
    tenantId: string,
    retention: { hourSeconds: number; daySeconds: number },
    now: number,
  ): Promise<boolean> {
    const [claimed] =
      (await this.fence.write(tenantId, [['SET', this.keys.archiveBackfilled(tenantId), '1', 'NX']])) ?? [];
    if (claimed !== 'OK') return false;
    const nowSeconds = Math.floor(now / 1000);
    const hour = nowSeconds - (nowSeconds % HOUR);
    const periods: ColdPeriod[] = [];
    for (let h = hour - HOUR; h >= nowSeconds - retention.hourSeconds; h -= HOUR) periods.push(`h${h}`);
    // Days whose hash may still exist: those that started within the day retention.
    for (let d = hour - (hour % DAY) - DAY; d + DAY > nowSeconds - retention.daySeconds; d -= DAY)
      periods.push(`d${dayOf(d * 1000)}`);
    const exists = await Promise.all(periods.map((p) => this.redis.exists(this.keys.period(tenantId, p))));
    await this.queueArchive(
      tenantId,
      periods.filter((_, i) => exists[i] === 1),
      0,
    );
    return true;
  }

  /** The stored hash of each period (empty where Redis has none). */
  periodHashes(tenantId: string, periods: ColdPeriod[]): Promise<Record<string, string>[]> {
    return this.hashes(periods.map((p) => this.keys.period(tenantId, p)));
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
    if (digests.length > 0) await this.fence.write(tenantId, [['HSET', key, ...digests.flat()]]);
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
        // An hour stays while its day is recomputed from it too (today and yesterday).
        const until = p.startsWith('h')
          ? Math.max(periodEnd(p) + this.hotSeconds, periodEnd(`d${dayOf(Number(p.slice(1)) * 1000)}`) + DAY)
          : periodEnd(p) + this.hotSeconds;
        if (!p.startsWith('s')) await this.redis.expireat(this.keys.period(tenantId, p), until + margin);
        await this.scripts.pulseUnqueue([this.keys.archiveQueue(tenantId)], [p, score]);
      }),
    );
  }

  /** Up to `count` periods with late data waiting for the archiver. */
  async latePeriods(tenantId: string, count: number): Promise<ColdPeriod[]> {
    const members = await this.redis.srandmember(this.keys.latePeriods(tenantId), count);
    return members.filter((p): p is ColdPeriod => /^(h\d+|[ds]\d{8})$/.test(p));
  }

  /** A period's late keys (one hash for an hour or day, three for a day's subjects). */
  private lateKeys(tenantId: string, p: ColdPeriod): string[] {
    const late = this.keys.late(tenantId, p);
    return p.startsWith('s') ? [`${late}:m`, `${late}:b`, `${late}:k`] : [late];
  }

  private claimKeys(tenantId: string, p: ColdPeriod): string[] {
    const late = this.lateKeys(tenantId, p);
    return [...late, ...late.map((k) => `${k}:claimed`), `${this.keys.late(tenantId, p)}:tok`];
  }

  /** Claims the period's late data (see CLAIM_LATE_LUA): its token, or null when there was none. */
  async claimLate(tenantId: string, p: ColdPeriod, token: string): Promise<string | null> {
    const result = await this.scripts.pulseClaimLate(this.claimKeys(tenantId, p), [token]);
    return typeof result === 'string' ? result : null;
  }

  /** The claimed late fields of an hour or day. */
  claimedHash(tenantId: string, p: ColdPeriod): Promise<Record<string, string>> {
    return this.redis.hgetall(`${this.keys.late(tenantId, p)}:claimed`);
  }

  /** The claimed late subjects of a day: [subject, messages, bytes] and the sketch registers. */
  async claimedSubjects(
    tenantId: string,
    p: ColdPeriod,
  ): Promise<{ subjects: [string, number, number][]; sketch: Uint8Array | null }> {
    const [m, b, k] = this.lateKeys(tenantId, p).map((key) => `${key}:claimed`);
    const [ranked, bytes, sketch] = await Promise.all([
      this.redis.zrange(m, '0', '-1', 'WITHSCORES'),
      this.redis.hgetall(b),
      this.redis.getBuffer(k),
    ]);
    const subjects: [string, number, number][] = [];
    for (let i = 0; i + 1 < ranked.length; i += 2)
      subjects.push([ranked[i], Number(ranked[i + 1]), Number(bytes[ranked[i]] ?? 0)]);
    return { subjects, sketch };
  }

  /** Ends the claim: the claimed keys go, and the period leaves the set unless new late data came. */
  async finishLate(tenantId: string, p: ColdPeriod): Promise<void> {
    await this.scripts.pulseFinishLate([...this.claimKeys(tenantId, p), this.keys.latePeriods(tenantId)], [p]);
  }

  /** Whether each day's subjects and clients were archived (`s<day>` marked in the digests). */
  async dayDataDone(tenantId: string, days: string[]): Promise<boolean[]> {
    if (days.length === 0) return [];
    const marks = await this.redis.hmget(this.keys.archiveDigests(tenantId), ...days.map((d) => `s${d}`));
    return marks.map((m) => m !== null);
  }

  /** A day's subjects and client behaviour as Redis holds them (what the archiver moves). */
  async readDayData(tenantId: string, day: string): Promise<DayData> {
    const k = this.keys;
    const [ranked, bytes, sketch, fields, ranking, seen] = await Promise.all([
      this.redis.zrevrange(k.subjectMessages(tenantId, day), '0', '-1', 'WITHSCORES'),
      this.redis.hgetall(k.subjectBytes(tenantId, day)),
      this.redis.getBuffer(k.subjectSketch(tenantId, day)),
      this.redis.hgetall(k.clientDay(tenantId, day)),
      this.redis.zrevrange(k.clientTraffic(tenantId, day), '0', String(2 * MAX_RANKED_CLIENTS - 1), 'WITHSCORES'),
      this.redis.getBuffer(k.clientsSeenDay(tenantId, day)),
    ]);
    const subjects: [string, number, number][] = [];
    for (let i = 0; i + 1 < ranked.length; i += 2)
      subjects.push([ranked[i], Number(ranked[i + 1]), Number(bytes[ranked[i]] ?? 0)]);
    const top: [string, number][] = [];
    for (let i = 0; i + 1 < ranking.length; i += 2) top.push([ranking[i], Number(ranking[i + 1])]);
    return { subjects, sketch, clientFields: fields, ranking: top, seen };
  }

  /** After archiving a day's subjects and clients: their keys expire shortly (reads go cold then). */
  async dayDataArchived(tenantId: string, day: string): Promise<void> {
    // Marked so that a later archive of the day's hash does not queue its data again.
    await this.fence.write(tenantId, [['HSET', this.keys.archiveDigests(tenantId), `s${day}`, 'archived']]);
    const at = periodEnd(`d${day}`) + DAY_DATA_COLD_AFTER_SECONDS;
    const k = this.keys;
    await Promise.all(
      [
        k.subjectMessages(tenantId, day),
        k.subjectBytes(tenantId, day),
        k.subjectSketch(tenantId, day),
        k.clientDay(tenantId, day),
        k.clientTraffic(tenantId, day),
        k.clientsSeenDay(tenantId, day),
      ].map((key) => this.redis.expireat(key, at)),
    );
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
    await this.fence.write(tenantId, [
      ['HSET', key, COUNTER_FIELDS.activeClients, online, COUNTER_FIELDS.offlineClients, offline],
      ['EXPIRE', key, ttlSeconds],
    ]);
  }

  async rollupHour(tenantId: string, hourEpoch: number, stripBefore: number, ttlSeconds: number): Promise<number> {
    const minutes = Array.from({ length: 60 }, (_, i) => hourEpoch + 60 * i);
    const keys = [
      this.keys.hour(tenantId, hourEpoch),
      ...minutes.map((m) => this.keys.minute(tenantId, m)),
      this.keys.shared.tenant(tenantId),
    ];
    return (await this.scripts.pulseRollupHour(keys, [ttlSeconds, stripBefore, ...minutes])) as number;
  }

  /** Up to `count` hours marked dirty by late flushes (hour epochs, s). */
  async dirtyHours(tenantId: string, count: number): Promise<number[]> {
    const members = await this.redis.srandmember(this.keys.rollupDirty(tenantId), count);
    return members.map(Number).filter((h) => Number.isInteger(h) && h % 3600 === 0);
  }

  async markDirty(tenantId: string, hours: number[]): Promise<void> {
    if (hours.length > 0)
      await this.fence.write(tenantId, [['SADD', this.keys.rollupDirty(tenantId), ...hours.map(String)]]);
  }

  /** Unmarks hours once recomputed (a flush that marks one again meanwhile marks it again). */
  async clearDirty(tenantId: string, hours: number[]): Promise<void> {
    if (hours.length > 0) await this.redis.srem(this.keys.rollupDirty(tenantId), ...hours.map(String));
  }

  async rollupDay(tenantId: string, day: string, dayStartEpoch: number, ttlSeconds: number): Promise<number> {
    const hours = Array.from({ length: 24 }, (_, i) => dayStartEpoch + 3600 * i);
    const keys = [
      this.keys.day(tenantId, day),
      ...hours.map((h) => this.keys.hour(tenantId, h)),
      this.keys.shared.tenant(tenantId),
    ];
    return (await this.scripts.pulseRollupDay(keys, [ttlSeconds])) as number;
  }
}
