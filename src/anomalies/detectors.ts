/**
 * Anomaly detection as pure functions over closed windows. The job feeds each tenant's window
 * figures (deltas of Redis counters merged from every instance) and keeps the returned state.
 */
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '../config/detector-config.js';
import { storedSubject } from '../common/stored-subject.js';

/** The seed's named rules, then the statistical detector's kinds (see `series-model.ts`), then JetStream's. */
export const RULE_ANOMALY_TYPES = [
  'rate_spike',
  'traffic_drop',
  'error_rate',
  'unusual_subject',
  'client_flapping',
  'security',
  'slow_consumer',
] as const;
export const STATISTICAL_ANOMALY_TYPES = ['spike', 'dip', 'level_shift', 'drift'] as const;
/** What the tenant's JetStream shows (issue #33, see `jetstream-families.ts`). */
export const JETSTREAM_ANOMALY_TYPES = ['consumer_stalled', 'redelivery_storm', 'stream_near_limit'] as const;
export const ANOMALY_TYPES = [...RULE_ANOMALY_TYPES, ...STATISTICAL_ANOMALY_TYPES, ...JETSTREAM_ANOMALY_TYPES] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];
export type Severity = 'info' | 'warning' | 'critical';

export interface WindowFigures {
  messages: number;
  sent: number;
  received: number;
  errors: number;
  rejected: number;
  /** Distinct subjects added in the window (sketch estimate delta). */
  newDistinct: number;
  /** Subject patterns seen in the window. */
  patterns: string[];
  /** Offline transitions per client in the window. */
  offline: Record<string, number>;
  /** What the NATS server reported for the tenant in the window (system account on; absent: 0). */
  nats?: {
    connects: number;
    slowConsumers: number;
    authFailures: number;
    /** The last hour's failed logins by identity and source, busiest first. */
    authSources?: { identity: string; source: string; count: number }[];
  };
}

export interface OpenAnomaly {
  id: string;
  type: AnomalyType;
  /** Windows in a row the condition has been clear. */
  clear: number;
}

export interface DetectorState {
  windows: number;
  baseline: { messages: number; rejected: number; newDistinct: number; connects?: number };
  lowWindows: number;
  /** Windows in a row the rate rules found anomalous (absent in states stored before it existed). */
  rateRun?: number;
  knownPatterns: string[];
  /** Recent windows' offline transitions per client (oldest first). */
  recentOffline: Record<string, number>[];
  open: Record<string, OpenAnomaly>;
}

export interface AnomalyDraft {
  key: string;
  type: AnomalyType;
  severity: Severity;
  summary: string;
  details: Record<string, unknown>;
}

export interface Evaluation {
  state: DetectorState;
  opened: AnomalyDraft[];
  /** Open anomalies (by key) whose condition has cleared for the hold-down. */
  resolved: OpenAnomaly[];
}

export const MAX_KNOWN_PATTERNS = 1000;

/**
 * Offline transitions per client in the window, from today's cumulative counts now and at the
 * last window (a new day starts from zero). Client ids are caller-chosen (`constructor`,
 * `__proto__` are valid ids), so only own properties are read and the result is built with
 * `fromEntries`, never by assignment.
 */
export function offlineDeltas(
  now: Record<string, number>,
  before: Record<string, number>,
  newDay: boolean,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(now)
      .map(([id, n]) => [id, newDay ? n : Math.max(0, n - (Object.hasOwn(before, id) ? before[id] : 0))] as const)
      .filter(([, n]) => n > 0),
  );
}

export function initialState(): DetectorState {
  return {
    windows: 0,
    baseline: { messages: 0, rejected: 0, newDistinct: 0 },
    lowWindows: 0,
    knownPatterns: [],
    recentOffline: [],
    open: {},
  };
}

const ewma = (previous: number, value: number, alpha: number, first: boolean) =>
  first ? value : previous + alpha * (value - previous);

/**
 * What the statistical model knows of this window's message count, so that "normal" in the rate
 * rules means normal for this series at this time of day, not a flat average.
 */
export interface RateContext {
  /** The model's expected count for this window (seasonal); undefined while it is not warm. */
  expected?: number;
  /** The upper edge of this window's normal range (expected + 3 robust spreads). */
  upper?: number;
  /** False when the series' own history shows windows like this one are usual (recurring bursts or lulls). */
  unusualUp: boolean;
  unusualDown: boolean;
}

