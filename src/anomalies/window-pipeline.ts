import { createHash } from 'node:crypto';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig, type Sensitivity } from '../config/detector-config.js';
import {
  advanceRules,
  type AnomalyDraft,
  type AnomalyType,
  conditions,
  type RateContext,
  type DetectorState,
  initialState,
  type OpenAnomaly,
  type WindowFigures,
} from './detectors.js';
import {
  describeSeries,
  initialSeriesState,
  learnWindow,
  scoreWindow,
  type SeriesModelConfig,
  seriesModelConfig,
  type SeriesSignal,
  type SeriesState,
  signalOf,
  windowTails,
} from './series-model.js';
import {
  isJetStreamKey,
  type JetStreamState,
  type JetStreamWindow,
  jetstreamConditions,
} from './jetstream-families.js';

/**
 * One closed window of one tenant, from figures to anomalies: the seed's rules and the
 * statistical model of every series, merged so that one event opens one anomaly. Pure: the
 * scheduled job, the backtest route and `detect-series` all call `closeWindow` and nothing else
 * decides.
 */
export const SERIES_METRICS = ['messages', 'bytes', 'error_rate', 'active_clients', 'latency_p95'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];
/** A tenant's custom metric as a series: `custom:<id>` (ids are Pulse's own, `cm_<hex>`). */
export type CustomSeriesKey = `custom:${string}`;
export type SeriesKey = SeriesMetric | CustomSeriesKey;
export const customSeriesKey = (id: string): CustomSeriesKey => `custom:${id}`;
const isCustomKey = (key: string): key is CustomSeriesKey => key.startsWith('custom:');

export type DetectorSet = 'all' | 'rules' | 'statistical';

export interface PipelineConfig {
  rules: DetectorConfig;
  windowMs: number;
  sensitivity: Sensitivity;
  detectors: DetectorSet;
  /** Each series' measurement resolution in its unit (see SeriesModelConfig.resolution). */
  resolution: Partial<Record<SeriesKey, number>>;
  /** Multiplies the sensitivity's tail probabilities (the series command's `--tail-scale`; default 1). */
  tailScale?: number;
}

/** What Pulse's own series are measured in: counts are whole, latency comes in log buckets. */
export const PULSE_SERIES_RESOLUTION: Partial<Record<SeriesMetric, number>> = {
  messages: 1,
  bytes: 1,
  active_clients: 1,
  error_rate: 0.005,
  latency_p95: 1,
};

export interface PipelineState {
  rules: DetectorState;
  series: Partial<Record<SeriesKey, SeriesState>>;
  /** Windows in a row each series was unusual, signed by direction (a lasting change becomes normal). */
  shiftRun: Partial<Record<SeriesKey, number>>;
  open: Record<string, OpenAnomaly>;
  /** Families resolved recently: windows left during which a new one needs a far stronger signal. */
  cooling?: Record<string, number>;
  /** The JetStream families' memory (absent until a window brings JetStream figures). */
  jetstream?: JetStreamState;
}

export interface PipelineWindow {
  /** Start of the window (ms). */
  at: number;
  figures: WindowFigures;
  /**
   * Each series' value for the window; absent or null: no data this window (not learnt). A custom
   * series absent from the window is no longer defined: its model is dropped.
   */
  series: Partial<Record<SeriesKey, number | null>>;
  /** What summaries call each custom series (its metric's name). */
  names?: Partial<Record<CustomSeriesKey, string>>;
  /** The tenant's JetStream this window (absent: the tenant has none, or it is not monitored). */
  jetstream?: JetStreamWindow;
}

export interface OpenedAnomaly extends AnomalyDraft {
  /** Deterministic: the same tenant, condition and window always give the same id. */
  id: string;
  /** 0..1: how unusual the window was (1 − calibrated tail probability; 1 for rules). */
  score: number;
}

export interface PipelineResult {
  state: PipelineState;
  opened: OpenedAnomaly[];
  resolved: OpenAnomaly[];
}

export function pipelineConfig(
  windowMs: number,
  sensitivity: Sensitivity = 'medium',
  rules: Partial<DetectorConfig> = {},
  detectors: DetectorSet = 'all',
  resolution: Partial<Record<SeriesKey, number>> = {},
  tailScale = 1,
): PipelineConfig {
  return { rules: { ...DEFAULT_DETECTOR_CONFIG, ...rules }, windowMs, sensitivity, detectors, resolution, tailScale };
}

export function initialPipelineState(): PipelineState {
  return { rules: initialState(), series: {}, shiftRun: {}, open: {} };
}

/**
 * A window more than three windows (and 5 s) after the previous one covers a gap rather than one
 * window: counts held back meanwhile arrive at once and would look like a burst. Not judged.
 */
export function isStretched(previousAt: number | undefined, at: number, windowMs: number): boolean {
  if (previousAt === undefined) return false;
  const elapsed = at - previousAt;
  return elapsed > 3 * windowMs && elapsed - windowMs > 5000;
}

