import { describeSeries, initialSeriesState, seriesModelConfig } from './series-model.js';
import {
  type CustomSeriesKey,
  type PipelineConfig,
  type PipelineState,
  SERIES_METRICS,
  type SeriesKey,
} from './window-pipeline.js';

/** What one series' model says now (`GET /metrics/anomalies` → `models`). */
export interface SeriesModelView {
  /** The series: messages, bytes, error_rate, active_clients, latency_p95, or `custom:<id>`. */
  metric: SeriesKey;
  /** What summaries call it (a custom metric's name). */
  name: string;
  state: 'warming_up' | 'ready';
  /** Windows with data the model still has to learn (0 when ready). */
  windowsToWarm: number;
  /** The end of the last window it needs, if every window from `windowAt` on has data; null when ready. */
  warmUntil: string | null;
  /** Start of the window the range is for: the next one the detection closes. */
  windowAt: string;
  /** The expected value and normal range of that window; null while the series' scale is unknown. */
  expected: number | null;
  lower: number | null;
  upper: number | null;
}

/** A tenant's detection state as the job stores it (the fields read here). */
export interface StoredModels {
  /** The index of the last window closed: window k is [k·W, (k+1)·W). */
  window: number;
  pipeline: PipelineState | undefined;
}

const round = (v: number | null) => (v === null ? null : Number(v.toPrecision(6)));

/**
 * Each series' model from the tenant's stored pipeline state, for the next window the detection
 * closes: warming up (until when) or ready, and the window's expected value and normal range.
 * Pure and read-only: the built-in series, then the tenant's custom metrics (`custom`, bounded by
 * the tenant's limit on them). Without a stored pipeline (the tenant not seen yet) every series
 * is warming up, and the next window closed is only the first sight (not learnt); without a
 * stored state at all, that is the window `now` is in.
 */
export function seriesModels(
  stored: StoredModels | null,
  now: number,
  c: PipelineConfig,
  custom: readonly { key: CustomSeriesKey; name: string }[],
): SeriesModelView[] {
  const known = stored?.pipeline;
  const next = stored ? stored.window + 1 : Math.floor(now / c.windowMs);
  const firstSight = known ? 0 : 1;
  const at = next * c.windowMs;
  const series: { key: SeriesKey; name: string }[] = [
    ...SERIES_METRICS.map((key) => ({ key, name: key.replace('_', ' ') })),
    ...custom,
  ];
  return series.map(({ key, name }) => {
    const d = describeModel(known, key, at, c);
    return {
      metric: key,
      name,
      state: d.warm ? 'ready' : 'warming_up',
      windowsToWarm: d.windowsToWarm,
      warmUntil: d.warm ? null : new Date(at + (d.windowsToWarm + firstSight) * c.windowMs).toISOString(),
      windowAt: new Date(at).toISOString(),
      expected: round(d.expected),
      lower: round(d.lower),
      upper: round(d.upper),
    };
  });
}

/**
 * What the stored model of series `key` says of the window starting at `at`: warm or not, its
 * expected value and normal range (the statistical detector's own `describeSeries`, configured as
 * the detection job configures it). A series without a model is described as not started.
 */
export function describeModel(pipeline: PipelineState | undefined, key: SeriesKey, at: number, c: PipelineConfig) {
  const base = seriesModelConfig(c.windowMs, c.sensitivity, Math.max(c.rules.warmupWindows, 1));
  const state =
    (pipeline && Object.hasOwn(pipeline.series, key) ? pipeline.series[key] : undefined) ?? initialSeriesState();
  return describeSeries(state, at, { ...base, resolution: c.resolution[key] ?? 0 });
}