/** What every rule of `conditions` looks at. */
interface RuleInput {
  state: DetectorState;
  w: WindowFigures;
  c: DetectorConfig;
  rate?: RateContext;
  /** The detector has seen its warm-up windows. */
  warm: boolean;
}

/** One rule: the draft of the anomaly it finds in the window, or null. */
type Rule = (input: RuleInput) => AnomalyDraft | null;

/**
 * Why a rule fired, in the terms every detector uses (`details`): the figure it judged (`value`),
 * what it takes as normal (`expected`, null when it has no baseline) and the bounds of the range
 * it lets through (`lower`, `upper`; null: none on that side). A figure at or past a bound fires
 * (for a count above zero, beyond it). Rounded to 6 significant digits.
 */
export function range(
  value: number,
  expected: number | null,
  lower: number | null,
  upper: number | null,
): { value: number; expected: number | null; lower: number | null; upper: number | null } {
  const r = (v: number | null) => (v === null ? null : Number(v.toPrecision(6)));
  return { value: r(value)!, expected: r(expected), lower: r(lower), upper: r(upper) };
}

/**
 * A spike is 10× whichever is higher, the flat baseline or the top of this hour's normal range
 * (a series that bursts to 5× every hour is not spiking at 10× its mean).
 */
const rateSpike: Rule = ({ state, w, c, rate, warm }) => {
  const spikeBase = Math.max(state.baseline.messages, rate?.upper ?? 0);
  const threshold = Math.max(c.minSpikeMessages, c.spikeFactor * Math.max(spikeBase, 1));
  const spiking = warm && (rate?.unusualUp ?? true) && w.messages >= threshold;
  if (!spiking) return null;
  const factor = spikeBase > 0 ? w.messages / spikeBase : Infinity;
  return {
    key: 'rate_spike',
    type: 'rate_spike',
    severity: factor >= 5 * c.spikeFactor ? 'critical' : 'warning',
    summary: `Message rate ${Number.isFinite(factor) ? factor.toFixed(1) : 'far'}× the baseline`,
    details: {
      messages: w.messages,
      baseline: Number(spikeBase.toFixed(2)),
      factor: Number.isFinite(factor) ? Number(factor.toFixed(2)) : null,
      ...range(w.messages, rate?.expected ?? state.baseline.messages, null, threshold),
    },
  };
};

/** A drop is judged against this hour's normal (a quiet night is not an outage). */
const trafficDrop: Rule = ({ state, w, c, rate, warm }) => {
  const dropBase = rate?.expected !== undefined ? Math.max(rate.expected, 0) : state.baseline.messages;
  const dropped =
    warm &&
    (rate?.unusualDown ?? true) &&
    dropBase >= c.minDropBaselineMessages &&
    w.messages < c.dropFraction * dropBase &&
    state.lowWindows + 1 >= c.dropWindows;
  if (!dropped) return null;
  return {
    key: 'traffic_drop',
    type: 'traffic_drop',
    severity: 'critical',
    summary: `Traffic below ${Math.round(c.dropFraction * 100)} % of the baseline for ${state.lowWindows + 1} windows`,
    details: {
      messages: w.messages,
      baseline: Number(dropBase.toFixed(2)),
      ...range(w.messages, dropBase, c.dropFraction * dropBase, null),
    },
  };
};

const errorRate: Rule = ({ w, c }) => {
  const sample = w.sent + w.received;
  const over = sample >= c.minErrorSample && w.errors / sample > c.errorRateThreshold;
  if (!over) return null;
  const rate = w.errors / sample;
  return {
    key: 'error_rate',
    type: 'error_rate',
    severity: rate > 0.25 ? 'critical' : 'warning',
    summary: `Error rate ${(rate * 100).toFixed(1)} % (threshold ${c.errorRateThreshold * 100} %)`,
    details: {
      errors: w.errors,
      messages: sample,
      errorRate: Number(rate.toFixed(4)),
      ...range(rate, null, null, c.errorRateThreshold),
    },
  };
};

