import type { Sensitivity } from '../config/detector-config.js';

/**
 * The statistical detector: one online model per tenant series (messages or bytes per window,
 * error rate, active clients, latency p95, later user-defined metrics). Pure functions over a
 * small JSON state, so the scheduled job, the backtest and `detect-series` run the same code.
 *
 * Per window the model
 * 1. predicts the value from a level and an hour-of-day seasonal offset, each learnt online with
 *    Huber-clipped updates (an outlier moves them by at most three spreads);
 * 2. standardises the residual by a robust spread (mean absolute residual, per hour of day and
 *    overall), so nothing depends on the series' unit or magnitude;
 * 3. scores two questions separately: is this window a spike or a dip — a record (a residual beyond
 *    every residual of the last four weeks) or a |z| far rarer than the threshold — and has the level
 *    moved (a two-sided CUSUM of clipped z: persistent small deviations add up, one spike does not);
 * 4. calibrates each score into a tail probability against the series' own history of that score
 *    (a decaying histogram, 48 bins), blended with a Laplace prior while history is short. This is
 *    the idea of Numenta's "anomaly likelihood": a series that bursts every hour learns that bursts
 *    are normal, a flat one that any burst is not, and one threshold serves both.
 *
 * Memory is bounded (about 390 numbers a series) and a window costs O(bins).
 */

export type SeriesKind = 'spike' | 'dip' | 'level_shift';

export interface SeriesModelConfig {
  /** Window length (ms): sets the learning rates in time, not in windows. */
  windowMs: number;
  /** Windows before the model may report (≤ 30). */
  warmupWindows: number;
  /** A window opens an anomaly when its calibrated tail probability is below this. */
  openTail: number;
  /** An open anomaly stays active while the tail stays below this. */
  keepTail: number;
  /** Effective memory of the calibration histograms, in windows. */
  horizonWindows: number;
  /**
   * The series' measurement resolution in its own unit (1 for counts, 1 ms for bucketed latency):
   * the spread is never below it. 0 when the unit is unknown (the CSV contract).
   */
  resolution: number;
}

/** Tail probabilities per sensitivity, for 5-minute windows: the only knob a tenant turns. */
export const SENSITIVITY_TAILS: Record<Sensitivity, { openTail: number; keepTail: number }> = {
  low: { openTail: 4e-4, keepTail: 1e-2 },
  medium: { openTail: 1.45e-3, keepTail: 2.9e-2 },
  high: { openTail: 4e-3, keepTail: 6e-2 },
};

const DAY_MS = 86_400_000;
const REFERENCE_WINDOW_MS = 300_000;
/** Half-hour slots: fine enough for a daily shape, coarse enough to learn in a day or two. */
const SLOTS = 48;
const BINS = 48;
const BIN_WIDTH = 0.15;
/** Weight of the prior against the calibration histogram (windows' worth). */
const PRIOR_WEIGHT = 40;
/** CUSUM slack in robust spreads: deviations smaller than this never add up to a shift. */
const CUSUM_SLACK = 2;
const CUSUM_CLIP = 4;
const SHIFT_THRESHOLD_FACTOR = 0.6;
/** Share of the spike and dip scores above which the tail is fitted (peaks over threshold). */
const POT_FRACTION = 0.05;
/** The factor model predicts while the level is this many spreads above zero. */
const FACTOR_MIN_LEVEL = 10;
const USUAL_OUTLIER_Z = 15;
const USUAL_OUTLIER_TAIL = 0.02;
/**
 * A single window's spike (dip) that is not a record needs a tail this many times smaller than the
 * threshold: a burst no larger than ones the series has shown lately is rarely news (NAB's tweets).
 * Dips are bounded by zero and rarer in bursty series: a smaller weight keeps a drop to a tenth found.
 */
