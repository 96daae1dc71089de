/**
 * The Numenta Anomaly Benchmark's own score (NAB v1.1 scoring rule, written here from its
 * description and its scorer's behaviour; no dependency). Pure functions.
 *
 * Per file, over the rows after the probationary period (the first 15 % of rows, at most 750):
 * - a labelled window is worth −A_FN until a detection falls inside it; then it is worth the best
 *   (earliest) detection's weight, A_TP · σ(position) / σ(start), where position runs from −1 at
 *   the window's first row to −1/width at its last, and σ(x) = 2/(1 + e^(5x)) − 1. Later
 *   detections in the same window add nothing;
 * - every detected row outside the windows costs A_FP · σ(distance), where distance is the number of
 *   rows since the end of the preceding window over (that window's width − 1): just after a window
 *   it costs almost nothing, a window's width later almost the full A_FP; beyond 3 widths, or with no
 *   window before it, the full A_FP (σ = −1). Every detected row counts, not one per excursion.
 * The corpus score sums the files' raw scores and normalises them as 100 · (raw − null) / (perfect
 * − null): the null detector (no detection) scores −A_FN per window after the probationary period,
 * and NAB's perfect score is A_TP per labelled window (all of them, as NAB counts them).
 */

/** NAB's application profiles (`config/profiles.json`): the weights of TP, FP and FN. */
export const NAB_PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
};

/** 2·sigmoid(−5x) − 1: about 0.987 at −1 (a window's start), 0 at 0 (its end), −1 beyond 3. */
export function scaledSigmoid(x) {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** Rows not scored at the start of a file: 15 % of them, at most 750 (15 % of 5,000). */
export function probationLength(rows) {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/**
 * Labelled windows [startMs, endMs] as row spans { start, end } (inclusive). NAB's windows begin and
 * end on a row's timestamp; for other windows (the generator's) the span is the rows inside. With a
 * repeated timestamp, a window ends at its first row, as NAB's does.
 */
export function windowSpans(times, windows) {
  const spans = [];
  for (const [from, to] of windows) {
    if (!(from <= to)) throw new RangeError(`window [${from}, ${to}] ends before it starts`);
    let start = lowerBound(times, from);
    let end = lowerBound(times, to);
    if (end === times.length || times[end] !== to) end -= 1;
    if (start > end) throw new RangeError(`window [${from}, ${to}] holds no row`);
    const last = spans[spans.length - 1];
    if (last && start <= last.end) throw new RangeError(`window [${from}, ${to}] overlaps the one before`);
    spans.push({ start, end });
  }
  return spans;
}

function lowerBound(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What a detection on each row would be worth (NAB's per-row S(t)): positive inside a window,
 * negative outside; `window[i]` is the window's index, or −1 outside every window.
 */
export function rowWeights(times, windows, profile = NAB_PROFILES.standard) {
  const spans = windowSpans(times, windows);
  const weight = new Float64Array(times.length);
  const window = new Int32Array(times.length).fill(-1);
  const top = scaledSigmoid(-1);
  let k = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < times.length; i++) {
    const span = spans[k];
    if (span && i >= span.start) {
      const width = span.end - span.start + 1;
      weight[i] = (profile.tp * scaledSigmoid(-(span.end - i + 1) / width)) / top;
      window[i] = k;
      if (i === span.end) {
        prevEnd = i;
        prevWidth = width;
        k++;
      }
    } else {
      // A one-row window before: the distance is infinite (σ = −1).
      weight[i] = profile.fp * (prevEnd < 0 ? -1 : scaledSigmoid((i - prevEnd) / (prevWidth - 1)));
    }
  }
  return { weight, window, windows: spans.length };
}

/**
 * One file's score. `detected[i]` is true when row i is a detection (for a detector with scores:
 * score ≥ its threshold). Returns the raw score, the null detector's, NAB's perfect score for the
 * file, and counts: windows scored (ending after the probationary period), detected, and false
 * positive rows (scored rows outside every window).
 */
export function scoreFile(times, windows, detected, profile = NAB_PROFILES.standard) {
  if (detected.length !== times.length) throw new RangeError('detected must have one entry per row');
  const { weight, window, windows: count } = rowWeights(times, windows, profile);
  const from = probationLength(times.length);
  const best = new Map(); // window index → best weight of a detection inside it
  let scoredWindows = 0;
  for (let i = from; i < times.length; i++) {
    const w = window[i];
    if (w >= 0 && !best.has(w)) {
      best.set(w, -profile.fn);
      scoredWindows++;
    }
  }
  let fpScore = 0;
  let fpRows = 0;
  for (let i = from; i < times.length; i++) {
    if (!detected[i]) continue;
    const w = window[i];
    if (w < 0) {
      fpScore += weight[i];
      fpRows++;
    } else if (weight[i] > best.get(w)) best.set(w, weight[i]);
  }
  let windowScore = 0;
  let detectedWindows = 0;
  for (const v of best.values()) {
    windowScore += v;
    if (v > -profile.fn) detectedWindows++;
  }
  return {
    raw: windowScore + fpScore,
    nullRaw: -profile.fn * scoredWindows,
    perfect: profile.tp * count,
    windows: count,
    scoredWindows,
    detectedWindows,
    fpRows,
    fpScore,
  };
}

/** 100 · (raw − null) / (perfect − null); null when the files hold no window (nothing to normalise by). */
export function normalise(raw, nullRaw, perfect) {
  return perfect === nullRaw ? null : (100 * (raw - nullRaw)) / (perfect - nullRaw);
}

/** Sums files' `scoreFile` results as NAB does and normalises the total. */
export function sumScores(files) {
  const total = { raw: 0, nullRaw: 0, perfect: 0, windows: 0, scoredWindows: 0, detectedWindows: 0, fpRows: 0 };
  for (const f of files) for (const k of Object.keys(total)) total[k] += f[k];
  return { ...total, score: normalise(total.raw, total.nullRaw, total.perfect) };
}

/** Marks the rows of a series that hold a detection, given the detections' times (a repeated timestamp: its first row). */
export function detectedRows(times, detectionTimes) {
  const at = new Set(detectionTimes);
  return times.map((t, i) => at.has(t) && (i === 0 || times[i - 1] !== t));
}
