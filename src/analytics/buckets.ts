import { InvalidInputError } from '../common/errors/domain-error.js';
import { LATENCY_BUCKETS, percentile } from '../common/latency-histogram.js';
import { combineField, COUNTER_FIELDS as F, COUNTER_SCHEMA } from '../history/counter-schema.js';

const SECOND_MESSAGES = COUNTER_SCHEMA.secondMessages.field;

export const PERIODS = ['1h', '24h', '7d', '30d', '90d', '365d'] as const;
export type Period = (typeof PERIODS)[number];
export const RESOLUTIONS = ['1m', '5m', '1h', '1d'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const PERIOD_SECONDS: Record<Period, number> = {
  '1h': 3600,
  '24h': 86_400,
  '7d': 7 * 86_400,
  '30d': 30 * 86_400,
  '90d': 90 * 86_400,
  '365d': 365 * 86_400,
};
export const RESOLUTION_SECONDS: Record<Resolution, number> = { '1m': 60, '5m': 300, '1h': 3600, '1d': 86_400 };
export const DEFAULT_RESOLUTION: Record<Period, Resolution> = {
  '1h': '1m',
  '24h': '5m',
  '7d': '1h',
  '30d': '1d',
  '90d': '1d',
  '365d': '1d',
};
export const MAX_POINTS = 2000;

/**
 * Start (epoch s) of every bucket of a period, oldest first, aligned to UTC multiples of the
 * resolution; the last bucket is the one that contains `now` (the current, partial bucket is
 * included). Throws a RangeError when the resolution does not fit the period.
 */
export function bucketStarts(nowMs: number, period: Period, resolution: Resolution): number[] {
  const step = RESOLUTION_SECONDS[resolution];
  const count = PERIOD_SECONDS[period] / step;
  if (count < 1) throw new RangeError(`resolution ${resolution} is longer than period ${period}`);
  if (count > MAX_POINTS)
    throw new RangeError(`period ${period} at resolution ${resolution} is ${count} points; at most ${MAX_POINTS}`);
  const last = Math.floor(nowMs / 1000 / step) * step;
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * step);
}

/**
 * The buckets of a series request: the resolution asked or the period's default, the start of
 * each bucket and its length (s). A resolution that does not fit the period is a 400 naming it.
 */
export function seriesBuckets(
  nowMs: number,
  period: Period,
  resolution: Resolution | undefined,
): { resolution: Resolution; starts: number[]; step: number } {
  const res = resolution ?? DEFAULT_RESOLUTION[period];
  try {
    return { resolution: res, starts: bucketStarts(nowMs, period, res), step: RESOLUTION_SECONDS[res] };
  } catch (err) {
    throw new InvalidInputError(`resolution: ${(err as Error).message}`);
  }
}

/** Points a range's default resolution aims at, at most (a chart's worth). */
const RANGE_POINTS = 500;
/** How far back minute buckets (1m, 5m) reach: they are kept 25 h. */
const MINUTES_REACH = 86_400;

/**
 * The buckets of a range `from`–`to` (epoch s): the finest resolution of at most 500 points whose
 * buckets are still kept (1m and 5m reach back 24 hours), or the one asked (at most 2,000 points;
 * minutes further back than 24 hours: a 400 naming the resolution). Buckets are aligned to UTC
 * multiples of the resolution, from the one that contains `from` to the one that contains the
 * range's last second.
 */
