import type { Retention } from '../common/retention.js';
import { dayOf } from '../common/time.js';
import type { HistoryKeys } from './history-keys.js';
import { COARSE_LATENCY_BUCKETS, coarseLatencyBucket } from '../common/latency-histogram.js';
import {
  COUNTER_FIELDS as F,
  latencyField,
  latencyTotalField,
  MINUTE_COUNTERS,
  secondField,
  TOTAL_COUNTERS,
} from './counter-schema.js';
import type { CustomFiguresDelta, HistoryDelta, MinuteDelta } from './history-delta.js';
import { DAY, dayDataLate, dayEnd, HOUR, hourRecomputable, hourTakesMinutes, readsCold } from './history-tiers.js';
import { storedSubject } from '../common/stored-subject.js';

export interface EncodedFlush {
  keys: string[];
  args: (string | number)[];
}

/** The KEYS and ARGV of one flush as they are built: a key is listed once, ops refer to its index. */
class FlushArgs {
  readonly keys: string[];
  readonly args: (string | number)[];
  private readonly index = new Map<string, number>();

  constructor(fixedKeys: string[], seq: number) {
    this.keys = fixedKeys;
    this.args = [seq];
  }

  /** The (1-based) KEYS index of `key`, listing it on first use. */
  ref(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      this.keys.push(key);
      i = this.keys.length;
      this.index.set(key, i);
    }
    return i;
  }

  /** HINCRBY, skipped for 0. */
  hincr(keyIndex: number, field: string, n: number): void {
    if (n !== 0) this.args.push('h', keyIndex, field, n);
  }

  /** Adds `n` to a counter by its rule: summed (0 skipped), or kept at the maximum (≤ 0 skipped). */
  counter(keyIndex: number, c: { field: string; op: 'h' | 'm' }, n: number): void {
    if (c.op === 'h') this.hincr(keyIndex, c.field, n);
    else if (n > 0) this.args.push('m', keyIndex, c.field, n);
  }
}

/** The KEYS index of the totals hash (after the tenant record and the flush sequence). */
const TOTALS = 3;

/** Messages per day from the minutes the flush writes as minutes, added to the day hash exactly. */
const DAY_COUNTERS = MINUTE_COUNTERS.filter((c) => c.toDay);

/**
 * Turns a delta into the KEYS and ARGV of FLUSH_LUA. Pure, so the encoding is unit-tested. Keys
 * expire by the tenant's tier as it is now: a tier change applies to data written from then on.
 * `hotSeconds`: the cold store's hot window (0: no cold store). A minute whose hour can no longer
 * be recomputed from its minutes is added to the stored hour and day instead (or, where their
 * reads come from the cold store, to their late hashes), and a day's subjects once the day's data
 * is archived go to its late keys (history-tiers.ts).
 */
export function encodeDelta(
  delta: HistoryDelta,
  keys: HistoryKeys,
  instanceId: string,
  subjectsStoredPerDay: number,
  retention: Retention,
  now = Date.now(),
  hotSeconds = 0,
): EncodedFlush {
  const t = delta.tenantId;
  const out = new FlushArgs([keys.shared.tenant(t), keys.flushSequence(t, instanceId), keys.totals(t)], delta.seq);
  encodeTotals(delta, out);
  const nowSeconds = Math.floor(now / 1000);
  const stored = storedPeriods(t, keys, out, retention, nowSeconds, hotSeconds);
  const dirtyHours = encodeMinutes(delta, keys, out, stored, retention, nowSeconds);
  encodeSubjects(delta, keys, out, stored, subjectsStoredPerDay, retention, nowSeconds, hotSeconds);
  stored.finish();
  if (delta.custom) encodeCustom(delta.custom, t, keys, out, retention, now);
  if (dirtyHours.size > 0) {
    const dirty = out.ref(keys.rollupDirty(t));
    for (const hour of dirtyHours) out.args.push('s', dirty, hour);
    out.args.push('x', dirty, retention.daySeconds);
  }
  return { keys: out.keys, args: out.args };
}

