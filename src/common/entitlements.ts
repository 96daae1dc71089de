import { type Tier, TIERS, tierAtLeast } from './tiers.js';

/**
 * Which tier gets what: every tier-gated feature and the lowest tier that has it (higher tiers
 * have it too). The API key guard (`@RequiresFeature`), the services, the realtime view, the jobs
 * and the dashboard (through `GET /api/v1/tenant`) all ask this table, so a feature moves to
 * another tier by changing its line here.
 */
export const FEATURE_TIERS = {
  /** Realtime throughput, latency percentiles, top subjects and sampling (also in Prometheus). */
  realtimeDetail: 'professional',
  /** The presence client list (`status`, `online`, `limit`, `cursor` on /metrics/presence). */
  clientList: 'professional',
  /** `GET /metrics/connections`: the tenant's NATS connections. */
  connections: 'professional',
  /** `GET /metrics/analytics`: history series, totals and subjects (minute buckets kept 25 h). */
  analytics: 'professional',
  /** `GET /metrics/export`: the analytics series as CSV, NDJSON or Parquet. */
  exports: 'professional',
  /** `GET /metrics/jetstream`: the tenant's streams and consumers, their figures and time to drain. */
  jetstream: 'professional',
  /** `/events/subscriptions`: events sent to the tenant's own endpoint as signed webhooks (EVENT_TYPE_TIERS). */
  eventSubscriptions: 'professional',
  /** The error rate in the realtime view. */
  errorRate: 'enterprise',
  /** Anomaly detection, its list, open count and backtest. */
  anomalies: 'enterprise',
  /** Per-client behaviour history (written by heartbeats and the offline detector) in analytics. */
  clientBehaviour: 'enterprise',
  /** The traffic forecast and quota projection in analytics. */
  forecast: 'enterprise',
  /** Custom metrics: definitions, the tap's counting, realtime and export columns. */
  customMetrics: 'enterprise',
  /** Alert channels, rules, silences and their evaluation. */
  alerts: 'enterprise',
  /** `GET /audit`: the tenant's own audit trail. */
  auditLog: 'enterprise',
  /** `GET /metrics/jetstream/history`: per-minute and per-hour JetStream figures. */
  jetstreamHistory: 'enterprise',
} as const satisfies Record<string, Tier>;

/**
 * Which tier may subscribe to which webhook event type (the lowest; higher tiers have it too). A
 * subscription's types are checked against this when it is saved, and its tenant's tier again
 * when its events are sent (a tenant moved to a lower tier gets only what its tier has).
 */
export const EVENT_TYPE_TIERS = {
  'client.online': 'professional',
  'client.status_changed': 'professional',
  'client.offline': 'professional',
  'connection.opened': 'professional',
  'connection.closed': 'professional',
  'limit.opened': 'professional',
  'limit.resolved': 'professional',
  'anomaly.opened': 'enterprise',
  'anomaly.resolved': 'enterprise',
} as const satisfies Record<string, Tier>;

export type EventType = keyof typeof EVENT_TYPE_TIERS;

/** Every webhook event type, in the table's order. */
export const EVENT_TYPES = Object.keys(EVENT_TYPE_TIERS) as readonly EventType[];

/** The event types a tenant of `tier` may subscribe to. */
export function eventTypesOf(tier: Tier): EventType[] {
  return EVENT_TYPES.filter((t) => tierAtLeast(tier, EVENT_TYPE_TIERS[t]));
}

export type Feature = keyof typeof FEATURE_TIERS;

/** Every feature, in the table's order. */
export const FEATURES = Object.keys(FEATURE_TIERS) as readonly Feature[];

/** Quantities that differ by tier (defaults: the environment can override them). */
export interface TierLimits {
  /** Days of history kept (RETENTION_DAYS_BASIC|PROFESSIONAL|ENTERPRISE override it). */
  historyDays: number;
  /** Hours the tenant's webhook events are kept for replay (and for a subscription that falls behind). */
  eventRetentionHours: number;
}

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  basic: { historyDays: 1, eventRetentionHours: 0 },
  professional: { historyDays: 7, eventRetentionHours: 24 },
  enterprise: { historyDays: 30, eventRetentionHours: 72 },
};

/** The lowest tier that has `feature`. */
export function lowestTier(feature: Feature): Tier {
  return FEATURE_TIERS[feature];
}

/** True when a tenant of `tier` has `feature`. */
export function entitled(tier: Tier, feature: Feature): boolean {
  return tierAtLeast(tier, FEATURE_TIERS[feature]);
}

/** The features `tier` has, in the table's order. */
export function featuresOf(tier: Tier): Feature[] {
  return FEATURES.filter((f) => entitled(tier, f));
}

/** The tiers that have `feature`, lowest first. */
export function tiersWith(feature: Feature): Tier[] {
  return TIERS.filter((t) => entitled(t, feature));
}

/** What a tenant of `tier` may use: every feature, the tier it needs, and whether `tier` has it. */
export function entitlementsOf(tier: Tier): { feature: Feature; requiredTier: Tier; entitled: boolean }[] {
  return FEATURES.map((feature) => ({
    feature,
    requiredTier: FEATURE_TIERS[feature],
    entitled: entitled(tier, feature),
  }));
}
