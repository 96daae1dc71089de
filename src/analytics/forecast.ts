/**
 * Traffic forecasts: Holt-Winters (additive, daily season of 24 hourly points) once two days of
 * history exist, Holt's linear trend before. Smoothing parameters are chosen by a small grid search
 * on one-step-ahead errors. Pure functions; back-tested in forecast.spec.ts.
 */
export const SEASON = 24;
const Z80 = 1.2816;
const Z95 = 1.96;
/** Horizons whose errors are measured on the history (the forecast's first day). */
const MEASURED_HORIZONS = 24;
/** Errors at a horizon needed before their quantiles replace the normal approximation. */
const MIN_ERRORS = 20;
const GRID = [0.1, 0.3, 0.5, 0.8];
const TREND_GRID = [0.01, 0.05, 0.2];
const SEASON_GRID = [0.05, 0.2, 0.5];

export interface Interval {
  lower: number;
  upper: number;
}

export interface ForecastPoint {
  step: number;
  value: number;
  /** 95 % interval (the same as p95; kept for callers of the first version). */
  lower: number;
  upper: number;
  p80: Interval;
  p95: Interval;
}

export interface Forecast {
  method: 'holt_winters' | 'holt';
  points: ForecastPoint[];
  /** Root mean square of the one-step-ahead errors on the history. */
  rmse: number;
}

interface Fit {
  sse: number;
  n: number;
  predict: (h: number) => number;
  /** Absolute errors of h-step-ahead forecasts made along the history, per horizon h (index h−1). */
  errors: number[][];
}

/**
 * Records, along the fit, the forecasts made at each step for the next MEASURED_HORIZONS steps,
 * and their absolute errors once the actual values arrive: the intervals come from what the
 * model's errors at each horizon really were, not from an assumption about how they grow.
 */
function horizonErrors() {
  const errors: number[][] = Array.from({ length: MEASURED_HORIZONS }, () => []);
  const pending = new Map<number, number[]>(); // target index → forecasts made for it, by horizon
  return {
    errors,
    forecastFrom(t: number, predict: (h: number) => number) {
      for (let h = 1; h <= MEASURED_HORIZONS; h++) {
        const row = pending.get(t + h) ?? [];
        row[h - 1] = predict(h);
        pending.set(t + h, row);
      }
    },
    observe(t: number, actual: number) {
      const row = pending.get(t);
      if (!row) return;
      row.forEach((predicted, i) => predicted !== undefined && errors[i].push(Math.abs(actual - predicted)));
      pending.delete(t);
    },
  };
}

function holtFit(y: number[], alpha: number, beta: number): Fit {
  let level = y[0];
  let trend = y.length > 1 ? y[1] - y[0] : 0;
  let sse = 0;
  const measured = horizonErrors();
  for (let t = 1; t < y.length; t++) {
    measured.observe(t, y[t]);
    const prediction = level + trend;
    sse += (y[t] - prediction) ** 2;
    const previousLevel = level;
    level = alpha * y[t] + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
    const [l, b] = [level, trend];
    measured.forecastFrom(t, (h) => l + h * b);
  }
  return { sse, n: y.length - 1, predict: (h) => level + h * trend, errors: measured.errors };
}