/** The all-time counters, and the all-time latency histogram (coarse buckets) whatever minute the samples came in. */
function encodeTotals(delta: HistoryDelta, out: FlushArgs): void {
  for (const c of TOTAL_COUNTERS) out.counter(TOTALS, c, delta[c.source]);
  const coarse = new Array<number>(COARSE_LATENCY_BUCKETS).fill(0);
  for (const minute of delta.minutes.values()) {
    if (minute.latency) for (const [bucket, samples] of minute.latency) coarse[coarseLatencyBucket(bucket)] += samples;
  }
  for (let k = 0; k < coarse.length; k++) out.hincr(TOTALS, latencyTotalField(k), coarse[k]);
}

/** A minute's counts into its hash: per second, or (a minute the rollup strips soon) its peak. */
function addToMinute(out: FlushArgs, k: number, minute: MinuteDelta, perSecond: boolean, ttl: number): void {
  addMinuteCounts(out, k, minute);
  if (perSecond && minute.seconds) {
    for (const [offset, [m, b]] of minute.seconds) {
      out.hincr(k, secondField('m', offset), m);
      out.hincr(k, secondField('b', offset), b);
    }
  }
  if (!perSecond) out.counter(k, PEAK, peakOf(minute));
  out.args.push('x', k, ttl);
}

/** A minute's counters and latency buckets as the rollups fold them (its peak apart). */
function addMinuteCounts(out: FlushArgs, k: number, minute: MinuteDelta): void {
  for (const c of MINUTE_COUNTERS) out.counter(k, c, minute[c.source]);
  if (minute.latency) for (const [bucket, samples] of minute.latency) out.hincr(k, latencyField(bucket), samples);
}

const PEAK = { field: F.peak, op: 'm' } as const;

/**
 * The delta's minutes: into their minute hashes and (counters flushed to the day) their day, or,
 * for a minute of an hour the rollup no longer recomputes, into the stored hour and day. Returns
 * the settled hours that received minutes: the rollup job recomputes only the current and
 * previous hour by itself, so minutes of an hour before arrive late (held back by a Redis outage,
 * an unserved Cluster slot) and such hours are marked for it.
 */
function encodeMinutes(
  delta: HistoryDelta,
  keys: HistoryKeys,
  out: FlushArgs,
  stored: StoredPeriods,
  retention: Retention,
  nowSeconds: number,
): Set<number> {
  const t = delta.tenantId;
  const { minuteSeconds, daySeconds } = retention;
  const settledBefore = nowSeconds - (nowSeconds % 3600) - 3600;
  const dirtyHours = new Set<number>();
  const days = new Map<string, number[]>();
  for (const [minuteEpoch, minute] of delta.minutes) {
    const hour = minuteEpoch - (minuteEpoch % HOUR);
    if (!hourTakesMinutes(hour, nowSeconds, minuteSeconds)) {
      // Its hour's minutes are gone, or about to go: recomputing it would lose them. Added to the
      // hour and day.
      stored.add(`h${hour}`, minute);
      stored.add(`d${dayOf(minuteEpoch * 1000)}`, minute);
      // While the hour can still be recomputed (a restart's catch-up pass does so), its minutes
      // are the source it is recomputed from: the minute goes there too, or the recompute would
      // take it out of the hour again while the day keeps it.
      if (hourRecomputable(hour, nowSeconds, minuteSeconds)) {
        addToMinute(out, out.ref(keys.minute(t, minuteEpoch)), minute, false, minuteSeconds);
      }
      continue;
    }
    if (minuteEpoch < settledBefore) dirtyHours.add(hour);
    addToMinute(out, out.ref(keys.minute(t, minuteEpoch)), minute, true, minuteSeconds);
    const day = dayOf(minuteEpoch * 1000);
    let sums = days.get(day);
    if (!sums) days.set(day, (sums = new Array<number>(DAY_COUNTERS.length).fill(0)));
    for (let i = 0; i < DAY_COUNTERS.length; i++) sums[i] += minute[DAY_COUNTERS[i].source];
  }
  for (const [day, sums] of days) {
    const k = out.ref(keys.day(t, day));
    for (let i = 0; i < DAY_COUNTERS.length; i++) out.counter(k, DAY_COUNTERS[i], sums[i]);
    out.args.push('x', k, daySeconds);
  }
  return dirtyHours;
}