const SPIKE_TAIL_WEIGHT = 10;
const DIP_TAIL_WEIGHT = 3;
/** Records: the extreme residuals of the last RECORD_BLOCKS weeks, kept per week. */
const RECORD_BLOCKS = 4;
const WEEK_MS = 7 * DAY_MS;
/** A record must also be a clear outlier, not the top of a quiet series' noise, */
const RECORD_MIN_Z = 3;
/** and beat the previous extreme by a margin (a near tie is the same event again, not a new one). */
const RECORD_MARGIN = 1.1;
const HUBER = 3;
/** The spread is at least this fraction of the series' mean magnitude (a flat series is not infinitely sensitive). */
const SPREAD_FLOOR = 0.01;

export function seriesModelConfig(
  windowMs: number,
  sensitivity: Sensitivity = 'medium',
  warmupWindows = 30,
  /** Multiplies the sensitivity's tail probabilities (> 0; the bench's sweep, default 1). */
  tailScale = 1,
): SeriesModelConfig {
  const perWeek = (7 * DAY_MS) / windowMs;
  // The tails are set for 5-minute windows; shorter windows are judged more often, so each one
  // needs a smaller tail for the same false alarms per week (and longer windows a larger one).
  const perTime = Math.min(5, Math.max(0.05, windowMs / REFERENCE_WINDOW_MS));
  const tails = SENSITIVITY_TAILS[sensitivity];
  return {
    windowMs,
    warmupWindows: Math.min(30, warmupWindows),
    openTail: tails.openTail * perTime * tailScale,
    keepTail: Math.min(0.2, tails.keepTail * perTime * tailScale),
    // Four weeks of windows, within bounds that keep records rare but learning possible.
    horizonWindows: Math.round(Math.min(50_000, Math.max(2_000, 4 * perWeek))),
    resolution: 0,
  };
}

export interface SeriesState {
  /** The transform's scale (0 until the first windows are collected). */
  scale: number;
  /** The first windows, [at, value], kept until the scale is known. */
  boot: [number, number][];
  /** The series has never been below zero: its factor model (levelM, offM, weekM) is learnt too. */
  mult: boolean;
  levelM: number;
  offM: number[];
  weekM: number[];
  n: number;
  level: number;
  /** Mean absolute residual, all hours. */
  dev: number;
  /** Mean |value|: a floor for the spread of near-constant series. */
  mag: number;
  off: number[];
  offDev: number[];
  offN: number[];
  /** Day-of-week offsets on top of the daily shape (weekends), and how often each was learnt. */
  week: number[];
  weekN: number[];
  /** Calibration histograms of log1p(score): spikes, dips, CUSUM. */
  hUp: number[];
  hDown: number[];
  hShift: number[];
  wUp: number;
  wDown: number;
  wShift: number;
  cusumUp: number;
  cusumDown: number;
  /**
   * The largest and the smallest residual (value − expected, in the scaled unit) of each of the last
   * weeks, the week they belong to, and how many windows that week had (absent in states stored
   * before records).
   */
  recMax?: number[];
  recMin?: number[];
  recWeek?: number[];
  recN?: number[];
}

export interface SeriesScore {
  /** Upper edge of the normal range: expected + 3 spreads. */
  upper: number;
  /** Robust z of the residual. */
  z: number;
  expected: number;
  spread: number;
  /** Calibrated tail probabilities (smaller is stranger). */
  upTail: number;
  downTail: number;
  shiftTail: number;
  /**
   * The window's residual is above (below) every residual of the last four weeks: the tail of a
   * record, 1 / (1 + windows in that memory) (exchangeable windows), else 1.
   */
  recordUpTail: number;
  recordDownTail: number;
  /** Direction of the CUSUM that is larger. */
  shiftUp: boolean;
  warm: boolean;
}

export interface SeriesSignal {
  kind: SeriesKind;
  direction: 'up' | 'down';
  /** 1 − tail probability. */
  score: number;
  tail: number;
  value: number;
  expected: number;
  /** The window's residual beats every residual of the last four weeks in the signal's direction. */
  record: boolean;
}

