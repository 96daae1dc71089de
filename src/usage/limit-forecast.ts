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
 * A forecast fitted on a series, kept for the hour (the fit, analytics' grid search, costs 15-55
 * ms; applying the use now and the limit to it next to nothing): per step from the current hour,
 * the median and the 95 % interval's bounds. 8 bytes a number: at most 744 steps (a month) × 3.
 */
export interface FittedForecast {
  method: 'holt_winters' | 'holt';
  value: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
}

function fitted(history: number[], horizon: number): FittedForecast | null {
  const fit = forecast(history, horizon);
  if (!fit) return null;
  const column = (of: (p: ForecastPoint) => number) => Float64Array.from(fit.points, of);
  return {
    method: fit.method,
    value: column((p) => p.value),
    upper: column((p) => p.p95.upper),
    lower: column((p) => p.p95.lower),
  };
}

/** A gauge's fit (GAUGE_HORIZON_HOURS ahead); null with fewer than 3 hours of history. */
export function fitGauge(history: number[]): FittedForecast | null {
  return fitted(history, GAUGE_HORIZON_HOURS);
}

/** A monthly quantity's fit: every hour from `nowMs`'s to the month's end; null with fewer than 3 hours. */
export function fitQuota(history: number[], nowMs: number): FittedForecast | null {
  return fitted(history, quotaHorizonOf(nowMs));
}

function quotaHorizonOf(nowMs: number): number {
  return Math.max(1, Math.ceil((monthEndOf(nowMs) - hourStartOf(nowMs)) / HOUR_MS));
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
  return gaugeReach(fitGauge(history), used, max, nowMs);
}

/**
 * gaugeForecast from a fit of the hour (`fitGauge`), each step's figures times `scale` (a share of
 * a series fitted whole: JetStream memory or storage of the bytes together).
 */
export function gaugeReach(
  fit: FittedForecast | null,
  used: number,
  max: number,
  nowMs: number,
  scale = 1,
): LimitForecast | null {
  if (!fit) return null;
  const hour = hourStartOf(nowMs);
  const at = (index: number) => new Date(hour + index * HOUR_MS).toISOString();
  const first = (column: Float64Array) => {
    if (used >= max) return at(0);
    const i = column.findIndex((v) => v * scale >= max);
    return i < 0 ? null : at(i);
  };
  return {
    reachedAt: first(fit.value),
    earliest: first(fit.upper),
    latest: first(fit.lower),
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
  return quotaReach(fitQuota(history, nowMs), used, max, nowMs);
}

/** quotaForecast from a fit of the hour (`fitQuota` in the same hour). */
export function quotaReach(fit: FittedForecast | null, used: number, max: number, nowMs: number): LimitForecast | null {
  if (!fit) return null;
  const hour = hourStartOf(nowMs);
  const monthEnd = monthEndOf(nowMs);
  const elapsed = (nowMs - hour) / HOUR_MS;
  const projected = (column: Float64Array) =>
    quotaExceededAt(
      used,
      max,
      Array.from(column, (v, i) => (i === 0 ? v * (1 - elapsed) : v)),
      hour,
      monthEnd,
    );
  return {
    reachedAt: projected(fit.value),
    earliest: projected(fit.upper),
    latest: projected(fit.lower),
    method: 'quota',
    horizonHours: quotaHorizonOf(nowMs),
  };
}