const newSubjectPatterns: Rule = ({ state, w, warm }) => {
  if (!warm) return null;
  const known = new Set(state.knownPatterns);
  const unseen = [...new Set(w.patterns.map(storedSubject))].filter((p) => !known.has(p));
  if (unseen.length === 0) return null;
  return {
    key: 'unusual_subject',
    type: 'unusual_subject',
    severity: 'info',
    summary: `New subject pattern${unseen.length > 1 ? 's' : ''}: ${unseen.slice(0, 3).join(', ')}${unseen.length > 3 ? ', …' : ''}`,
    details: { patterns: unseen.slice(0, 20), ...range(unseen.length, 0, null, 0) },
  };
};

const distinctSubjectsJump: Rule = ({ state, w, c, warm }) => {
  const base = state.baseline;
  const threshold = Math.max(c.minDistinctJump, c.distinctJumpFactor * Math.max(base.newDistinct, 1));
  const jumped = warm && w.newDistinct >= threshold;
  if (!jumped) return null;
  return {
    key: 'unusual_subject:distinct',
    type: 'unusual_subject',
    severity: 'warning',
    summary: `Jump in distinct subjects: ${w.newDistinct} new in one window`,
    details: {
      newDistinct: w.newDistinct,
      baseline: Number(base.newDistinct.toFixed(2)),
      ...range(w.newDistinct, base.newDistinct, null, threshold),
    },
  };
};

const rejectedHeartbeats: Rule = ({ state, w, c, warm }) => {
  const base = state.baseline;
  const threshold = Math.max(c.minSecurityRejections, c.securityFactor * Math.max(base.rejected, 1));
  const flooded = warm && w.rejected >= threshold;
  if (!flooded) return null;
  return {
    key: 'security',
    type: 'security',
    severity: 'warning',
    summary: `${w.rejected} rejected heartbeats in one window (spoofed ids, bad payloads)`,
    details: {
      rejected: w.rejected,
      baseline: Number(base.rejected.toFixed(2)),
      ...range(w.rejected, base.rejected, null, threshold),
    },
  };
};

const natsAuthFailures: Rule = ({ w, c }) => {
  const nats = w.nats;
  const failing = nats && nats.authFailures >= c.minNatsAuthFailures;
  if (!failing) return null;
  return {
    key: 'security:nats_auth',
    type: 'security',
    severity: nats.authFailures >= 10 * c.minNatsAuthFailures ? 'critical' : 'warning',
    summary: `${nats.authFailures} failed NATS logins with the tenant's identities in one window`,
    details: {
      authFailures: nats.authFailures,
      threshold: c.minNatsAuthFailures,
      ...(nats.authSources && { lastHourBySource: nats.authSources }),
      ...range(nats.authFailures, null, null, c.minNatsAuthFailures),
    },
  };
};

const slowConsumers: Rule = ({ w }) => {
  const nats = w.nats;
  const cutOff = nats && nats.slowConsumers > 0;
  if (!cutOff) return null;
  return {
    key: 'slow_consumer',
    type: 'slow_consumer',
    severity: 'warning',
    summary: `${nats.slowConsumers} connection(s) cut off by the NATS server as slow consumers`,
    details: { slowConsumers: nats.slowConsumers, ...range(nats.slowConsumers, 0, null, 0) },
  };
};

const connectionChurn: Rule = ({ state, w, c, warm }) => {
  const nats = w.nats;
  const churnBase = state.baseline.connects ?? 0;
  const threshold = Math.max(c.minChurnConnects, c.churnFactor * Math.max(churnBase, 1));
  const churning = warm && nats && nats.connects >= threshold;
  if (!churning) return null;
  return {
    key: 'security:churn',
    type: 'security',
    severity: 'warning',
    summary: `Connection churn: ${nats.connects} new connections in one window`,
    details: {
      connects: nats.connects,
      baseline: Number(churnBase.toFixed(2)),
      ...range(nats.connects, churnBase, null, threshold),
    },
  };
};

/** Clients that went offline flapTransitions+ times over the last flapWindows windows. */
const flappingClients: Rule = ({ state, w, c }) => {
  const recent = [...state.recentOffline.slice(-(c.flapWindows - 1)), w.offline];
  const perClient = new Map<string, number>();
  for (const window of recent)
    for (const [id, n] of Object.entries(window)) perClient.set(id, (perClient.get(id) ?? 0) + n);
  const over = [...perClient].filter(([, n]) => n >= c.flapTransitions);
  const flapping = over.map(([id]) => id).sort();
  if (flapping.length === 0) return null;
  const most = over.reduce((m, [, n]) => Math.max(m, n), 0);
  return {
    key: 'client_flapping',
    type: 'client_flapping',
    severity: 'warning',
    summary: `${flapping.length} client(s) went offline ${c.flapTransitions}+ times in ${c.flapWindows} windows`,
    details: { clients: flapping.slice(0, 50), ...range(most, null, null, c.flapTransitions) },
  };
};

