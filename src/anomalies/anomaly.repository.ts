import { Inject, Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS, percentile } from '../common/latency-histogram.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { dayOf, minuteEpochOf } from '../common/time.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { ANOMALY_RETENTION_SECONDS, type Anomaly } from './anomaly.js';
import { COUNTER_FIELDS as F, secondField } from '../history/counter-schema.js';
import { HistoryReader } from '../history/history-reader.js';

/**
 * Clients whose offline transitions a window reads (the most today first): flapping needs three in
 * ten windows, so a tenant with more flapping clients than this gets those with the most.
 */
const MAX_OFFLINE_CLIENTS = 1000;

/** Minutes of per-second counts read to judge windows a pass missed: two hours at most. */
const MAX_HELD_MINUTES = 120;

/** What Redis holds of windows a pass missed: each one's messages and bytes, by second. */
export interface HeldWindows {
  windows: { messages: number; bytes: number }[];
  /** Messages from the last window's end to the time asked (the open window so far). */
  after: number;
}

/** Counters a detection window is computed from (all merged across instances in Redis). */
export interface TenantCounters {
  messages: number;
  bytes: number;
  sent: number;
  received: number;
  errors: number;
  rejected: number;
  /** Today's distinct-subject sketch (null: none yet). */
  sketch: Buffer | null;
  day: string;
  /** Today's top subjects. */
  subjects: string[];
  /** Today's offline transitions per client (enterprise client behaviour). */
  offline: Record<string, number>;
  /** p95 latency (ms) of the messages received in the window's minutes; null: no samples. */
  latencyP95: number | null;
  /** What the NATS server reported for the tenant, cumulative (system account on). */
  nats: { connects: number; slowConsumers: number; authFailures: number };
  /** The last hour's failed NATS logins by identity and source, busiest first (at most 5). */
  natsAuthSources: { identity: string; source: string; count: number }[];
}

/** The detection state of a tenant: the last window closed and the state after it. */
export interface StoredDetection<T> {
  window: number;
  state: T;
}

// Compare-and-set: the state is written only by the pass that closes the window after the one
// it read, so two passes that overlap (a lock lost to a pause) cannot both close a window.
// KEYS[2], the tenant's record, is the erasure's fence: an erased tenant's state is not written.
const DETECTION_SAVE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'window')
if (current == false and ARGV[1] ~= '') or (current ~= false and current ~= ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'window', ARGV[2], 'state', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

// The global window index moves forward only: the pass that moves it closed that window.
const WINDOW_ADVANCE_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) <= current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** JSON with floats cut to 7 significant digits: the models' state is estimates, not ledgers. */
const compact = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(7)) : v,
  );