const zeros = (n: number) => Array.from({ length: n }, () => 0);

export function initialSeriesState(): SeriesState {
  return {
    scale: 0,
    boot: [],
    mult: false,
    levelM: 0,
    offM: zeros(SLOTS),
    weekM: zeros(7),
    n: 0,
    level: 0,
    dev: 0,
    mag: 0,
    off: zeros(SLOTS),
    offDev: zeros(SLOTS),
    offN: zeros(SLOTS),
    week: zeros(7),
    weekN: zeros(7),
    hUp: zeros(BINS),
    hDown: zeros(BINS),
    hShift: zeros(BINS),
    wUp: 0,
    wDown: 0,
    wShift: 0,
    cusumUp: 0,
    cusumDown: 0,
    recMax: zeros(RECORD_BLOCKS),
    recMin: zeros(RECORD_BLOCKS),
    recWeek: Array.from({ length: RECORD_BLOCKS }, () => -1),
    recN: zeros(RECORD_BLOCKS),
  };
}

const dayOfWeek = (at: number) => ((Math.floor(at / DAY_MS) % 7) + 7) % 7;
/** How far a day-of-week offset is trusted: not before that weekday was seen for most of a day. */
const weekWeight = (s: SeriesState, day: number, perDay: number) => Math.min(1, s.weekN[day] / Math.max(1, perDay));
const slotOf = (at: number) => Math.floor((((at % DAY_MS) + DAY_MS) % DAY_MS) / (DAY_MS / SLOTS));
const clip = (v: number, bound: number) => Math.max(-bound, Math.min(bound, v));

/** P(score ≥ a) from a decaying histogram, with a Laplace-like prior while it is thin. */
function tail(hist: number[], weight: number, a: number, prior: number, extreme = false): number {
  // The top bin is open-ended: everything at or beyond its lower edge counts as at least as strange.
  const pos = Math.min(a / BIN_WIDTH, BINS - 1);
  const bin = Math.floor(pos);
  let above = bin === BINS - 1 ? hist[bin] : hist[bin] * (1 - (pos - bin));
  for (let i = bin + 1; i < BINS; i++) above += hist[i];
  if (extreme) {
    // Peaks over threshold (as in SPOT, Siffer et al. 2017): above the score's 95th percentile the
    // tail is exponential in log1p|z| (Pareto in |z|) with the rate of the mean excess, so a score
    // just past the largest one seen is not news, and one far past it is.
    const q = POT_FRACTION;
    let cum = 0;
    let u = -1;
    for (let i = BINS - 1; i >= 0; i--) {
      if (cum + hist[i] >= q * weight) {
        u = (i + 1 - (q * weight - cum) / Math.max(hist[i], 1e-12)) * BIN_WIDTH;
        break;
      }
      cum += hist[i];
    }
    if (u >= 0 && a > u && weight > 50) {
      let excess = 0;
      let w = 0;
      for (let i = 0; i < BINS; i++) {
        const lo = i * BIN_WIDTH;
        const hi = lo + BIN_WIDTH;
        if (hi <= u) continue;
        const frac = lo >= u ? 1 : (hi - u) / BIN_WIDTH;
        const centre = lo >= u ? lo + BIN_WIDTH / 2 : (u + hi) / 2;
        excess += hist[i] * frac * (centre - u);
        w += hist[i] * frac;
      }
      const mean = Math.max(excess / Math.max(w, 1e-12), BIN_WIDTH / 2);
      const fitted = (w / weight) * Math.exp(-(a - u) / mean);
      return (weight * fitted + PRIOR_WEIGHT * prior) / (weight + PRIOR_WEIGHT);
    }
  }
  return (above + PRIOR_WEIGHT * prior) / (weight + PRIOR_WEIGHT);
}

function record(hist: number[], a: number, decay: number, weight: number): void {
  for (let i = 0; i < BINS; i++) hist[i] *= decay;
  hist[Math.min(BINS - 1, Math.floor(a / BIN_WIDTH))] += weight;
}

