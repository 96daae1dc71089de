import { describe, expect, it } from 'vitest';
import {
  countSeries,
  GAUGE_HORIZON_HOURS,
  gaugeForecast,
  gaugeSeries,
  hourStartOf,
  monthEndOf,
  quotaForecast,
} from './limit-forecast.js';

const HOUR = 3_600_000;
/** 10:20 UTC on 10 December 2026. */
const NOW = Date.UTC(2026, 11, 10, 10, 20);
const at = (hoursFromThisHour: number) => new Date(hourStartOf(NOW) + hoursFromThisHour * HOUR).toISOString();

describe('limit forecasts', () => {
  it('series: a gauge from its first measured hour, gaps carried over; a count from its first hour with any', () => {
    expect(gaugeSeries([null, null, 3, null, 5, 0])).toEqual([3, 3, 5, 0]);
    expect(gaugeSeries([null, null])).toEqual([]);
    expect(countSeries([0, 0, 4, 0, 6])).toEqual([4, 0, 6]);
    expect(countSeries([0, 0])).toEqual([]);
  });

  it('a gauge rising one a hour reaches its limit at the start of the hour the median says', () => {
    // 30 hours rising from 1 to 30 (connections): the current hour is forecast at 31, so 42 at the
    // 12th step, which starts 11 hours from this one. A straight line: no spread, one date.
    const f = gaugeForecast(
      Array.from({ length: 30 }, (_, i) => i + 1),
      30,
      42,
      NOW,
    )!;
    expect(f).toEqual({ reachedAt: at(11), earliest: at(11), latest: at(11), method: 'holt', horizonHours: 168 });
  });

  it('with noise the 95 % interval brackets the median date: upper bound first, lower bound last', () => {
    const history = Array.from({ length: 72 }, (_, i) => 100 + i + (i % 5) * 6 - ((i * 7) % 11));
    const f = gaugeForecast(history, history[71], 220, NOW)!;
    expect(f.method).toBe('holt_winters');
    expect(f.horizonHours).toBe(GAUGE_HORIZON_HOURS);
    expect(f.reachedAt).not.toBeNull();
    expect(Date.parse(f.earliest!)).toBeLessThan(Date.parse(f.reachedAt!));
    if (f.latest !== null) expect(Date.parse(f.latest)).toBeGreaterThan(Date.parse(f.reachedAt!));
    for (const d of [f.reachedAt, f.earliest, f.latest]) if (d) expect(Date.parse(d) % HOUR).toBe(0);
  });

  it('a flat gauge far below its limit never reaches it within the week', () => {
    const f = gaugeForecast(Array<number>(72).fill(10), 10, 100, NOW)!;
    expect(f).toMatchObject({ reachedAt: null, earliest: null, latest: null });
  });

  it('a gauge at its limit already is reached in the current hour', () => {
    const f = gaugeForecast([5, 5, 5, 5], 5, 5, NOW)!;
    expect(f).toMatchObject({ reachedAt: at(0), earliest: at(0), latest: at(0), method: 'holt' });
  });

  it('fewer than 3 hours: no forecast', () => {
    expect(gaugeForecast([1, 2], 2, 10, NOW)).toBeNull();
    expect(quotaForecast([100, 100], 200, 1000, NOW)).toBeNull();
  });

  it('a monthly quota: used so far plus the hourly forecast to the month end (at the median, upper and lower bounds)', () => {
    // 1,000 messages every hour; 50,000 used on the 10th at 10:20, a quota of 100,000: 50,000
    // more take 50 hours, the current hour counting its 40 minutes left (667).
    const f = quotaForecast(Array<number>(72).fill(1000), 50_000, 100_000, NOW)!;
    expect(f.method).toBe('quota');
    expect(f.horizonHours).toBe((monthEndOf(NOW) - hourStartOf(NOW)) / HOUR);
    expect(f.reachedAt).toBe(at(51));
    expect(f.earliest).toBe(at(51)); // a flat history: no spread
    expect(f.latest).toBe(at(51));
  });

  it('a quota not reached before the month ends is null; one passed already is the current hour', () => {
    expect(quotaForecast(Array<number>(72).fill(10), 50_000, 100_000, NOW)!.reachedAt).toBeNull();
    expect(quotaForecast(Array<number>(72).fill(10), 100_001, 100_000, NOW)!.reachedAt).toBe(at(0));
  });

  it('month ends: the first instant of the next month, across a year', () => {
    expect(new Date(monthEndOf(NOW)).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(new Date(monthEndOf(Date.UTC(2026, 1, 28, 23))).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});
