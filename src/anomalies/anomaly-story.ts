/**
 * An anomaly's story (issue #39): the pure part. Which windows the story shows around the anomaly,
 * each window's value of the anomaly's series from the stored minute hashes, and which members of a
 * day's ranking (subjects, clients' traffic) moved most against their usual rate. The reads are
 * `AnomalyStoryService`'s; everything here is bounded by its inputs.
 */
import { LATENCY_BUCKETS, percentile } from '../common/latency-histogram.js';
import { COUNTER_FIELDS as F, secondField } from '../history/counter-schema.js';
import { SERIES_METRICS, type SeriesMetric } from './window-pipeline.js';

/** Windows shown before the anomaly's window, and after it (fewer when windows are long). */
export const STORY_WINDOWS_BEFORE = 30;
export const STORY_WINDOWS_AFTER = 10;
/** Minute hashes a story reads at most (the span shown is cut to fit). */
export const STORY_MAX_MINUTES = 240;
/** Rows each ranking of the story lists at most. */
export const STORY_TOP = 10;
/** Members of each day's ranking read (the busiest): the comparison is among these. */
export const STORY_RANKING_READ = 200;
/** Days before the anomaly's day whose rankings make "usual" (those Redis still holds). */
export const STORY_USUAL_DAYS = 7;

/** The windows a story shows: their starts (ms, ascending), and the anomaly's own window start. */
export interface StorySpan {
  windowMs: number;
  starts: number[];
  anomalyStart: number;
}

/**
 * The span around an anomaly detected at `detectedAt` (the end of its window, ms): up to
 * STORY_WINDOWS_BEFORE windows before it and STORY_WINDOWS_AFTER after (none past `now`), cut so the
 * span covers at most STORY_MAX_MINUTES minutes.
 */
export function storySpan(detectedAt: number, windowMs: number, now: number): StorySpan {
  const anomalyStart = Math.floor((detectedAt - 1) / windowMs) * windowMs;
  const fit = Math.max(1, Math.floor((STORY_MAX_MINUTES * 60_000) / windowMs));
  const after = Math.min(STORY_WINDOWS_AFTER, Math.floor(fit / 4));
  const before = Math.min(STORY_WINDOWS_BEFORE, fit - 1 - after);
  const starts: number[] = [];
  for (let i = -before; i <= after; i++) {
    const start = anomalyStart + i * windowMs;
    if (i > 0 && start >= now) break;
    starts.push(start);
  }
  return { windowMs, starts, anomalyStart };
}

/** The series a story draws: the anomaly's own metric when it is one of Pulse's series, else messages. */
export function storyMetric(details: Record<string, unknown>): SeriesMetric {
  const metric = details.metric;
  return typeof metric === 'string' && (SERIES_METRICS as readonly string[]).includes(metric)
    ? (metric as SeriesMetric)
    : 'messages';
}

/** The minutes (epoch s) a span's windows cover, ascending, at most STORY_MAX_MINUTES. */
export function spanMinutes(span: StorySpan): number[] {
  if (span.starts.length === 0) return [];
  const first = Math.floor(span.starts[0] / 60_000) * 60;
  const end = span.starts[span.starts.length - 1] + span.windowMs;
  const minutes: number[] = [];
  for (let m = first; m * 1000 < end && minutes.length < STORY_MAX_MINUTES; m += 60) minutes.push(m);
  return minutes;
}

const num = (hash: Record<string, string>, field: string) => Number(hash[field] ?? 0) || 0;

/**
 * Each window's value of `metric` from the minute hashes (`minutes`: epoch s → hash; a minute
 * missing or empty is no data). Messages and bytes add up the window's seconds while a minute still
 * holds them (its first 10 minutes), else its whole minutes (a window that is not whole minutes then
 * has no value); error rate is heartbeat errors over heartbeats sent and received; active clients
 * the most any minute saw; latency p95 from the minutes' latency buckets. Null: no data. A window
 * without a minute hash counts 0 messages and bytes while some minute of the span is held (the
 * history reaches back that far: nothing was sent), else it is null (beyond the minutes kept).
 */