/**
 * The model works on value / scale, where `scale` is the mean |value| of the first windows, so
 * its state is relative to the series itself (and stays well-conditioned for values of 0.001 or
 * of 10^12). Until the scale is known the model only collects those windows. (A log-like
 * transform, asinh, was tried and scored worse on NAB's real series; see docs/anomalies.md.)
 */
const BOOT_WINDOWS = 10;
/**
 * A window's value is taken at most this many times the series' scale: beyond it, sums and
 * differences of doubles overflow and the state would turn to Infinity and NaN for good (JSON
 * stores them as null). Still a spike (or dip) far beyond any threshold.
 */
const MAX_SCALED = 1e100;
/** The series' scale is known (a state stored while it overflowed has null: it starts again). */
const started = (s: SeriesState) => Number.isFinite(s.scale) && s.scale > 0;
const scaled = (s: SeriesState, value: number) => clip(value / s.scale, MAX_SCALED);

export function scoreWindow(s: SeriesState, at: number, value: number, c: SeriesModelConfig): SeriesScore {
  if (!started(s))
    return {
      z: 0,
      expected: value,
      spread: 0,
      upper: value,
      upTail: 1,
      downTail: 1,
      shiftTail: 1,
      recordUpTail: 1,
      recordDownTail: 1,
      shiftUp: true,
      warm: false,
    };
  const y = scoreY(s, at, scaled(s, value), c);
  return { ...y, expected: s.scale * y.expected, upper: s.scale * y.upper, spread: s.scale * y.spread };
}

/**
 * The prediction: level plus the daily and weekday offsets, or, for a series that has never gone
 * negative (rates, counts), level times the daily and weekday factors (1 + offset) — a weekend
 * that halves traffic halves the night as well as the peak.
 */
function expectedOf(s: SeriesState, w: number, ww: number, slot: number, day: number): number {
  if (multiplies(s)) return s.levelM * (1 + w * s.offM[slot]) * (1 + ww * s.weekM[day]);
  return s.level + w * s.off[slot] + ww * s.week[day];
}

/** Factors are used while the series is far from zero (its level many spreads above it). */
const multiplies = (s: SeriesState) => s.mult && s.levelM > FACTOR_MIN_LEVEL * s.dev;

/** Scores a transformed window against the state (no update). */
function scoreY(s: SeriesState, at: number, value: number, c: SeriesModelConfig): SeriesScore {
  const slot = slotOf(at);
  const w = Math.min(1, s.offN[slot] / 3);
  const day = dayOfWeek(at);
  const expected = expectedOf(s, w, weekWeight(s, day, DAY_MS / c.windowMs), slot, day);
  const spread = Math.max(
    w * s.offDev[slot] + (1 - w) * s.dev,
    0.25 * s.dev,
    SPREAD_FLOOR * s.mag,
    c.resolution / s.scale,
    1e-9,
  );
  const z = s.n === 0 ? 0 : (value - expected) / spread;
  const a = Math.log1p(Math.abs(z));
  const prior = 0.5 * Math.exp(-Math.abs(z) / 1.25);
  const upTail = z > 0 ? tail(s.hUp, s.wUp, a, prior, true) : 1;
  const downTail = z < 0 ? tail(s.hDown, s.wDown, a, prior, true) : 1;
  const { up, down } = cusums(s, z);
  const shift = Math.max(up, down);
  const memory = recordMemory(s, at);
  const recordTail = 1 / (1 + memory.windows);
  const residual = value - expected;
  const recordUp = memory.windows > 0 && z > RECORD_MIN_Z && residual > RECORD_MARGIN * Math.max(memory.max, 0);
  const recordDown = memory.windows > 0 && z < -RECORD_MIN_Z && residual < RECORD_MARGIN * Math.min(memory.min, 0);
  return {
    z,
    expected,
    spread,
    upper: expected + 3 * spread,
    upTail,
    downTail,
    shiftTail: tail(s.hShift, s.wShift, Math.log1p(shift), 0.5 * Math.exp(-shift / 2)),
    recordUpTail: recordUp ? recordTail : 1,
    recordDownTail: recordDown ? recordTail : 1,
    shiftUp: up >= down,
    warm: s.n >= c.warmupWindows,
  };
}