/**
 * Each day's subjects: the ranking (trimmed to the top `subjectsStoredPerDay`), bytes, the
 * distinct-subject sketch, and the traffic beyond the window's subject table on the day hash.
 * Once the day's subjects are archived (or about to be), they go to its late keys.
 */
function encodeSubjects(
  delta: HistoryDelta,
  keys: HistoryKeys,
  out: FlushArgs,
  stored: StoredPeriods,
  subjectsStoredPerDay: number,
  retention: Retention,
  nowSeconds: number,
  hotSeconds: number,
): void {
  const t = delta.tenantId;
  const ttl = retention.daySeconds;
  for (const [day, table] of delta.subjects) {
    if (dayEnd(day) - DAY + retention.daySeconds <= nowSeconds) continue; // past its retention
    const late = dayDataLate(day, nowSeconds, hotSeconds) ? keys.late(t, `s${day}`) : null;
    if (late !== null) stored.markLate(`s${day}`);
    const zkey = out.ref(late !== null ? `${late}:m` : keys.subjectMessages(t, day));
    const hkey = out.ref(late !== null ? `${late}:b` : keys.subjectBytes(t, day));
    for (const [subject, c] of table.counts) {
      // Stored for days: a subject of any length is kept as at most MAX_STORED_SUBJECT_CHARS.
      const member = storedSubject(subject);
      out.args.push('z', zkey, member, c.messages);
      out.hincr(hkey, member, c.bytes);
    }
    out.args.push('t', zkey, hkey, subjectsStoredPerDay, 'x', zkey, ttl, 'x', hkey, ttl);
    const dayTotals = late !== null ? stored.target(`d${day}`) : out.ref(keys.day(t, day));
    if (dayTotals !== null) {
      out.hincr(dayTotals, F.subjectsOtherMessages, table.otherMessages);
      out.hincr(dayTotals, F.subjectsOtherBytes, table.otherBytes);
    }
    if (table.sketch.size > 0) {
      const sketch = out.ref(late !== null ? `${late}:k` : keys.subjectSketch(t, day));
      for (const [register, rank] of table.sketch) out.args.push('r', sketch, register, rank);
      out.args.push('x', sketch, ttl);
    }
  }
}

/** The busiest second of a minute (0 without per-second detail). */
function peakOf(minute: MinuteDelta): number {
  let peak = 0;
  for (const [m] of minute.seconds?.values() ?? []) peak = Math.max(peak, m);
  return peak;
}

type StoredPeriods = ReturnType<typeof storedPeriods>;

/**
 * Hours and days that receive a late minute as stored values: the hash itself while its reads
 * come from Redis (created with its tier expiry if absent, and queued for the archiver when the
 * cold store is on), else its late hash, which the archiver adds to the cold item. A period past
 * its retention takes nothing.
 */
