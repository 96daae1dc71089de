import { describe, expect, it } from 'vitest';
import {
  describeSeries,
  initialSeriesState,
  learnWindow,
  scoreWindow,
  type SeriesModelConfig,
  type SeriesState,
  seriesModelConfig,
  signalOf,
  windowTails,
} from './series-model.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 5);

/** Deterministic noise in [-1, 1]. */
function noise(seed = 7) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

/** Runs values (one per window) through the model; returns the signals' kinds per window. */
function run(values: number[], windowMs = MINUTE, sensitivity: 'low' | 'medium' | 'high' = 'medium') {
  const c = seriesModelConfig(windowMs, sensitivity, 30);
  let s: SeriesState = initialSeriesState();
  const signals: (string | null)[] = [];
  values.forEach((v, i) => {
    const at = START + i * windowMs;
    const score = scoreWindow(s, at, v, c);
    const signal = signalOf(score, v, c.openTail);
    signals.push(signal ? `${signal.kind}:${signal.direction}` : null);
    s = learnWindow(s, at, v, c);
  });
  return { signals, state: s };
}

const series = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
/** A daily cycle at 5-minute windows with ±10 % noise. */
const daily = (n: number, scale = 1000, seed = 3) => {
  const r = noise(seed);
  return series(n, (i) => scale * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 288)) * (1 + 0.1 * r()));
};

/** The state after learning `values`, one a window from START. */
function learnt(values: number[], c: SeriesModelConfig): SeriesState {
  return values.reduce((s, v, i) => learnWindow(s, START + i * c.windowMs, v, c), initialSeriesState());
}

/** Paths of the numbers in `o` that are not finite (NaN, ±Infinity; null is what JSON makes of them). */
function nonFinite(o: unknown, path = ''): string[] {
  if (typeof o === 'number') return Number.isFinite(o) ? [] : [`${path}=${o}`];
  if (o === null) return [`${path}=null`];
  if (Array.isArray(o)) return o.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

describe('describeSeries: warm-up left and the normal range of a window', () => {
  const c = seriesModelConfig(MINUTE, 'medium', 10);

  it('a fresh series is warming up, all its warm-up windows ahead, with no range', () => {
    expect(describeSeries(initialSeriesState(), START, c)).toEqual({
      warm: false,
      windowsToWarm: 10,
      expected: null,
      lower: null,
      upper: null,
    });
  });

  it('counts down one window per window with data; zeros before the first traffic do not count', () => {
    const left = [0, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(
      (_, i, all) => describeSeries(learnt(all.slice(0, i + 1), c), START, c).windowsToWarm,
    );
    expect(left).toEqual([10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(describeSeries(learnt([0, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], c), START, c).warm).toBe(true);
  });

  it('a warm model of noisy steady traffic: lower ≤ expected ≤ upper around the level, and the range holds what comes', () => {
    const r = noise(3);
    const values = Array.from({ length: 300 }, () => 1000 * (1 + 0.1 * r()));
    const s = learnt(values.slice(0, 200), c);
    const d = describeSeries(s, START + 200 * MINUTE, c);
    expect(d.warm).toBe(true);
    expect(d.windowsToWarm).toBe(0);
    expect(d.expected!).toBeGreaterThan(950);
    expect(d.expected!).toBeLessThan(1050);
    expect(d.lower!).toBeLessThan(d.expected!);
    expect(d.upper!).toBeGreaterThan(d.expected!);
    // Symmetric around the expected value, the upper edge being the model's own (expected + 3 spreads).
    const score = scoreWindow(s, START + 200 * MINUTE, 0, c);
    expect(d.upper).toBe(score.upper);
    expect(d.expected! - d.lower!).toBeCloseTo(d.upper! - d.expected!, 6);
    // ±10 % noise: the range is tight (within ±20 %) yet holds the next 100 windows but a few.
    expect(d.upper! - d.lower!).toBeLessThan(400);
    const outside = values.slice(200).filter((v) => v < d.lower! || v > d.upper!).length;
    expect(outside).toBeLessThanOrEqual(5);
  });

  it('moves with the hour of day once the daily shape is learnt', () => {
    const c5 = seriesModelConfig(5 * MINUTE, 'medium', 10);
    const perDay = 288;
    const values = Array.from(
      { length: perDay * 4 },
      (_, i) => 1000 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / perDay)),
    );
    const s = learnt(values, c5);
    const at = (slot: number) => START + (perDay * 4 + slot) * 5 * MINUTE;
    const peak = describeSeries(s, at(perDay / 4), c5);
    const trough = describeSeries(s, at((3 * perDay) / 4), c5);
    expect(peak.expected!).toBeGreaterThan(1300);
    expect(trough.expected!).toBeLessThan(700);
    expect(peak.lower!).toBeGreaterThan(trough.upper!);
  });

  it('never below zero for a series never below zero; a signed series may go below', () => {
    const spread = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 0 : 100));
    const counts = describeSeries(learnt([100, ...spread], c), START + 61 * MINUTE, c);
    expect(counts.lower).toBe(0);
    const signed = describeSeries(learnt([100, ...spread.map((v) => v - 60)], c), START + 61 * MINUTE, c);
    expect(signed.lower!).toBeLessThan(0);
    expect(signed.upper!).toBeGreaterThan(signed.expected!);
  });

  it('changes nothing in the state (the job keeps learning from the same one)', () => {
    const s = learnt([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], c);
    const before = JSON.stringify(s);
    describeSeries(s, START + 11 * MINUTE, c);
    expect(JSON.stringify(s)).toBe(before);
  });
});