/** The largest and smallest residual and the number of windows over the weeks still remembered at `at`. */
function recordMemory(s: SeriesState, at: number): { max: number; min: number; windows: number } {
  const week = Math.floor(at / WEEK_MS);
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  let windows = 0;
  for (let i = 0; i < RECORD_BLOCKS; i++) {
    const w = s.recWeek?.[i] ?? -1;
    if (w < 0 || week - w >= RECORD_BLOCKS || w > week) continue;
    max = Math.max(max, s.recMax?.[i] ?? 0);
    min = Math.min(min, s.recMin?.[i] ?? 0);
    windows += s.recN?.[i] ?? 0;
  }
  return { max, min, windows };
}

/** The window's residual joins its week's extremes. */
function learnRecord(s: SeriesState, at: number, residual: number): void {
  const week = Math.floor(at / WEEK_MS);
  const i = ((week % RECORD_BLOCKS) + RECORD_BLOCKS) % RECORD_BLOCKS;
  const recMax = s.recMax ?? zeros(RECORD_BLOCKS);
  const recMin = s.recMin ?? zeros(RECORD_BLOCKS);
  const recWeek = s.recWeek ?? Array.from({ length: RECORD_BLOCKS }, () => -1);
  const recN = s.recN ?? zeros(RECORD_BLOCKS);
  if (recWeek[i] !== week) {
    recWeek[i] = week;
    recMax[i] = residual;
    recMin[i] = residual;
    recN[i] = 0;
  }
  recMax[i] = Math.max(recMax[i], residual);
  recMin[i] = Math.min(recMin[i], residual);
  recN[i] += 1;
  s.recMax = recMax;
  s.recMin = recMin;
  s.recWeek = recWeek;
  s.recN = recN;
}

function cusums(s: SeriesState, z: number) {
  const zc = clip(z, CUSUM_CLIP);
  return { up: Math.max(0, s.cusumUp + zc - CUSUM_SLACK), down: Math.max(0, s.cusumDown - zc - CUSUM_SLACK) };
}

/**
 * Learns the window into the state (returns a new state). `adopt` (a change has stayed unusual
 * for adoptWindows windows) makes it the new normal: the CUSUM forgets it.
 */
export function learnWindow(
  prev: SeriesState,
  at: number,
  value: number,
  c: SeriesModelConfig,
  adopt = false,
): SeriesState {
  if (started(prev)) return learnY(prev, at, scaled(prev, value), c, adopt);
  // A series that has been zero since it was first seen has not started (a tenant with no
  // clients yet): its first windows are the first non-zero ones.
  const before = Number.isFinite(prev.scale) ? prev : initialSeriesState();
  if (before.boot.length === 0 && value === 0) return before;
  const boot = [...before.boot, [at, value] as [number, number]].slice(-BOOT_WINDOWS);
  let scale = boot.reduce((sum, [, v]) => sum + Math.abs(v), 0) / boot.length;
  // Values near the largest double: their sum overflows, their mean does not.
  if (!Number.isFinite(scale)) scale = boot.reduce((sum, [, v]) => sum + Math.abs(v) / boot.length, 0);
  if (boot.length < Math.min(BOOT_WINDOWS, c.warmupWindows) || scale === 0) return { ...before, boot };
  // The scale is known: the collected windows are learnt, in order, as if they had just arrived.
  let s: SeriesState = { ...initialSeriesState(), scale, mult: boot.every(([, v]) => v >= 0) };
  for (const [t, v] of boot) s = learnY(s, t, v / scale, c, false);
  return s;
}

