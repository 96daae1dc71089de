import type { Severity } from '../anomalies/detectors.js';

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
/** A built-in metric, or one of the tenant's custom metrics (`custom:<id>`: its last complete minute). */
export type RuleMetric = (typeof RULE_METRICS)[number] | `custom:${string}`;
export const CUSTOM_RULE_PREFIX = 'custom:';
/** Every metric a rule may name: the built-in ones, or `custom:` and a custom metric id. */
export const RULE_METRIC_PATTERN = new RegExp(`^(?:${RULE_METRICS.join('|')}|custom:[A-Za-z0-9_-]{1,64})$`);

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