/**
 * The rate rules fire only on windows the series' history does not already show as usual (the
 * calibrated tail below this): a 10× burst that recurs every hour is that series' normal.
 */
const RULE_UNUSUAL_TAIL = 5e-3;
const COOL_DOWN_MS = 6 * 3_600_000;

/**
 * Families: conditions that describe one event and so open one anomaly. Messages and bytes move
 * together (a burst of messages is a burst of bytes), so the rate rules and both series' spikes
 * are one family per direction; the error-rate rule and the error-rate series are another.
 */
const RULE_FAMILIES: Record<string, string> = {
  rate_spike: 'traffic:up',
  traffic_drop: 'traffic:down',
  error_rate: 'error_rate:up',
};
const SERIES_FAMILY: Partial<Record<string, string>> = { messages: 'traffic', bytes: 'traffic' };
function familyOf(key: string): string {
  if (!key.startsWith('stat:')) return RULE_FAMILIES[key] ?? key;
  // stat:<series>:<direction>, where a custom series' key has a colon of its own.
  const last = key.lastIndexOf(':');
  const metric = key.slice(5, last);
  return `${SERIES_FAMILY[metric] ?? metric}:${key.slice(last + 1)}`;
}

export function anomalyId(tenantId: string, key: string, at: number): string {
  return `an_${createHash('sha256').update(`${tenantId}\n${key}\n${at}`).digest('hex').slice(0, 16)}`;
}

const round = (v: number, digits = 4) => Number(v.toPrecision(digits));

/** A statistical signal as a draft: its score, and whether its window is a record of the last four weeks. */
type StatisticalDraft = AnomalyDraft & { score: number; record: boolean };
type FoundDraft = AnomalyDraft & { score: number; record?: boolean };

function statisticalDraft(
  metric: SeriesKey,
  label: string,
  signal: SeriesSignal,
  m: SeriesModelConfig,
  z: number,
): StatisticalDraft {
  // A CUSUM that fired while the window itself is unremarkable is a slow slide, not a jump.
  const type: AnomalyType = signal.kind === 'level_shift' && Math.abs(z) < 3 ? 'drift' : signal.kind;
  const words: Record<string, string> = { spike: 'Spike', dip: 'Dip', level_shift: 'Level shift', drift: 'Drift' };
  return {
    key: `stat:${metric}:${signal.direction}`,
    type,
    severity: signal.tail < m.openTail / 100 ? 'critical' : 'warning',
    summary: `${words[type]} in ${label}${type === 'level_shift' || type === 'drift' ? ` (${signal.direction})` : ''}: ${round(signal.value)} where ${round(signal.expected)} was expected`,
    details: {
      metric,
      direction: signal.direction,
      value: round(signal.value, 6),
      expected: round(signal.expected, 6),
      score: round(signal.score, 6),
    },
    score: signal.score,
    record: signal.record,
  };
}