/** Learns a transformed window into the state (returns a new state). */
function learnY(prev: SeriesState, at: number, value: number, c: SeriesModelConfig, adopt: boolean): SeriesState {
  const s: SeriesState = structuredCloneState(prev);
  if (s.n === 0) return learnFirst(s, value);
  const score = scoreY(prev, at, value, c);
  const perDay = DAY_MS / c.windowMs;
  learnCalibration(s, prev, score.z, c, perDay);
  const residual = value - score.expected;
  learnRecord(s, at, residual);
  learnSpread(s, value, residual, score.spread);
  learnShape(s, at, value, residual, score.spread, perDay);
  centreDailyShape(s);
  centreWeeklyShape(s);
  if (adopt) {
    // The change has lasted: the level has been following it (bounded steps), and the CUSUM's
    // memory of it is dropped so that the new level is judged as normal from here on. (Moving the
    // level at once to where recent windows were was tried: on NAB it turned the ends of long
    // bursts into false dips.)
    s.cusumUp = 0;
    s.cusumDown = 0;
  }
  s.n += 1;
  return s;
}

/** The first window sets the level and the magnitude. */
function learnFirst(s: SeriesState, value: number): SeriesState {
  s.level = value;
  s.levelM = Math.max(value, 1e-9);
  s.mag = Math.abs(value);
  s.n = 1;
  return s;
}

/**
 * The calibration histograms learn the score this window had (after warm-up they are what is
 * normal), and the CUSUMs move.
 */
function learnCalibration(s: SeriesState, prev: SeriesState, z: number, c: SeriesModelConfig, perDay: number): void {
  const decay = 1 - 1 / c.horizonWindows;
  // While the daily shape is still being learnt, residuals are the model's error more than the
  // series' behaviour: they count for less, ramping to full weight over the first day.
  const weight = Math.min(1, Math.max(0.05, s.n / perDay));
  const a = Math.log1p(Math.abs(z));
  if (z > 0) {
    record(s.hUp, a, decay, weight);
    s.wUp = s.wUp * decay + weight;
  } else if (z < 0) {
    record(s.hDown, a, decay, weight);
    s.wDown = s.wDown * decay + weight;
  }
  const { up, down } = cusums(prev, z);
  record(s.hShift, Math.log1p(Math.max(up, down)), decay, weight);
  s.wShift = s.wShift * decay + weight;
  s.cusumUp = up;
  s.cusumDown = down;
}

/** The overall spread (mean absolute residual, clipped at four spreads) and the mean magnitude. */
function learnSpread(s: SeriesState, value: number, residual: number, spread: number): void {
  const aSlow = Math.max(1 / (s.n + 1), 0.02);
  s.dev += aSlow * (Math.min(Math.abs(residual), 4 * spread) - s.dev);
  s.mag += aSlow * (Math.abs(value) - s.mag);
}

/**
 * The level and the daily and weekday shapes, Huber-clipped: added offsets always, factors for a
 * series that has never gone negative; then the half-hour slot's spread and the counts.
 */
