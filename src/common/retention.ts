import { entitled, TIER_LIMITS } from './entitlements.js';
import { type Tier, TIERS } from './tiers.js';

/** Key expiries that implement a tenant's history (ARCHITECTURE.md, Retention: by default basic the current UTC day, professional 7 days, enterprise 30). */
export interface Retention {
  /** Per-minute buckets: realtime needs 5 minutes; 1m/5m analytics need 24 hours. */
  minuteSeconds: number;
  /** Per-hour rollups. */
  hourSeconds: number;
  /** Per-day buckets, subjects and their sketch: long enough that the oldest day kept is whole. */
  daySeconds: number;
  /** Offline clients are forgotten this long after their last heartbeat. */
  clientSeconds: number;
  /** The history a tenant keeps, in days (what analytics periods may reach back to). */
  days: number;
}

const HOUR = 3600;
const DAY = 86_400;

/** The longest history a tenant may keep (days). */
export const MAX_RETENTION_DAYS = 3650;

/** Default days of history per tier (entitlements' TIER_LIMITS; RETENTION_DAYS_BASIC|PROFESSIONAL|ENTERPRISE override it). */
export const DEFAULT_RETENTION_DAYS = tierRecord((tier) => TIER_LIMITS[tier].historyDays);

/**
 * The key expiries that keep `days` of history: hours the days plus an hour
 * (at least 26 h, so yesterday's hours outlive its day's last rollup), days one more (the oldest
 * day kept is whole), minutes 25 h for tiers with analytics (1m/5m analytics reach 24 h), else 3 h.
 */
export function retentionOfDays(tier: Tier, days: number): Retention {
  return {
    minuteSeconds: entitled(tier, 'analytics') ? 25 * HOUR : 3 * HOUR,
    hourSeconds: Math.max(26 * HOUR, days * DAY + HOUR),
    daySeconds: (days + 1) * DAY,
    clientSeconds: days * DAY,
    days,
  };
}

export const RETENTION = tierRecord((tier) => retentionOfDays(tier, DEFAULT_RETENTION_DAYS[tier]));

/** A value for every tier. */
function tierRecord<T>(of: (tier: Tier) => T): Readonly<Record<Tier, T>> {
  return Object.fromEntries(TIERS.map((tier) => [tier, of(tier)])) as Record<Tier, T>;
}
