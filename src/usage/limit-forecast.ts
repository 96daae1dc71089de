// When a limit will be reached (issue #34): analytics' forecast on a tenant's hourly series. Pure: no I/O.
import { forecast, type ForecastPoint, quotaExceededAt } from '../analytics/forecast.js';
import type { LimitForecast } from './usage.types.js';

/** Hours ahead a gauge's forecast looks (a week). */
export const GAUGE_HORIZON_HOURS = 168;
const HOUR_MS = 3_600_000;

/** The start of the UTC hour `nowMs` falls in (ms). */
export const hourStartOf = (nowMs: number): number => Math.floor(nowMs / HOUR_MS) * HOUR_MS;

/** The start of the UTC month after the one `nowMs` falls in (ms). */
export function monthEndOf(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * A gauge's hourly series as the forecast takes it: from the first hour measured on (hours before
 * it are left out: not measured, not zero), an hour not measured in between (null) carried over
 * from the one before (the figure did not go to zero because it was not looked at).
 */
export function gaugeSeries(hours: readonly (number | null)[]): number[] {
  const first = hours.findIndex((v) => v !== null);
  if (first < 0) return [];
  const out: number[] = [];
  let last = 0;
  for (const v of hours.slice(first)) out.push((last = v ?? last));
  return out;
}

/** A counted quantity's hourly series: from the first hour with any on (as analytics' forecast). */
export function countSeries(hours: readonly number[]): number[] {
  const first = hours.findIndex((v) => v > 0);
  return first < 0 ? [] : hours.slice(first);
}

/**
 * When a gauge (connections, subscriptions, JetStream bytes) reaches `max`: `history` holds its
 * value per complete hour (the hour's peak), oldest first, ending with the hour before `nowMs`'s;
 * the forecast's first step is the current hour. `reachedAt` is the start of the first hour whose
 * median forecast reaches the limit, `earliest` that of the 95 % interval's upper bound, `latest`
 * its lower bound, each null when not within GAUGE_HORIZON_HOURS. A limit reached already (`used`
 * at it or above) is reached in the current hour. Null with fewer than 3 hours of history.
 */
export function gaugeForecast(history: number[], used: number, max: number, nowMs: number): LimitForecast | null {
  const fit = forecast(history, GAUGE_HORIZON_HOURS);
  if (!fit) return null;
  const hour = hourStartOf(nowMs);
  const at = (step: number) => new Date(hour + (step - 1) * HOUR_MS).toISOString();
  const first = (reaches: (p: ForecastPoint) => boolean) => {
    if (used >= max) return at(1);
    const p = fit.points.find(reaches);
    return p === undefined ? null : at(p.step);
  };
  return {
    reachedAt: first((p) => p.value >= max),
    earliest: first((p) => p.p95.upper >= max),
    latest: first((p) => p.p95.lower >= max),
    method: fit.method,
    horizonHours: GAUGE_HORIZON_HOURS,
  };
}

/**
 * When a monthly quantity (data, messages) passes its limit this month: `used` so far this month
 * plus the forecast per hour to the month's end (`quotaExceededAt`, the same projection as the
 * analytics quota): `reachedAt` at the median, `earliest` with every hour at its 95 % upper bound,
 * `latest` at its lower bound; null when not before the month ends. `history` holds the hourly
 * amounts, oldest first, ending with the hour before `nowMs`'s; the current hour's forecast counts
 * only the part of it still to come (what came so far is in `used`). Null with fewer than 3 hours.
 */
export function quotaForecast(history: number[], used: number, max: number, nowMs: number): LimitForecast | null {
  const hour = hourStartOf(nowMs);
  const monthEnd = monthEndOf(nowMs);
  const horizon = Math.max(1, Math.ceil((monthEnd - hour) / HOUR_MS));
  const fit = forecast(history, horizon);
  if (!fit) return null;
  const elapsed = (nowMs - hour) / HOUR_MS;
  const left = (v: number, i: number) => (i === 0 ? v * (1 - elapsed) : v);
  const projected = (bound: (p: ForecastPoint) => number) =>
    quotaExceededAt(
      used,
      max,
      fit.points.map((p, i) => left(bound(p), i)),
      hour,
      monthEnd,
    );
  return {
    reachedAt: projected((p) => p.value),
    earliest: projected((p) => p.p95.upper),
    latest: projected((p) => p.p95.lower),
    method: 'quota',
    horizonHours: horizon,
  };
}