export function closeWindow(
  tenantId: string,
  state: PipelineState,
  w: PipelineWindow,
  c: PipelineConfig,
): PipelineResult {
  const base = seriesModelConfig(c.windowMs, c.sensitivity, Math.max(c.rules.warmupWindows, 1), c.tailScale);
  // Custom series the window no longer lists (their metric was deleted) are forgotten.
  const listed = (key: string) => !isCustomKey(key) || Object.hasOwn(w.series, key);
  const series: PipelineState['series'] = Object.fromEntries(Object.entries(state.series).filter(([k]) => listed(k)));
  const shiftRun: PipelineState['shiftRun'] = Object.fromEntries(
    Object.entries(state.shiftRun).filter(([k]) => listed(k)),
  );
  const statistical: StatisticalDraft[] = [];
  let rate: RateContext | undefined;

  const keys: SeriesKey[] = [...SERIES_METRICS, ...Object.keys(w.series).filter(isCustomKey)];
  for (const metric of keys) {
    const label = isCustomKey(metric) ? (w.names?.[metric] ?? metric) : metric.replace('_', ' ');
    const value = w.series[metric];
    if (value === undefined || value === null || !Number.isFinite(value)) continue;
    const before = state.series[metric] ?? initialSeriesState();
    const model = { ...base, resolution: c.resolution[metric] ?? 0 };
    const score = scoreWindow(before, w.at, value, model);
    if (metric === 'messages' && score.warm) {
      const tails = windowTails(score);
      rate = {
        expected: score.expected,
        upper: score.upper,
        unusualUp: tails.upTail < RULE_UNUSUAL_TAIL,
        unusualDown: tails.downTail < RULE_UNUSUAL_TAIL,
      };
    }
    const isOpen = (direction: string) =>
      Object.keys(state.open).some((k) => familyOf(k) === familyOf(`stat:${metric}:${direction}`));
    const signal = c.detectors === 'rules' ? null : signalOf(score, value, model.openTail);
    // Still unusual at the looser keep level: an open anomaly stays active.
    const unusual = signal ?? signalOf(score, value, model.keepTail, false);
    if (signal) statistical.push(statisticalDraft(metric, label, signal, model, score.z));
    else if (unusual && c.detectors !== 'rules' && isOpen(unusual.direction))
      statistical.push(statisticalDraft(metric, label, unusual, model, score.z));
    // A change that stays unusual in one direction for adoptWindows windows is the new normal.
    const run = shiftRun[metric] ?? 0;
    const direction = unusual ? (unusual.direction === 'up' ? 1 : -1) : 0;
    shiftRun[metric] = direction === 0 ? 0 : Math.sign(run) === direction ? run + direction : direction;
    const adopt = Math.abs(shiftRun[metric] ?? 0) >= c.rules.adoptWindows;
    if (adopt) shiftRun[metric] = 0;
    series[metric] = learnWindow(before, w.at, value, model, adopt);
  }
  const ruleDrafts =
    c.detectors === 'statistical'
      ? []
      : conditions(state.rules, w.figures, c.rules, c.detectors === 'rules' ? undefined : rate);
  const js =
    c.detectors === 'statistical' || !w.jetstream
      ? null
      : jetstreamConditions(
          state.jetstream,
          w.jetstream,
          c.rules,
          new Set(Object.keys(state.open).filter(isJetStreamKey)),
        );
  const found: FoundDraft[] = [
    ...ruleDrafts.map((d) => ({ ...d, score: 1 })),
    ...(js?.drafts ?? []).map((d) => ({ ...d, score: 1 })),
    ...statistical,
  ];

  // One anomaly per family: an open one absorbs its family's conditions; of new ones, the first
  // found wins, and rules are found first.
  // After a statistical anomaly resolves, its family cools down for six hours: the same event
  // re-crossing the threshold while the model absorbs it is not news (it cost false alarms on NAB
  // and the generator). Only a larger event opens: a window that is a record of the last four weeks.
  const coolWindows = Math.max(c.rules.holdDownWindows, Math.round(COOL_DOWN_MS / c.windowMs));
  const cooling: Record<string, number> = {};
  for (const [family, left] of Object.entries(state.cooling ?? {})) if (left > 1) cooling[family] = left - 1;
  const activeFamilies = new Set([...found.map((f) => familyOf(f.key)), ...(js?.held ?? [])]);
  const open: Record<string, OpenAnomaly> = {};
  const resolved: OpenAnomaly[] = [];
  for (const [key, anomaly] of Object.entries(state.open)) {
    const clear = activeFamilies.has(familyOf(key)) ? 0 : anomaly.clear + 1;
    // JetStream conditions end plainly (drained, quiet, below the keep level): they clear sooner.
    const holdDown = isJetStreamKey(key) ? Math.max(1, c.rules.jetstreamClearWindows) : c.rules.holdDownWindows;
    if (clear < holdDown) {
      open[key] = { ...anomaly, clear };
      continue;
    }
    resolved.push({ ...anomaly, clear });
    if (key.startsWith('stat:')) cooling[familyOf(key)] = coolWindows;
  }
  const openFamilies = new Set(Object.keys(open).map(familyOf));
  const opened: OpenedAnomaly[] = [];
  for (const draft of found) {
    const family = familyOf(draft.key);
    if (openFamilies.has(family)) continue;
    if (cooling[family] && draft.record === false) continue;
    openFamilies.add(family);
    const id = anomalyId(tenantId, draft.key, w.at);
    opened.push({ ...explained(draft, state, w.at, base, c), id });
    open[draft.key] = { id, type: draft.type, clear: 0 };
  }
  const ruleKeys = new Set(ruleDrafts.map((d) => d.key));
  const rules = advanceRules(state.rules, w.figures, ruleKeys, c.rules);
  const jetstream = js?.state ?? state.jetstream;
  return {
    state: { rules: { ...rules, open: {} }, series, shiftRun, open, cooling, ...(jetstream && { jetstream }) },
    opened,
    resolved,
  };
}

/**
 * Why a draft opens, in its details (added to what its detector says): `detector` (the rule's
 * name, the statistical model's kind, the JetStream family), `score`, and for the statistical
 * model the series' normal range for the window (`lower`, `upper`, from the state before it). The
 * rules and JetStream families give their own `value`, `expected`, `lower`, `upper`.
 */
function explained(
  { record: _record, ...draft }: FoundDraft,
  state: PipelineState,
  at: number,
  base: SeriesModelConfig,
  c: PipelineConfig,
): AnomalyDraft & { score: number } {
  const statistical = draft.key.startsWith('stat:');
  const detector = statistical || isJetStreamKey(draft.key) ? draft.type : draft.key;
  const details: Record<string, unknown> = { ...draft.details, detector, score: round(draft.score, 6) };
  if (statistical) {
    const metric = draft.details.metric as SeriesKey;
    const before = (Object.hasOwn(state.series, metric) ? state.series[metric] : undefined) ?? initialSeriesState();
    const range = describeSeries(before, at, { ...base, resolution: c.resolution[metric] ?? 0 });
    details.lower = range.lower === null ? null : round(range.lower, 6);
    details.upper = range.upper === null ? null : round(range.upper, 6);
  }
  return { ...draft, details };
}
