import type { Severity } from '../anomalies/detectors.js';
import { isJetStreamName } from '../jetstream/advisories.js';

export const RULE_METRICS = [
  'messages_per_second',
  'bytes_per_second',
  'error_rate',
  'latency_p95_ms',
  'latency_p99_ms',
  'online_clients',
  'offline_clients',
  'unhealthy_clients',
] as const;
/**
 * A built-in metric, one of the tenant's custom metrics (`custom:<id>`: its last complete minute),
 * or a figure of one of its JetStream streams or consumers at the last poll (`jetstream:…`).
 */
export type RuleMetric = (typeof RULE_METRICS)[number] | `custom:${string}` | `jetstream:${string}`;
export const CUSTOM_RULE_PREFIX = 'custom:';
export const JETSTREAM_RULE_PREFIX = 'jetstream:';
/** `jetstream:<stream>/<consumer>:<field>`: the consumer's figure. */
export const JETSTREAM_CONSUMER_FIELDS = ['pending', 'ackPending', 'redelivered'] as const;
/** `jetstream:<stream>:<field>`: the stream's figure (`fill`: its worst limit's, 0..1). */
export const JETSTREAM_STREAM_FIELDS = ['fill', 'messages', 'bytes'] as const;
export type JetStreamRuleField = (typeof JETSTREAM_CONSUMER_FIELDS)[number] | (typeof JETSTREAM_STREAM_FIELDS)[number];
/** The longest metric name: the prefix, two names of at most 255 characters, a field. */
export const MAX_RULE_METRIC_LENGTH = 600;
/**
 * Every metric a rule may name, as the OpenAPI document states it (linear: one bounded class
 * after distinct literal prefixes). The DTO checks JetStream names exactly with
 * `parseJetStreamMetric`.
 */
export const RULE_METRIC_PATTERN = new RegExp(
  `^(?:${RULE_METRICS.join('|')}|custom:[A-Za-z0-9_-]{1,64}|jetstream:[!-~]{3,${MAX_RULE_METRIC_LENGTH - 10}})$`,
);
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BUILT_IN = new Set<string>(RULE_METRICS);
const CONSUMER_FIELDS = new Set<string>(JETSTREAM_CONSUMER_FIELDS);
const STREAM_FIELDS = new Set<string>(JETSTREAM_STREAM_FIELDS);

export interface JetStreamMetric {
  stream: string;
  /** Null for a stream's figure. */
  consumer: string | null;
  field: JetStreamRuleField;
}

/**
 * `jetstream:<stream>/<consumer>:<pending|ackPending|redelivered>` or
 * `jetstream:<stream>:<fill|messages|bytes>`, names as NATS allows them; null otherwise. Linear:
 * the field after the last `:`, the names split at the only `/` (a name holds none).
 */
export function parseJetStreamMetric(metric: string): JetStreamMetric | null {
  if (metric.length > MAX_RULE_METRIC_LENGTH || !metric.startsWith(JETSTREAM_RULE_PREFIX)) return null;
  const colon = metric.lastIndexOf(':');
  const names = metric.slice(JETSTREAM_RULE_PREFIX.length, colon);
  const field = metric.slice(colon + 1);
  const slash = names.indexOf('/');
  if (slash === -1) {
    return STREAM_FIELDS.has(field) && isJetStreamName(names)
      ? { stream: names, consumer: null, field: field as JetStreamRuleField }
      : null;
  }
  const stream = names.slice(0, slash);
  const consumer = names.slice(slash + 1);
  return CONSUMER_FIELDS.has(field) && isJetStreamName(stream) && isJetStreamName(consumer)
    ? { stream, consumer, field: field as JetStreamRuleField }
    : null;
}

/** Whether a rule may name `metric`: a built-in one, `custom:<id>`, or a JetStream figure. */
export function isRuleMetric(metric: unknown): metric is RuleMetric {
  if (typeof metric !== 'string' || metric.length > MAX_RULE_METRIC_LENGTH) return false;
  if (BUILT_IN.has(metric)) return true;
  if (metric.startsWith(CUSTOM_RULE_PREFIX)) return CUSTOM_ID.test(metric.slice(CUSTOM_RULE_PREFIX.length));
  return parseJetStreamMetric(metric) !== null;
}

