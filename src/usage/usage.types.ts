/**
 * The usage feature's shapes (issue #34): the answer of `GET /api/v1/metrics/usage`, a limit's
 * utilisation, a limit crossing, and one hourly usage record of the billing export. The contract
 * between the usage service, its routes, the dashboard, alerting and the export.
 */
import type { LimitLevel, LimitName, LimitSource } from '../common/limits.js';
import type { DeploymentShape } from '../nats-events/server-usage.types.js';

/** Messages and bytes. */
export interface Volume {
  messages: number;
  bytes: number;
}

/** A period's usage: Pulse's own publish count beside what the server counted. */
export interface UsageFigures {
  /** What Pulse's tap counted on `tenant.<id>.>` (published to the subjects Pulse sees). */
  published: Volume;
  /** What the tenant's connections sent to the server, as the server counts it. */
  ingress: Volume;
  /** What the server delivered to the tenant's connections (fan-out included). */
  egress: Volume;
  /** egress.messages ÷ ingress.messages; null when nothing came in. */
  fanout: number | null;
  connectionMinutes: number;
  jetstreamStorageByteHours: number;
  /** Refusals the server reported for a limit (disconnect reasons). */
  refused: { connections: number; payloads: number; subscriptions: number };
}

/** When a limit is forecast to be reached (analytics' forecast on the hourly series, with its interval). */
export interface LimitForecast {
  /** The median forecast reaches the limit at this hour; null: not within the horizon. */
  reachedAt: string | null;
  /** The 95 % interval's upper bound reaches it (the earliest plausible date). */
  earliest: string | null;
  /** The 95 % interval's lower bound reaches it (the latest plausible date); null: not within the horizon. */
  latest: string | null;
  method: 'holt_winters' | 'holt' | 'quota';
  /** Hours ahead the forecast looked. */
  horizonHours: number;
}

/** One limit's utilisation. */
export interface LimitUtilisation {
  limit: LimitName;
  /** The limit's value; null: none set. */
  max: number | null;
  source: LimitSource;
  /** What is used now (this month, for `data` and `monthlyMessages`; today's largest message for `payload`). */
  used: number;
  /**
   * used ÷ max (0..; above 1 past the limit); null without a limit, or when the use is not measured
   * (no server figures for it, e.g. connections without a system account: `used` reads 0 then).
   */
  utilisation: number | null;
  /** The most used today (UTC), and its utilisation. */
  peakToday: number;
  peakUtilisation: number | null;
  level: LimitLevel;
  forecast: LimitForecast | null;
}

/** `GET /api/v1/metrics/usage`. */
export interface UsageAnswer {
  tenantId: string;
  shape: DeploymentShape;
  natsAccount: string | null;
  /** Whether the server's figures are gathered (system account): without it, only `published` is counted. */
  serverFigures: 'off' | 'connected' | 'disconnected';
  /** When the server's figures were last polled. */
  polledAt: string | null;
  thresholds: { warning: number; critical: number };
  today: UsageFigures;
  month: UsageFigures;
  /**
   * The first day (UTC midnight, ISO) `month` counts: the month's first, or the oldest day the
   * tenant's history keeps when its retention is shorter than the month so far (issue #34, added
   * by the usage service: a month counted from fewer days says so).
   */
  monthFrom: string;
  limits: LimitUtilisation[];
  /** The usage history within the tier's retention (hours for a day or less, else days). */
  history: { granularity: 'hour' | 'day'; points: (UsageFigures & { timestamp: string })[] };
}

/** A limit crossing a threshold (once per crossing), or going back below. */
export interface LimitCrossing {
  /** Stable per crossing: `<tenantId>:<limit>:<level>:<epoch ms it opened>`. */
  id: string;
  tenantId: string;
  limit: LimitName;
  level: Exclude<LimitLevel, 'ok'>;
  event: 'opened' | 'resolved';
  used: number;
  max: number;
  utilisation: number;
  at: string;
}

/** One tenant-hour of the billing export (NDJSON line, or a CloudEvent's `data`). */
export interface UsageRecord {
  /** Stable per tenant-hour: `usage:<tenantId>:<YYYY-MM-DDTHH>` (a receiver deduplicates on it). */
  id: string;
  tenantId: string;
  /** The hour's start and end (ISO, UTC). */
  hourStart: string;
  hourEnd: string;
  published: Volume;
  ingress: Volume;
  egress: Volume;
  connectionMinutes: number;
  jetstreamStorageByteHours: number;
}

/** What the limit watch reads: every limit's utilisation of a tenant now (provided by the usage service). */
export interface UtilisationSource {
  /**
   * `options.forecast: false` (the limit watch, every pass for every tenant): only the levels are
   * needed, so a source may leave `forecast` null and skip computing it.
   */
  limits(tenantId: string, options?: { forecast?: boolean }): Promise<LimitUtilisation[]>;
}

/** The Nest token of the UtilisationSource (provided by UsageModule). */
export const UTILISATION_SOURCE = Symbol('UTILISATION_SOURCE');