export function windowValues(
  span: StorySpan,
  metric: SeriesMetric,
  minutes: ReadonlyMap<number, Record<string, string>>,
): (number | null)[] {
  const held = [...minutes.values()].some((h) => Object.keys(h).length > 0);
  return span.starts.map((start) => {
    const end = start + span.windowMs;
    const hashes: Record<string, string>[] = [];
    let whole = true;
    for (let m = Math.floor(start / 60_000) * 60; m * 1000 < end; m += 60) {
      const hash = minutes.get(m);
      if (hash && Object.keys(hash).length > 0) hashes.push(hash);
      if (m * 1000 < start || (m + 60) * 1000 > end) whole = false;
    }
    if (metric === 'messages' || metric === 'bytes')
      return hashes.length === 0 ? (held ? 0 : null) : countIn(span, start, metric, minutes, whole);
    if (hashes.length === 0) return null;
    if (metric === 'active_clients') return Math.max(...hashes.map((h) => num(h, F.activeClients)));
    if (metric === 'error_rate') {
      const sample = hashes.reduce((n, h) => n + num(h, F.heartbeatSent) + num(h, F.heartbeatReceived), 0);
      return sample > 0 ? hashes.reduce((n, h) => n + num(h, F.heartbeatErrors), 0) / sample : null;
    }
    const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
    for (const h of hashes) for (let i = 0; i < LATENCY_BUCKETS; i++) buckets[i] += num(h, `l:${i}`);
    return buckets.some((b) => b > 0) ? percentile(buckets, 0.95) : null;
  });
}

/** Messages or bytes of one window: by second where the minutes hold seconds, else whole minutes. */
function countIn(
  span: StorySpan,
  start: number,
  metric: 'messages' | 'bytes',
  minutes: ReadonlyMap<number, Record<string, string>>,
  whole: boolean,
): number | null {
  const total = metric === 'messages' ? F.messages : F.bytes;
  const prefix = metric === 'messages' ? 'm' : 'b';
  let sum = 0;
  for (let m = Math.floor(start / 60_000) * 60; m * 1000 < start + span.windowMs; m += 60) {
    const hash = minutes.get(m);
    if (!hash) continue;
    const bySecond = Object.keys(hash).some((f) => f.startsWith(`${prefix}:`));
    if (bySecond) {
      for (let s = 0; s < 60; s++) {
        const at = (m + s) * 1000;
        if (at >= start && at < start + span.windowMs) sum += num(hash, secondField(prefix, s));
      }
    } else if (whole) {
      sum += num(hash, total);
    } else {
      return null;
    }
  }
  return sum;
}

/** One member of a ranking (a subject, a client) on the anomaly's day against its usual rate. */
export interface RankedChange {
  member: string;
  /** Its count on the anomaly's day (so far, when that is today). */
  count: number;
  /** Per second over the part of the day counted. */
  rate: number;
  /** Per second over the earlier days held; null: no earlier day is held. */
  usualRate: number | null;
  /** rate − usualRate (rate when nothing is usual yet). */
  change: number;
}

/**
 * The members whose rate moved most against their usual rate (by |change|, largest first, at most
 * `top`): `day` is the anomaly's day's ranking (member → count) over `daySeconds`, `earlier` the
 * earlier days' rankings held (each a whole day). A member missing from an earlier day's ranking
 * counts 0 that day (beyond the busiest read it is counted as quiet: an estimate, said in the docs).
 * Members with nothing that day and nothing usual are left out.
 */
export function rankChanges(
  day: ReadonlyMap<string, number>,
  daySeconds: number,
  earlier: readonly ReadonlyMap<string, number>[],
  top = STORY_TOP,
): RankedChange[] {
  const usualSeconds = earlier.length * 86_400;
  const members = new Set<string>(day.keys());
  for (const d of earlier) for (const m of d.keys()) members.add(m);
  const rows: RankedChange[] = [];
  for (const member of members) {
    const count = day.get(member) ?? 0;
    const rate = count / Math.max(1, daySeconds);
    const usualRate = usualSeconds === 0 ? null : earlier.reduce((n, d) => n + (d.get(member) ?? 0), 0) / usualSeconds;
    rows.push({ member, count, rate, usualRate, change: rate - (usualRate ?? 0) });
  }
  return rows
    .filter((r) => r.change !== 0 || r.count > 0)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0))
    .slice(0, top);
}

/** A flat ZREVRANGE … WITHSCORES answer as member → score (a Map: members are caller-chosen). */
export function rankingOf(flat: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i], Number(flat[i + 1]) || 0);
  return out;
}