/** Anomalies and the detectors' state in Redis. */
@Injectable()
export class AnomalyRepository {
  private readonly scripts: Record<'pulseDetectionSave' | 'pulseWindowAdvance', LuaScript>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly fence: TenantFence,
    private readonly history: HistoryReader,
  ) {
    this.scripts = defineScripts(redis, {
      pulseDetectionSave: DETECTION_SAVE_LUA,
      pulseWindowAdvance: WINDOW_ADVANCE_LUA,
    });
  }

  /**
   * The tenant's cumulative counters as of now, and the latency of the minutes `[from, to)` (the
   * window being closed).
   */
  async counters(
    tenantId: string,
    now: number,
    topSubjects: number,
    latencyFrom: number,
    latencyTo: number,
  ): Promise<TenantCounters> {
    const k = this.keys;
    const day = dayOf(now);
    const minutes: number[] = [];
    for (let m = minuteEpochOf(latencyFrom); m * 1000 < latencyTo && minutes.length < 60; m += 60) minutes.push(m);
    const [totals, rejections, sketch, subjects, clientDay, latency] = await Promise.all([
      this.history.totals(tenantId, [
        F.messages,
        F.heartbeatSent,
        F.heartbeatReceived,
        F.heartbeatErrors,
        F.bytes,
        F.natsConnects,
        F.natsSlowConsumers,
        F.natsAuthFailures,
      ]),
      this.redis.hvals(k.heartbeatRejections(tenantId)),
      this.history.subjectSketch(tenantId, day),
      this.history.topSubjects(tenantId, day, topSubjects),
      // Bounded: the clients with the most offline transitions today, not the whole client-day hash.
      this.history.offlineRanking(tenantId, day, MAX_OFFLINE_CLIENTS),
      this.history.minuteHashes(tenantId, minutes),
    ]);
    const authSources = Object.entries(await this.redis.hgetall(k.natsAuthSources(tenantId)))
      .map(([field, n]) => {
        const at = field.lastIndexOf(' ');
        return at < 0
          ? { identity: field, source: 'other', count: Number(n) }
          : { identity: field.slice(0, at), source: field.slice(at + 1), count: Number(n) };
      })
      .sort((a, b) => b.count - a.count)
      .slice(0, 5);
    const buckets: number[] = [];
    for (const hash of latency) {
      for (const [field, value] of Object.entries(hash)) {
        if (field.startsWith('l:')) {
          const bucket = Number(field.slice(2));
          if (Number.isInteger(bucket) && bucket >= 0 && bucket < LATENCY_BUCKETS)
            buckets[bucket] = (buckets[bucket] ?? 0) + Number(value);
        }
      }
    }
    const samples = buckets.reduce((a, b) => a + (b ?? 0), 0);
    // Built with fromEntries: a client id like `__proto__` becomes an own property, not a prototype.
    const pairs: [string, number][] = [];
    for (let i = 0; i + 1 < clientDay.length; i += 2) pairs.push([clientDay[i], Number(clientDay[i + 1])]);
    const offline: Record<string, number> = Object.fromEntries(pairs);
    const n = (v: string | null) => Number(v ?? 0);
    return {
      messages: n(totals[0]),
      bytes: n(totals[4]),
      sent: n(totals[1]),
      received: n(totals[2]),
      errors: n(totals[3]),
      rejected: rejections.reduce((sum, v) => sum + Number(v), 0),
      sketch,
      day,
      subjects: subjects.map((s) => s.subject),
      offline,
      nats: { connects: n(totals[5]), slowConsumers: n(totals[6]), authFailures: n(totals[7]) },
      natsAuthSources: authSources,
      latencyP95:
        samples > 0
          ? percentile(
              Array.from(buckets, (b) => b ?? 0),
              0.95,
            )
          : null,
    };
  }

  /**
   * Messages and bytes of `count` windows of `windowMs` from `from` (ms), summed from the minutes'
   * per-second counts (every instance's, each count in the second it was taken, however late it
   * was flushed), and the messages after them until `until`. Null when windows are not whole
   * seconds or the span is over MAX_HELD_MINUTES minutes (then the minutes are not all read).
   */
  async heldWindows(
    tenantId: string,
    from: number,
    windowMs: number,
    count: number,
    until: number,
  ): Promise<HeldWindows | null> {
    if (windowMs % 1000 !== 0 || from % 1000 !== 0) return null;
    const first = minuteEpochOf(from);
    const last = minuteEpochOf(Math.max(from, until - 1));
    if ((last - first) / 60 + 1 > MAX_HELD_MINUTES) return null;
    const minutes: number[] = [];
    for (let m = first; m <= last; m += 60) minutes.push(m);
    const hashes = await this.history.minuteHashes(tenantId, minutes);
    const held: HeldWindows = { windows: Array.from({ length: count }, () => ({ messages: 0, bytes: 0 })), after: 0 };
    const end = from + count * windowMs;
    hashes.forEach((hash, i) => {
      for (let s = 0; s < 60; s++) {
        const at = (minutes[i] + s) * 1000;
        if (at < from || at >= until) continue;
        const messages = Number(hash[secondField('m', s)] ?? 0);
        if (at >= end) {
          held.after += messages;
          continue;
        }
        const w = held.windows[Math.floor((at - from) / windowMs)];
        w.messages += messages;
        w.bytes += Number(hash[secondField('b', s)] ?? 0);
      }
    });
    return held;
  }

  async loadDetection<T>(tenantId: string): Promise<StoredDetection<T> | null> {
    const [window, state] = await this.redis.hmget(this.keys.detection(tenantId), 'window', 'state');
    if (window === null || state === null) return null;
    return { window: Number(window), state: JSON.parse(state) as T };
  }

  /**
   * Stores the state after window `window` if the stored one is still at `expected` (null: none
   * stored yet; the same window: an update of that window's outbox). False: another pass won.
   */
  async saveDetection(tenantId: string, expected: number | null, window: number, state: unknown): Promise<boolean> {
    const done = await this.scripts.pulseDetectionSave(
      [this.keys.detection(tenantId), this.keys.tenant(tenantId)],
      [expected === null ? '' : String(expected), String(window), compact(state), ANOMALY_RETENTION_SECONDS],
    );
    return done === 1;
  }

  /** Moves the global window index to `window`; true for the one pass that moved it. */
  async advanceWindow(window: number): Promise<boolean> {
    return (
      (await this.scripts.pulseWindowAdvance(
        [this.keys.anomalyWindow()],
        [String(window), ANOMALY_RETENTION_SECONDS],
      )) === 1
    );
  }

  async save(tenantId: string, anomaly: Anomaly): Promise<void> {
    const k = this.keys;
    const detectedAt = Date.parse(anomaly.detectedAt);
    // Fenced: the detection job's pass may have read its tenant list before an erasure.
    await this.fence.write(tenantId, [
      ['SET', k.anomaly(tenantId, anomaly.id), JSON.stringify(anomaly), 'EX', ANOMALY_RETENTION_SECONDS],
      ['ZADD', k.anomalies(tenantId), detectedAt, anomaly.id],
      ['ZREMRANGEBYSCORE', k.anomalies(tenantId), '-inf', detectedAt - ANOMALY_RETENTION_SECONDS * 1000],
      ['EXPIRE', k.anomalies(tenantId), ANOMALY_RETENTION_SECONDS],
      anomaly.status === 'open'
        ? ['SADD', k.openAnomalies(tenantId), anomaly.id]
        : ['SREM', k.openAnomalies(tenantId), anomaly.id],
    ]);
  }

  async find(tenantId: string, id: string): Promise<Anomaly | null> {
    const raw = await this.redis.get(this.keys.anomaly(tenantId, id));
    return raw ? (JSON.parse(raw) as Anomaly) : null;
  }

  /** Anomalies detected since `since` (ms), newest first. */
  async list(tenantId: string, since: number): Promise<Anomaly[]> {
    const ids = await this.redis.zrevrangebyscore(this.keys.anomalies(tenantId), '+inf', since);
    if (ids.length === 0) return [];
    const raw = await Promise.all(ids.map((id) => this.redis.get(this.keys.anomaly(tenantId, id))));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Anomaly);
  }

  openCount(tenantId: string): Promise<number> {
    return this.redis.scard(this.keys.openAnomalies(tenantId));
  }
}