/** The rules, in the order their drafts are listed. */
const RULES: readonly Rule[] = [
  rateSpike,
  trafficDrop,
  errorRate,
  newSubjectPatterns,
  distinctSubjectsJump,
  rejectedHeartbeats,
  natsAuthFailures,
  slowConsumers,
  connectionChurn,
  flappingClients,
];

/** Which conditions hold in this window: key → draft (a key identifies one ongoing anomaly). */
export function conditions(
  state: DetectorState,
  w: WindowFigures,
  c: DetectorConfig,
  rate?: RateContext,
): AnomalyDraft[] {
  const input: RuleInput = { state, w, c, rate, warm: state.windows >= c.warmupWindows };
  const found: AnomalyDraft[] = [];
  for (const rule of RULES) {
    const draft = rule(input);
    if (draft) found.push(draft);
  }
  return found;
}

/**
 * One closed window: finds the conditions, opens an anomaly for each condition that has none
 * open (no duplicates while it lasts), resolves open ones clear for the hold-down, and moves the
 * baselines. Windows that are themselves anomalous do not move the rate baseline, so a short
 * burst does not become normal; one that lasts `adoptWindows` does.
 */
export function evaluate(
  state: DetectorState,
  w: WindowFigures,
  c: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): Evaluation {
  const found = conditions(state, w, c);
  const active = new Set(found.map((f) => f.key));
  const open: Record<string, OpenAnomaly> = {};
  const resolved: OpenAnomaly[] = [];
  for (const [key, anomaly] of Object.entries(state.open)) {
    const clear = active.has(key) ? 0 : anomaly.clear + 1;
    if (clear >= c.holdDownWindows) resolved.push({ ...anomaly, clear });
    else open[key] = { ...anomaly, clear };
  }
  const opened = found.filter((f) => !open[f.key]);
  return { state: { ...advanceRules(state, w, active, c), open }, opened, resolved };
}

/** Moves the rules' baselines and memories past a window whose active condition keys are `active`. */
export function advanceRules(
  state: DetectorState,
  w: WindowFigures,
  active: Set<string>,
  c: DetectorConfig,
): DetectorState {
  const first = state.windows === 0;
  const rateAnomalous = active.has('rate_spike') || active.has('traffic_drop');
  const rateRun = rateAnomalous ? (state.rateRun ?? 0) + 1 : 0;
  const adopt = rateRun >= c.adoptWindows;
  const baseline = {
    messages: adopt
      ? w.messages
      : rateAnomalous
        ? state.baseline.messages
        : ewma(state.baseline.messages, w.messages, c.alpha, first),
    rejected: active.has('security')
      ? state.baseline.rejected
      : ewma(state.baseline.rejected, w.rejected, c.alpha, first),
    newDistinct: active.has('unusual_subject:distinct')
      ? state.baseline.newDistinct
      : ewma(state.baseline.newDistinct, w.newDistinct, c.alpha, first),
    connects: active.has('security:churn')
      ? (state.baseline.connects ?? 0)
      : ewma(state.baseline.connects ?? 0, w.nats?.connects ?? 0, c.alpha, first),
  };
  const low =
    state.baseline.messages >= c.minDropBaselineMessages && w.messages < c.dropFraction * state.baseline.messages;
  // Patterns are the tenant's subjects: each learnt in its stored form (at most
  // MAX_STORED_SUBJECT_CHARS), so the state holds at most MAX_KNOWN_PATTERNS × that; a state
  // stored before the bound is bounded as it is read again.
  const known = new Set(state.knownPatterns.map(storedSubject));
  for (const p of w.patterns) if (known.size < MAX_KNOWN_PATTERNS) known.add(storedSubject(p));
  return {
    windows: state.windows + 1,
    baseline,
    lowWindows: low && !adopt ? state.lowWindows + 1 : 0,
    rateRun: adopt ? 0 : rateRun,
    knownPatterns: [...known],
    recentOffline: [...state.recentOffline, w.offline].slice(-c.flapWindows),
    open: state.open,
  };
}
