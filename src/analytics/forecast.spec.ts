import { describe, expect, it } from 'vitest';
import { forecast, mape, quotaExceededAt, SEASON } from './forecast.js';

function noise(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

/** Hourly traffic: a daily cycle (low at night), a slow trend, ±10 % noise. */
function seasonal(days: number, seed = 3): number[] {
  const r = noise(seed);
  return Array.from({ length: days * SEASON }, (_, h) => {
    const daily = 1000 + 600 * Math.sin((2 * Math.PI * ((h % SEASON) - 6)) / SEASON);
    const trend = 1 + h / (days * SEASON * 4);
    return Math.round(daily * trend * (1 + 0.1 * r()));
  });
}

describe('forecast', () => {
  it('back-test: Holt-Winters on 9 days of seasonal traffic predicts the 10th within 10 % (MAPE)', () => {
    const series = seasonal(10);
    const train = series.slice(0, 9 * SEASON);
    const actual = series.slice(9 * SEASON);
    const f = forecast(train, SEASON)!;
    expect(f.method).toBe('holt_winters');
    const error = mape(
      actual,
      f.points.map((p) => p.value),
    );
    console.log(`Holt-Winters back-test, 9 days → next 24 h: MAPE ${(error * 100).toFixed(1)} %, RMSE ${f.rmse}`);
    expect(error).toBeLessThan(0.1);
    // Most actual values fall inside the 95 % interval.
    const inside = actual.filter((a, i) => a >= f.points[i].lower && a <= f.points[i].upper).length;
    expect(inside / actual.length).toBeGreaterThan(0.8);
  });

  it('back-test over several seeds and lengths', () => {
    const errors: number[] = [];
    for (const seed of [1, 2, 5, 8, 13]) {
      for (const days of [3, 5, 14]) {
        const s = seasonal(days + 1, seed);
        const f = forecast(s.slice(0, days * SEASON), SEASON)!;
        errors.push(
          mape(
            s.slice(days * SEASON),
            f.points.map((p) => p.value),
          ),
        );
      }
    }
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    console.log(
      `Holt-Winters back-test, 15 series: mean MAPE ${(mean * 100).toFixed(1)} %, worst ${(Math.max(...errors) * 100).toFixed(1)} %`,
    );
    expect(mean).toBeLessThan(0.12);
  });

  it('80 % and 95 % intervals: nested, and covering what happened about as often as they say (30 back-tests)', () => {
    let in80 = 0;
    let in95 = 0;
    let n = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const s = seasonal(15, seed);
      const f = forecast(s.slice(0, 14 * SEASON), SEASON)!;
      s.slice(14 * SEASON).forEach((actual, i) => {
        const p = f.points[i];
        expect(p.p95.lower).toBeLessThanOrEqual(p.p80.lower);
        expect(p.p80.lower).toBeLessThanOrEqual(p.value);
        expect(p.value).toBeLessThanOrEqual(p.p80.upper);
        expect(p.p80.upper).toBeLessThanOrEqual(p.p95.upper);
        in80 += actual >= p.p80.lower && actual <= p.p80.upper ? 1 : 0;
        in95 += actual >= p.p95.lower && actual <= p.p95.upper ? 1 : 0;
        n++;
      });
    }
    console.log(
      `interval coverage over ${n} forecast hours: 80 % → ${((100 * in80) / n).toFixed(1)} %, 95 % → ${((100 * in95) / n).toFixed(1)} %`,
    );
    expect(in80 / n).toBeGreaterThan(0.7);
    expect(in80 / n).toBeLessThan(0.92);
    expect(in95 / n).toBeGreaterThan(0.9);
  });

  it("uses Holt's linear trend with less than two days and follows a trend", () => {
    const linear = Array.from({ length: 30 }, (_, i) => 100 + 10 * i);
    const f = forecast(linear, 5)!;
    expect(f.method).toBe('holt');
    expect(f.points[0].value).toBeCloseTo(400, -1);
    expect(f.points[4].value).toBeCloseTo(440, -1);
  });

  it('never forecasts below zero; needs 3 points', () => {
    expect(forecast([5, 1], 3)).toBeNull();
    const falling = forecast([100, 60, 30, 10, 2], 10)!;
    expect(falling.points.every((p) => p.value >= 0 && p.lower >= 0)).toBe(true);
  });

  it('quota: the hour in which the forecast total passes it, or null within the month', () => {
    const from = Date.UTC(2026, 10, 28, 18);
    const end = Date.UTC(2026, 11, 1);
    expect(quotaExceededAt(900, 1000, [50, 50, 50], from, end)).toBe(new Date(from + 3 * 3_600_000).toISOString());
    expect(quotaExceededAt(100, 1000, [1, 1, 1], from, end)).toBeNull();
    expect(quotaExceededAt(1200, 1000, [], from, end)).toBe(new Date(from).toISOString());
    expect(quotaExceededAt(0, 10, Array(200).fill(1), from, Date.UTC(2026, 10, 28, 20))).toBeNull();
  });

  it('quota: the pessimistic bound (upper 95 %) is never later than the median projection', () => {
    const f = forecast(seasonal(7), 24 * 10)!;
    const from = Date.UTC(2026, 10, 1);
    const end = Date.UTC(2026, 11, 1);
    const median = quotaExceededAt(
      0,
      150_000,
      f.points.map((p) => p.value),
      from,
      end,
    )!;
    const pessimistic = quotaExceededAt(
      0,
      150_000,
      f.points.map((p) => p.p95.upper),
      from,
      end,
    )!;
    expect(median).not.toBeNull();
    expect(Date.parse(pessimistic)).toBeLessThan(Date.parse(median));
  });
});