function learnShape(s: SeriesState, at: number, value: number, residual: number, spread: number, perDay: number): void {
  const slot = slotOf(at);
  const day = dayOfWeek(at);
  const aLevel = Math.max(1 / (s.n + 1), 1 / Math.min(500, Math.max(20, perDay / 4)));
  const aSlot = Math.max(1 / (s.offN[slot] + 1), 1 / Math.max(10, (2 * perDay) / SLOTS));
  const w = Math.min(1, s.offN[slot] / 3);
  const ww = weekWeight(s, day, perDay);
  // A weekday's offset learns over about two weeks of that weekday.
  const aWeek = Math.max(1 / (s.weekN[day] + 1), 1 / (2 * perDay));
  if (value < 0) s.mult = false;
  if (s.mult) {
    if (s.levelM <= 1e-9) s.levelM = Math.max(value, 1e-9);
    const dayF = 1 + w * s.offM[slot];
    const weekF = 1 + ww * s.weekM[day];
    const rel = (HUBER * spread) / s.levelM;
    s.levelM += aLevel * clip(value / Math.max(dayF * weekF, 1e-3) - s.levelM, HUBER * spread);
    s.levelM = Math.max(s.levelM, 1e-9);
    s.offM[slot] += aSlot * clip(value / (s.levelM * Math.max(weekF, 1e-3)) - 1 - s.offM[slot], rel);
    s.weekM[day] += aWeek * clip(value / (s.levelM * Math.max(1 + w * s.offM[slot], 1e-3)) - 1 - s.weekM[day], rel);
  }
  s.level += aLevel * clip(value - w * s.off[slot] - ww * s.week[day] - s.level, HUBER * spread);
  s.off[slot] += aSlot * clip(value - s.level - ww * s.week[day] - s.off[slot], HUBER * spread);
  s.week[day] += aWeek * clip(value - s.level - w * s.off[slot] - s.week[day], HUBER * spread);
  s.weekN[day] += 1;
  s.offDev[slot] += aSlot * (Math.min(Math.abs(residual), 4 * spread) - s.offDev[slot]);
  s.offN[slot] += 1;
}

/**
 * Daily offsets sum to zero over the half-hours seen (as in Holt–Winters), the mean moving into
 * the level: a level that was still moving while the first day was learnt does not leave its
 * error in the daily shape. Factors likewise.
 */
function centreDailyShape(s: SeriesState): void {
  let sum = 0;
  let seen = 0;
  for (let i = 0; i < SLOTS; i++)
    if (s.offN[i] > 0) {
      sum += s.off[i];
      seen++;
    }
  const mean = sum / seen;
  for (let i = 0; i < SLOTS; i++) if (s.offN[i] > 0) s.off[i] -= mean;
  s.level += mean;
  if (s.mult) {
    let sumM = 0;
    for (let i = 0; i < SLOTS; i++) if (s.offN[i] > 0) sumM += s.offM[i];
    const meanM = sumM / seen;
    for (let i = 0; i < SLOTS; i++) if (s.offN[i] > 0) s.offM[i] -= meanM;
    s.levelM *= 1 + meanM;
  }
}

/** As `centreDailyShape`, for the weekday offsets over the weekdays seen. */
function centreWeeklyShape(s: SeriesState): void {
  let weekSum = 0;
  let days = 0;
  for (let i = 0; i < 7; i++)
    if (s.weekN[i] > 0) {
      weekSum += s.week[i];
      days++;
    }
  const weekMean = weekSum / days;
  for (let i = 0; i < 7; i++) if (s.weekN[i] > 0) s.week[i] -= weekMean;
  s.level += weekMean;
  if (s.mult) {
    let weekSumM = 0;
    for (let i = 0; i < 7; i++) if (s.weekN[i] > 0) weekSumM += s.weekM[i];
    const weekMeanM = weekSumM / days;
    for (let i = 0; i < 7; i++) if (s.weekN[i] > 0) s.weekM[i] -= weekMeanM;
    s.levelM *= 1 + weekMeanM;
  }
}

/**
 * How unusual the window itself is, up and down: a spike is a record (above every residual of the
 * last four weeks) or a window far rarer than the threshold — one score, the smaller of the two
 * tails, the single-window one weighted.
 */
export function windowTails(score: SeriesScore): { upTail: number; downTail: number } {
  return {
    upTail: Math.min(score.recordUpTail, score.upTail * SPIKE_TAIL_WEIGHT, 1),
    downTail: Math.min(score.recordDownTail, score.downTail * DIP_TAIL_WEIGHT, 1),
  };
}

/**
 * What the window says, given the model's state before it: the strongest signal, if any. `news`
 * (opening an anomaly) asks for a record or a far rarer window; whether an open one is still
 * unusual (`news` false) asks the plain calibrated tails.
 */