describe('series model', () => {
  it('stays quiet on noisy steady traffic, and on a daily cycle once it has learnt two days of it', () => {
    const r = noise(11);
    expect(run(series(2000, () => 500 * (1 + 0.2 * r()))).signals.filter(Boolean)).toEqual([]);
    const cycle = run(daily(288 * 7), 5 * MINUTE).signals;
    // While the daily shape is new a false alarm can happen (one here, on day 2); after that none.
    expect(cycle.filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(cycle.slice(288 * 2).filter(Boolean)).toEqual([]);
  });

  it('does not report during warm-up', () => {
    expect(run([10, 10, 10, 10000]).signals.filter(Boolean)).toEqual([]);
  });

  it('finds a spike and a dip on a daily cycle', () => {
    const values = daily(288 * 5);
    values[288 * 4 + 100] *= 4;
    values[288 * 4 + 200] *= 0.1;
    const { signals } = run(values, 5 * MINUTE);
    expect(signals[288 * 4 + 100]).toBe('spike:up');
    expect(signals[288 * 4 + 200]).toBe('dip:down');
  });

  it('finds a sustained shift smaller than any single-window rule would (+40 %)', () => {
    const values = daily(288 * 5, 1000, 5).map((v, i) => (i >= 288 * 4 ? v * 1.4 : v));
    const fired = run(values, 5 * MINUTE).signals.slice(288 * 4, 288 * 4 + 24);
    expect(fired.some((s) => s !== null && s.endsWith(':up'))).toBe(true);
  });

  it('does not depend on the unit: the same series ×1e-6 or ×1e6 gives the same signals', () => {
    const values = daily(288 * 5);
    values[288 * 4 + 50] *= 5;
    values[288 * 4 + 150] *= 0.05;
    const base = run(values, 5 * MINUTE).signals;
    expect(
      run(
        values.map((v) => v * 1e-6),
        5 * MINUTE,
      ).signals,
    ).toEqual(base);
    expect(
      run(
        values.map((v) => v * 1e6),
        5 * MINUTE,
      ).signals,
    ).toEqual(base);
  });

  it('learns that recurring bursts are normal for a bursty series', () => {
    const r = noise(5);
    // A 6× burst every 20 windows, for three days of minute windows.
    const values = series(4320, (i) => (i % 20 === 0 ? 6000 : 1000) * (1 + 0.1 * r()));
    const { signals } = run(values);
    const late = signals.slice(2880).filter(Boolean);
    expect(late.length).toBeLessThanOrEqual(2);
    expect(signals.slice(0, 200).filter(Boolean).length).toBeGreaterThan(0); // the first ones were news
  });

  it('a burst no larger than the series has shown lately is not news; one larger than all of them is', () => {
    const r = noise(23);
    // Three weeks of 5-minute windows with heavy-tailed noise and a 5× burst every 15 windows.
    const values = series(288 * 21, (i) => 100 * Math.exp(0.3 * r()) * (i % 15 === 7 ? 5 : 1));
    const again = 288 * 20 + 7;
    const larger = 288 * 20 + 200;
    values[again] = 520;
    values[larger] = 1200;
    const { signals } = run(values, 5 * MINUTE);
    expect(signals[again]).toBeNull();
    expect(signals[larger]).toBe('spike:up');
    // The larger one is a record: above every residual of the last four weeks.
    const c = seriesModelConfig(5 * MINUTE, 'medium', 30);
    const before = run(values.slice(0, larger), 5 * MINUTE).state;
    const score = scoreWindow(before, START + larger * 5 * MINUTE, values[larger], c);
    expect(score.recordUpTail).toBeLessThan(c.openTail);
    expect(windowTails(score).upTail).toBe(Math.min(score.recordUpTail, 10 * score.upTail));
    const usual = run(values.slice(0, again), 5 * MINUTE).state;
    expect(scoreWindow(usual, START + again * 5 * MINUTE, values[again], c).recordUpTail).toBe(1);
  });

  it('a burst beyond fifteen spreads that does not outgrow the recent largest raises no level shift by itself', () => {
    // Two 8× bursts of four windows, two days apart, on a daily cycle of 5-minute windows: the
    // second is no larger than the first (not a record), so its windows push the CUSUM far without
    // a shift being reported; the first burst is news and reported as a spike.
    const values = daily(288 * 6);
    const at = (day: number) => 288 * day + 150;
    for (const day of [3, 5]) for (let k = 0; k < 4; k++) values[at(day) + k] *= 8;
    const { signals } = run(values, 5 * MINUTE);
    expect(signals[at(3)]).toBe('spike:up');
    expect(signals.slice(at(5), at(5) + 12).filter((s) => s?.startsWith('level_shift'))).toEqual([]);
    // The same windows still count as a burst far outside the normal range.
    const c = seriesModelConfig(5 * MINUTE, 'medium', 30);
    const before = run(values.slice(0, at(5) + 3), 5 * MINUTE).state;
    const score = scoreWindow(before, START + (at(5) + 3) * 5 * MINUTE, values[at(5) + 3], c);
    expect(score.z).toBeGreaterThan(15);
    expect(score.recordUpTail).toBe(1);
    expect(score.shiftTail).toBeLessThan(c.openTail * 0.6);
  });

  it('scores a state stored before records existed (no record memory) without failing', () => {
    const c = seriesModelConfig(5 * MINUTE, 'medium', 30);
    const { state } = run(daily(288 * 2), 5 * MINUTE);
    const { recMax: _max, recMin: _min, recWeek: _week, recN: _n, ...old } = state;
    const at = START + 288 * 2 * 5 * MINUTE;
    expect(scoreWindow(old, at, 5000, c).recordUpTail).toBe(1);
    const next = learnWindow(old, at, 5000, c);
    expect(next.recN?.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('values near the largest double: the scale and every number of the state stay finite (JSON keeps them)', () => {
    const r = noise(29);
    const c = seriesModelConfig(5 * MINUTE, 'medium', 30);
    const s = learnt(
      series(600, () => 1.7e308 * (1 - 0.05 * Math.abs(r()))),
      c,
    );
    expect(nonFinite(s)).toEqual([]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    // The model works: a drop to a tenth is a dip.
    const score = scoreWindow(s, START + 600 * c.windowMs, 1.7e307, c);
    expect(signalOf(score, 1.7e307, c.openTail)?.kind).toBe('dip');
  });

  it("a value beyond the reach of doubles in the series' own scale (1e308 in a series of 0.01) is a spike; the state stays finite", () => {
    const c = seriesModelConfig(5 * MINUTE, 'medium', 30);
    const values = daily(1200, 0.01);
    values[1000] = 1e308;
    values[1001] = -1e308;
    let s = initialSeriesState();
    const signals: (string | null)[] = [];
    values.forEach((v, i) => {
      const at = START + i * c.windowMs;
      const signal = signalOf(scoreWindow(s, at, v, c), v, c.openTail);
      signals.push(signal ? `${signal.kind}:${signal.direction}` : null);
      s = learnWindow(s, at, v, c);
      expect(nonFinite(s), `window ${i}`).toEqual([]);
    });
    expect(signals[1000]).toBe('spike:up');
    expect(signals[1001]).toBe('dip:down');
    // A state stored while the scale had overflowed (JSON wrote it as null) starts again.
    const dead = { ...s, scale: null as unknown as number };
    expect(scoreWindow(dead, START, 1, c)).toMatchObject({ z: 0, warm: false });
    expect(learnWindow(dead, START, 1, c)).toMatchObject({ scale: 0, n: 0, boot: [[START, 1]] });
  });

  it('a series that has been zero since it was first seen has not started', () => {
    const { state } = run([0, 0, 0, 0, 0]);
    expect(state.n).toBe(0);
    expect(state.boot).toEqual([]);
  });

  it('keeps bounded state whatever the length of the series', () => {
    const month = JSON.stringify(run(daily(20_000), 5 * MINUTE).state).length;
    const year = JSON.stringify(run(daily(100_000), 5 * MINUTE).state).length;
    expect(year).toBeLessThan(month * 1.2);
    expect(year).toBeLessThan(12_000);
  });

  it('sensitivity orders the number of signals: low ≤ medium ≤ high', () => {
    const r = noise(17);
    const values = series(3000, () => 100 * Math.exp(0.6 * r()));
    const count = (s: 'low' | 'medium' | 'high') => run(values, MINUTE, s).signals.filter(Boolean).length;
    expect(count('low')).toBeLessThanOrEqual(count('medium'));
    expect(count('medium')).toBeLessThanOrEqual(count('high'));
  });
});
