/**
 * Traffic forecasts: Holt-Winters (additive, daily season of 24 hourly points) once two days of
 * history exist, Holt's linear trend before. Smoothing parameters are chosen by a small grid search
 * on one-step-ahead errors. Pure functions; back-tested in forecast.spec.ts.
 */
export const SEASON = 24;
const Z95 = 1.96;
const GRID = [0.1, 0.3, 0.5, 0.8];
const TREND_GRID = [0.01, 0.05, 0.2];
const SEASON_GRID = [0.05, 0.2, 0.5];

export interface ForecastPoint {
  step: number;
  value: number;
  lower: number;
  upper: number;
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
}

function holtFit(y: number[], alpha: number, beta: number): Fit {
  let level = y[0];
  let trend = y.length > 1 ? y[1] - y[0] : 0;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const prediction = level + trend;
    sse += (y[t] - prediction) ** 2;
    const previousLevel = level;
    level = alpha * y[t] + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
  }
  return { sse, n: y.length - 1, predict: (h) => level + h * trend };
}

function holtWintersFit(y: number[], alpha: number, beta: number, gamma: number): Fit {
  const m = SEASON;
  const mean = (from: number) => y.slice(from, from + m).reduce((a, b) => a + b, 0) / m;
  let level = mean(0);
  let trend = (mean(m) - mean(0)) / m;
  const season = y.slice(0, m).map((v) => v - level);
  let sse = 0;
  let n = 0;
  for (let t = m; t < y.length; t++) {
    const s = season[t % m];
    const prediction = level + trend + s;
    sse += (y[t] - prediction) ** 2;
    n++;
    const previousLevel = level;
    level = alpha * (y[t] - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
    season[t % m] = gamma * (y[t] - level) + (1 - gamma) * s;
  }
  const end = y.length;
  return { sse, n, predict: (h) => level + h * trend + season[(end + h - 1) % m] };
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
    // The interval widens with the horizon (errors of a random walk add up).
    const spread = Z95 * rmse * Math.sqrt(step);
    return { step, value: round(value), lower: round(Math.max(0, value - spread)), upper: round(value + spread) };
  });
  return { method: seasonal ? 'holt_winters' : 'holt', points, rmse: round(rmse) };
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
 * When a monthly quota will be exceeded: `used` so far this month plus the forecast per hour
 * from now on; null when the forecast stays under the quota until the month ends.
 */
export function quotaExceededAt(used: number, quota: number, hourlyForecast: number[], fromHourMs: number, monthEndMs: number): string | null {
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