export interface AlertRule {
  id: string;
  name: string;
  metric: RuleMetric;
  operator: 'gt' | 'lt';
  threshold: number;
  forSeconds: number;
  severity: Severity;
  /** Empty: every channel of the tenant. */
  channelIds: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * A rule as stored, checked before use: data stored before updates refused null fields (a PATCH
 * `{"channelIds": null}` was stored as given) must not break the evaluator or the listing.
 * Missing or null `channelIds` reads as `[]` (every channel, as on create); a rule missing any
 * field its evaluation needs is null (skipped).
 */
export function readStoredRule(raw: unknown): AlertRule | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const channelIds = r.channelIds ?? [];
  const usable =
    typeof r.id === 'string' &&
    typeof r.name === 'string' &&
    isRuleMetric(r.metric) &&
    (r.operator === 'gt' || r.operator === 'lt') &&
    typeof r.threshold === 'number' &&
    Number.isFinite(r.threshold) &&
    typeof r.forSeconds === 'number' &&
    Number.isFinite(r.forSeconds) &&
    (r.severity === 'info' || r.severity === 'warning' || r.severity === 'critical') &&
    Array.isArray(channelIds) &&
    channelIds.every((c) => typeof c === 'string') &&
    typeof r.createdAt === 'string';
  if (!usable) return null;
  return {
    ...(r as unknown as AlertRule),
    channelIds,
    updatedAt: typeof r.updatedAt === 'string' ? r.updatedAt : (r.createdAt as string),
  };
}

export interface RuleState {
  /** When the condition started to hold (ms), or null. */
  pendingSince: number | null;
  firing: boolean;
  /** Last notification of the firing alert (ms), for repeats. */
  notifiedAt: number | null;
  value: number | null;
}

export const IDLE: RuleState = { pendingSince: null, firing: false, notifiedAt: null, value: null };

export type RuleTransition = 'fire' | 'resolve' | 'repeat' | null;

/**
 * One evaluation of a rule: it fires once the condition has held for `forSeconds`, repeats while
 * firing at most every `repeatMs`, and resolves as soon as the condition no longer holds.
 */
export function stepRule(
  rule: AlertRule,
  state: RuleState,
  value: number,
  now: number,
  repeatMs: number,
): { state: RuleState; transition: RuleTransition } {
  const holds = rule.operator === 'gt' ? value > rule.threshold : value < rule.threshold;
  if (!holds) {
    return { state: { ...IDLE, value }, transition: state.firing ? 'resolve' : null };
  }
  const pendingSince = state.pendingSince ?? now;
  if (state.firing) {
    if (state.notifiedAt !== null && now - state.notifiedAt >= repeatMs) {
      return { state: { ...state, pendingSince, notifiedAt: now, value }, transition: 'repeat' };
    }
    return { state: { ...state, pendingSince, value }, transition: null };
  }
  if (now - pendingSince >= rule.forSeconds * 1000) {
    return { state: { pendingSince, firing: true, notifiedAt: now, value }, transition: 'fire' };
  }
  return { state: { ...state, pendingSince, value }, transition: null };
}

export interface Silence {
  id: string;
  /** Every field given must match the alert. */
  matcher: { ruleId?: string; anomalyType?: string; severity?: Severity; alertKey?: string };
  until: string;
  createdAt: string;
}

export interface AlertLabels {
  alertKey: string;
  ruleId?: string;
  anomalyType?: string;
  severity: Severity;
}

export function silenced(silences: Silence[], labels: AlertLabels, now: number): boolean {
  return silences.some(
    (s) =>
      Date.parse(s.until) > now &&
      Object.entries(s.matcher).every(([k, v]) => v === undefined || labels[k as keyof AlertLabels] === v),
  );
}