function holtWintersFit(y: number[], alpha: number, beta: number, gamma: number): Fit {
  const m = SEASON;
  const mean = (from: number) => y.slice(from, from + m).reduce((a, b) => a + b, 0) / m;
  let level = mean(0);
  let trend = (mean(m) - mean(0)) / m;
  const season = y.slice(0, m).map((v) => v - level);
  let sse = 0;
  let n = 0;
  const measured = horizonErrors();
  for (let t = m; t < y.length; t++) {
    measured.observe(t, y[t]);
    const s = season[t % m];
    const prediction = level + trend + s;
    sse += (y[t] - prediction) ** 2;
    n++;
    const previousLevel = level;
    level = alpha * (y[t] - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
    season[t % m] = gamma * (y[t] - level) + (1 - gamma) * s;
    const [l, b, snapshot] = [level, trend, [...season]];
    measured.forecastFrom(t, (h) => l + h * b + snapshot[(t + h) % m]);
  }
  const end = y.length;
  return { sse, n, predict: (h) => level + h * trend + season[(end + h - 1) % m], errors: measured.errors };
}

/**
 * Forecasts `horizon` steps after the last value of `history` (hourly counts, oldest first), or
 * null with fewer than 3 points. Values and interval bounds never go below zero.
 */
export function forecast(history: number[], horizon: number): Forecast | null {
  if (history.length < 3) return null;
  const seasonal = history.length >= 2 * SEASON;
  let best: Fit | null = null;
  for (const alpha of GRID) {
    for (const beta of TREND_GRID) {
      if (seasonal) {
        for (const gamma of SEASON_GRID) {
          const fit = holtWintersFit(history, alpha, beta, gamma);
          if (!best || fit.sse < best.sse) best = fit;
        }
      } else {
        const fit = holtFit(history, alpha, beta);
        if (!best || fit.sse < best.sse) best = fit;
      }
    }
  }
  const fit = best!;
  const rmse = Math.sqrt(fit.sse / Math.max(1, fit.n));
  const points = Array.from({ length: horizon }, (_, i) => {
    const step = i + 1;
    const value = Math.max(0, fit.predict(step));
    const [half80, half95] = halfWidths(fit, rmse, step);
    const p80 = { lower: round(Math.max(0, value - half80)), upper: round(value + half80) };
    const p95 = { lower: round(Math.max(0, value - half95)), upper: round(value + half95) };
    return { step, value: round(value), lower: p95.lower, upper: p95.upper, p80, p95 };
  });
  return { method: seasonal ? 'holt_winters' : 'holt', points, rmse: round(rmse) };
}

/**
 * Half-widths of the 80 % and 95 % intervals at `step`: the quantiles of the absolute errors the
 * model made at that horizon along the history, once there are enough of them; before that (and
 * beyond the measured horizons, scaled from the last one) the normal approximation of a random
 * walk, rmse·√step.
 */
function halfWidths(fit: Fit, rmse: number, step: number): [number, number] {
  const h = Math.min(step, MEASURED_HORIZONS);
  const errors = fit.errors[h - 1];
  if (errors.length < MIN_ERRORS) return [Z80 * rmse * Math.sqrt(step), Z95 * rmse * Math.sqrt(step)];
  const sorted = [...errors].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const widen = Math.sqrt(step / h);
  return [q(0.8) * widen, q(0.95) * widen];
}

/** Mean absolute percentage error of a forecast against what happened (zeros skipped). */
export function mape(actual: number[], predicted: number[]): number {
  let sum = 0;
  let n = 0;
  actual.forEach((a, i) => {
    if (a !== 0) {
      sum += Math.abs((a - predicted[i]) / a);
      n++;
    }
  });
  return n ? sum / n : 0;
}

/**
 * When a monthly quota will be exceeded (give the median forecast, or the upper bounds for the
 * pessimistic date): `used` so far this month plus the forecast per hour
 * from now on; null when the forecast stays under the quota until the month ends.
 */
export function quotaExceededAt(
  used: number,
  quota: number,
  hourlyForecast: number[],
  fromHourMs: number,
  monthEndMs: number,
): string | null {
  if (used > quota) return new Date(fromHourMs).toISOString();
  let total = used;
  for (let h = 0; h < hourlyForecast.length; h++) {
    const at = fromHourMs + h * 3_600_000;
    if (at >= monthEndMs) return null;
    total += hourlyForecast[h];
    if (total > quota) return new Date(at + 3_600_000).toISOString();
  }
  return null;
}

function round(v: number): number {
  return Number(v.toFixed(2));
}