export function rangeBuckets(
  from: number,
  to: number,
  nowSeconds: number,
  resolution: Resolution | undefined,
): { resolution: Resolution; starts: number[]; step: number } {
  const minutesKept = from >= nowSeconds - MINUTES_REACH;
  const count = (step: number) => Math.floor((to - 1) / step) - Math.floor(from / step) + 1;
  if (resolution && RESOLUTION_SECONDS[resolution] < 3600 && !minutesKept)
    throw new InvalidInputError(`resolution: ${resolution} buckets reach back 24 hours; this range starts earlier`);
  const res =
    resolution ??
    RESOLUTIONS.find(
      (r) => (RESOLUTION_SECONDS[r] >= 3600 || minutesKept) && count(RESOLUTION_SECONDS[r]) <= RANGE_POINTS,
    ) ??
    '1d';
  const step = RESOLUTION_SECONDS[res];
  const points = count(step);
  if (points > MAX_POINTS)
    throw new InvalidInputError(`resolution: the range at ${res} is ${points} points; at most ${MAX_POINTS}`);
  const first = Math.floor(from / step) * step;
  return { resolution: res, starts: Array.from({ length: points }, (_, i) => first + i * step), step };
}

/**
 * Whether an hour's figures are summed from its minutes rather than read from its hour rollup: the
 * current and the previous hour, whose rollups the next pass may still change. Analytics' 1h
 * buckets and the usage export read an hour by this one rule, so their figures agree.
 */
export function hourFromMinutes(hourStart: number, nowSeconds: number): boolean {
  return hourStart >= nowSeconds - (nowSeconds % 3600) - 3600;
}

export interface BucketFigures {
  messages: number;
  bytes: number;
  errors: number;
  activeClients: number;
  /** Most messages in one second. */
  peak: number;
  histogram: number[];
}

export function emptyFigures(): BucketFigures {
  return {
    messages: 0,
    bytes: 0,
    errors: 0,
    activeClients: 0,
    peak: 0,
    histogram: new Array<number>(LATENCY_BUCKETS).fill(0),
  };
}

/**
 * Adds one stored record (a minute, hour or day hash) into a bucket: sums for counts and latency
 * buckets (histograms merge by addition), maxima for the peak and the sampled client count. A
 * minute that still has its per-second fields gives its peak from them.
 */
export function addRecord(into: BucketFigures, record: Record<string, string>): BucketFigures {
  for (const [field, raw] of Object.entries(record)) {
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    if (field === F.messages) into.messages += value;
    else if (field === F.bytes) into.bytes += value;
    else if (field === F.heartbeatErrors) into.errors += value;
    else if (field === F.activeClients) into.activeClients = combineField(field, into.activeClients, value);
    else if (field === F.peak) into.peak = combineField(field, into.peak, value);
    else if (field.startsWith(SECOND_MESSAGES)) into.peak = combineField(F.peak, into.peak, value);
    else if (field.startsWith('l:')) {
      const bucket = Number(field.slice(2));
      if (bucket >= 0 && bucket < into.histogram.length) into.histogram[bucket] += value;
    }
  }
  return into;
}

export interface SeriesPoint {
  timestamp: string;
  messages: number;
  bytes: number;
  activeClients: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  errors: number;
}

const round2 = (v: number) => Number(v.toFixed(2));

export function toPoint(startSeconds: number, f: BucketFigures): SeriesPoint {
  return {
    timestamp: new Date(startSeconds * 1000).toISOString(),
    messages: f.messages,
    bytes: f.bytes,
    activeClients: f.activeClients,
    latencyP50Ms: round2(percentile(f.histogram, 0.5)),
    latencyP95Ms: round2(percentile(f.histogram, 0.95)),
    latencyP99Ms: round2(percentile(f.histogram, 0.99)),
    errors: f.errors,
  };
}

export interface Totals {
  messages: number;
  bytes: number;
  peakMessagesPerSecond: number;
  errors: number;
}

/** Totals are the sums of the series (so charts and totals always agree). */
export function totalsOf(series: SeriesPoint[], figures: BucketFigures[]): Totals {
  return {
    messages: series.reduce((n, p) => n + p.messages, 0),
    bytes: series.reduce((n, p) => n + p.bytes, 0),
    peakMessagesPerSecond: figures.reduce((n, f) => Math.max(n, f.peak), 0),
    errors: series.reduce((n, p) => n + p.errors, 0),
  };
}