export function signalOf(score: SeriesScore, value: number, threshold: number, news = true): SeriesSignal | null {
  if (!score.warm) return null;
  const candidates: SeriesSignal[] = [];
  const recordUp = score.recordUpTail < 1;
  const recordDown = score.recordDownTail < 1;
  const base = { value, expected: score.expected };
  const { upTail, downTail } = news ? windowTails(score) : score;
  if (upTail < threshold)
    candidates.push({ kind: 'spike', direction: 'up', tail: upTail, score: 1 - upTail, record: recordUp, ...base });
  if (downTail < threshold)
    candidates.push({
      kind: 'dip',
      direction: 'down',
      tail: downTail,
      score: 1 - downTail,
      record: recordDown,
      ...base,
    });
  // The CUSUM's tail is of a statistic that persists from window to window: it gets a stricter
  // threshold than a single window's spike (tuned on NAB's tuning categories, docs/anomalies.md).
  // A burst the series' history shows as usual (a spike whose tail is not small), or one that does
  // not outgrow the largest of the last four weeks (not a record), does not make a level shift by
  // itself, however far it pushes the CUSUM: bursty normal traffic is not shifting.
  const usualOutlier =
    Math.abs(score.z) > USUAL_OUTLIER_Z &&
    (Math.min(score.upTail, score.downTail) > USUAL_OUTLIER_TAIL || !(score.z > 0 ? recordUp : recordDown));
  if (!usualOutlier && score.shiftTail < threshold * SHIFT_THRESHOLD_FACTOR) {
    candidates.push({
      kind: 'level_shift',
      direction: score.shiftUp ? 'up' : 'down',
      tail: score.shiftTail,
      score: 1 - score.shiftTail,
      record: score.shiftUp ? recordUp : recordDown,
      ...base,
    });
  }
  if (candidates.length === 0) return null;
  return candidates.reduce((best, c) => (c.tail < best.tail ? c : best));
}

function structuredCloneState(s: SeriesState): SeriesState {
  return {
    ...s,
    off: [...s.off],
    offDev: [...s.offDev],
    offN: [...s.offN],
    week: [...s.week],
    offM: [...s.offM],
    weekM: [...s.weekM],
    weekN: [...s.weekN],
    hUp: [...s.hUp],
    hDown: [...s.hDown],
    hShift: [...s.hShift],
    ...(s.recMax && { recMax: [...s.recMax] }),
    ...(s.recMin && { recMin: [...s.recMin] }),
    ...(s.recWeek && { recWeek: [...s.recWeek] }),
    ...(s.recN && { recN: [...s.recN] }),
  };
}

/** What the model says of a series now: how far it is from reporting, and its normal range for a window. */
export interface SeriesDescription {
  /** The model may report (it has learnt its warm-up windows). */
  warm: boolean;
  /** Windows with data still to learn before it may (0 once warm). */
  windowsToWarm: number;
  /** The value expected for the window; null until the model knows the series' scale (its first windows). */
  expected: number | null;
  /** The normal range: expected ∓ the model's upper margin (3 spreads), never below 0 for a series never below 0. */
  lower: number | null;
  upper: number | null;
}

/**
 * Describes the state for the window starting at `at` (no update): warm-up left and the normal
 * range, from `scoreWindow` (the value judged does not move either). Pure, O(bins).
 */
export function describeSeries(s: SeriesState, at: number, c: SeriesModelConfig): SeriesDescription {
  if (!started(s)) {
    // The windows collected so far are learnt once the scale is known (at least one more is needed).
    const windowsToWarm = Math.max(1, c.warmupWindows - s.boot.length);
    return { warm: false, windowsToWarm, expected: null, lower: null, upper: null };
  }
  const score = scoreWindow(s, at, 0, c);
  const lower = 2 * score.expected - score.upper;
  return {
    warm: score.warm,
    windowsToWarm: Math.max(0, c.warmupWindows - s.n),
    expected: score.expected,
    lower: s.mult ? Math.max(0, lower) : lower,
    upper: score.upper,
  };
}
