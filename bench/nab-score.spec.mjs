import { describe, expect, it } from 'vitest';
import {
  detectedRows,
  NAB_PROFILES,
  normalise,
  probationLength,
  rowWeights,
  scaledSigmoid,
  scoreFile,
  sumScores,
  windowSpans,
} from './nab-score.mjs';

// 40 rows at t = 0..39; the first 6 (15 %) are probationary; one window over rows 20..29 (width 10).
const TIMES = Array.from({ length: 40 }, (_, i) => i);
const WINDOW = [[20, 29]];
const at = (...rows) => TIMES.map((_, i) => rows.includes(i));
const std = (detected, windows = WINDOW, times = TIMES) => scoreFile(times, windows, detected, NAB_PROFILES.standard);
const nab = (f) => normalise(f.raw, f.nullRaw, f.perfect);
// By hand: 2·sigmoid(5y) − 1 = tanh(5y/2), so a detection at position p in a window is worth
// tanh(−5p/2) / tanh(5/2), and a false positive d windows (of width − 1 rows) after one −0.11·tanh(5d/2).
const TOP = Math.tanh(2.5);

describe("NAB's scoring rule (bench/nab-score.mjs)", () => {
  it('the null detector scores 0 and a detection on the first row of every window 100', () => {
    const none = std(at());
    expect(none).toMatchObject({ raw: -1, nullRaw: -1, perfect: 1, detectedWindows: 0, fpRows: 0 });
    expect(nab(none)).toBe(0);
    const perfect = std(at(20));
    expect(perfect.raw).toBeCloseTo(1, 12);
    expect(nab(perfect)).toBeCloseTo(100, 10);
  });

  it('a detection half-way into the window is worth tanh(1.25)/tanh(2.5); only the earliest one counts', () => {
    // Row 25: position −(29 − 25 + 1)/10 = −0.5.
    const half = std(at(25));
    expect(half.raw).toBeCloseTo(Math.tanh(1.25) / TOP, 12); // 0.85979
    expect(nab(half)).toBeCloseTo((100 * (1 + Math.tanh(1.25) / TOP)) / 2, 10); // 92.99
    // Rows 21 and 25: the earlier one (position −0.9) is the window's score, the later adds nothing.
    const two = std(at(21, 25, 28));
    expect(two.raw).toBeCloseTo(Math.tanh(2.25) / TOP, 12);
    expect(two).toMatchObject({ detectedWindows: 1, fpRows: 0 });
    // The last row of the window still counts (position −0.1), however little.
    expect(std(at(29)).raw).toBeCloseTo(Math.tanh(0.25) / TOP, 12);
  });

  it('a false positive after a window costs by its distance in window widths; with none before, the full A_FP', () => {
    // Row 34: (34 − 29) / (10 − 1) = 5/9 of a window after it.
    const after = std(at(20, 34));
    expect(after.raw).toBeCloseTo(1 - 0.11 * Math.tanh((5 * 5) / 9 / 2), 12); // 1 − 0.0971
    expect(after.fpRows).toBe(1);
    expect(nab(after)).toBeCloseTo(95.14, 2);
    // Just after the window it is almost free: 1/9 of a window.
    expect(std(at(20, 30)).raw).toBeCloseTo(1 - 0.11 * Math.tanh(5 / 18), 12);
    // Before any window: −A_FP, whatever the distance to the window that follows.
    const before = std(at(10));
    expect(before.raw).toBeCloseTo(-1 - 0.11, 12);
    expect(nab(before)).toBeCloseTo(-5.5, 10);
    // Every detected row counts, not one per excursion.
    expect(std(at(10, 11, 12)).raw).toBeCloseTo(-1 - 3 * 0.11, 12);
    // More than 3 widths after a window: −A_FP. A 100-row file, window on rows 20..29, detection at row 60.
    const long = Array.from({ length: 100 }, (_, i) => i);
    expect(scaledSigmoid(31 / 9)).toBe(-1);
    expect(
      std(
        long.map((i) => i === 20 || i === 60),
        WINDOW,
        long,
      ).raw,
    ).toBeCloseTo(1 - 0.11, 12);
  });

  it('a missed window costs A_FN: 1 in the standard profile, 2 when false negatives weigh double', () => {
    expect(std(at(34)).raw).toBeCloseTo(-1 - 0.11 * Math.tanh(25 / 18), 12);
    const lowFn = scoreFile(TIMES, WINDOW, at(), NAB_PROFILES.reward_low_FN_rate);
    expect(lowFn).toMatchObject({ raw: -2, nullRaw: -2, perfect: 1 });
    const lowFp = scoreFile(TIMES, WINDOW, at(10), NAB_PROFILES.reward_low_FP_rate);
    expect(lowFp.raw).toBeCloseTo(-1.22, 12);
  });

  it('the probationary period (15 % of rows, at most 750) is not scored', () => {
    expect(probationLength(40)).toBe(6);
    expect(probationLength(4000)).toBe(600);
    expect(probationLength(22_000)).toBe(750);
    // A detection on row 3 counts for nothing; a window wholly inside the period is not scored,
    // but NAB's perfect score still counts it.
    const early = std(at(2, 3), [
      [1, 4],
      [20, 29],
    ]);
    expect(early).toMatchObject({ raw: -1, nullRaw: -1, perfect: 2, windows: 2, scoredWindows: 1, fpRows: 0 });
  });

  it('sums files as NAB does; a corpus without windows has no normalised score', () => {
    const total = sumScores([std(at(20)), std(at())]);
    expect(total).toMatchObject({ raw: 0, nullRaw: -2, perfect: 2, detectedWindows: 1 });
    expect(total.score).toBeCloseTo(50, 10);
    expect(sumScores([std(at(10), [])]).score).toBeNull();
  });

  it('maps windows to rows, and detection times to rows (first of a repeated timestamp)', () => {
    const times = [0, 10, 20, 20, 30, 40];
    expect(windowSpans(times, [[20, 20]])).toEqual([{ start: 2, end: 2 }]);
    expect(windowSpans(times, [[5, 35]])).toEqual([{ start: 1, end: 4 }]);
    expect(() => windowSpans(times, [[11, 19]])).toThrow(/holds no row/);
    expect(() =>
      windowSpans(times, [
        [0, 20],
        [20, 40],
      ]),
    ).toThrow(/overlaps/);
    expect(detectedRows(times, [20, 40, 99])).toEqual([false, false, true, false, false, true]);
    const { weight, window } = rowWeights(TIMES, WINDOW);
    expect(window[19]).toBe(-1);
    expect(window[20]).toBe(0);
    expect(weight[20]).toBeCloseTo(1, 12);
    expect(weight[19]).toBeCloseTo(-0.11, 12);
  });
});