function storedPeriods(
  t: string,
  keys: HistoryKeys,
  out: FlushArgs,
  retention: Retention,
  nowSeconds: number,
  hotSeconds: number,
) {
  const targets = new Map<string, number | null>();
  const expiries: [number, number][] = [];
  const marked = new Set<string>();
  const markLate = (period: string) => {
    if (marked.has(period)) return;
    marked.add(period);
    out.args.push('s', out.ref(keys.latePeriods(t)), period);
  };
  const target = (period: `h${number}` | `d${string}`): number | null => {
    const known = targets.get(period);
    if (known !== undefined) return known;
    const isHour = period.startsWith('h');
    const start = isHour ? Number(period.slice(1)) : dayEnd(period.slice(1)) - DAY;
    const end = start + (isHour ? HOUR : DAY);
    const ttl = isHour ? retention.hourSeconds : retention.daySeconds;
    let k: number | null = null;
    if (start + ttl > nowSeconds) {
      if (readsCold(end, nowSeconds, hotSeconds)) {
        k = out.ref(keys.late(t, period));
        markLate(period);
      } else {
        k = out.ref(isHour ? keys.hour(t, start) : keys.day(t, period.slice(1)));
        if (hotSeconds > 0) out.args.push('q', out.ref(keys.archiveQueue(t)), nowSeconds * 1000, period);
      }
      expiries.push([k, ttl]);
    }
    targets.set(period, k);
    return k;
  };
  return {
    target,
    markLate,
    /** After the writes: a hash they created gets its tier expiry (an existing one keeps its own). */
    finish(): void {
      for (const [k, ttl] of expiries) out.args.push('n', k, ttl);
    },
    /** Adds a minute's counts as the rollups fold them: by the counter schema, and the peak second. */
    add(period: `h${number}` | `d${string}`, minute: MinuteDelta): void {
      const k = target(period);
      if (k === null) return;
      addMinuteCounts(out, k, minute);
      out.counter(k, PEAK, peakOf(minute));
    },
  };
}

/** A sum within ±Number.MAX_VALUE (Infinity saturates; NaN cannot arise from finite values). */
export function saturated(sum: number): number {
  return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, sum));
}

/**
 * Custom metrics' figures: per metric a minute, an hour and a day hash (count, sum, min, max,
 * unparsable, too large, histogram buckets for percentiles). One op `c` a metric and minute
 * carries the minute's figures once and the script adds them to all three hashes (the hour and
 * day are not merged and sent again). A key gets its expiry and its entry in the metric's key
 * index once, when the flush creates it, not on every flush; the index lets deleting the metric
 * delete every key it wrote, and forgets keys as they expire.
 */
function encodeCustom(
  custom: CustomFiguresDelta,
  t: string,
  keys: HistoryKeys,
  out: FlushArgs,
  retention: Retention,
  now: number,
): void {
  const { args } = out;
  const ref = (key: string) => out.ref(key);
  const nowSeconds = Math.floor(now / 1000);
  const definitions = ref(keys.shared.customMetrics(t));
  const { minuteSeconds, hourSeconds, daySeconds } = retention;
  args.push('C', minuteSeconds, hourSeconds, daySeconds, nowSeconds);
  for (const [minute, byId] of custom) {
    const hour = `h${minute - (minute % 3600)}`;
    const day = `d${dayOf(minute * 1000)}`;
    for (const [id, a] of byId) {
      args.push('g', definitions, id);
      args.push(
        'c',
        ref(keys.shared.customFigures(t, id, minute)),
        ref(keys.shared.customFigures(t, id, hour)),
        ref(keys.shared.customFigures(t, id, day)),
        ref(keys.shared.customFigureKeys(t, id)),
      );
      const at = args.length;
      args.push(0);
      // Values are finite (extraction refuses others), but their sum can pass the largest double:
      // it saturates there, here and in the script, so no value can fail a flush.
      if (a.count > 0) args.push('c', a.count, 's', saturated(a.sum), 'mn', a.min, 'mx', a.max);
      if (a.unparsable > 0) args.push('u', a.unparsable);
      if (a.tooLarge > 0) args.push('l', a.tooLarge);
      if (a.histogram) for (const [bucket, n] of a.histogram) args.push(`h${bucket}`, n);
      args[at] = (args.length - at - 1) / 2;
    }
  }
  args.push('G');
}
