import type { Tier } from './tiers.js';

/** Key expiries that implement each tier's history (ARCHITECTURE.md, Retention: basic the current UTC day, professional 7 days, enterprise 30). */
export interface Retention {
  /** Per-minute buckets: realtime needs 5 minutes; 1m/5m analytics need 24 hours. */
  minuteSeconds: number;
  /** Per-hour rollups. */
  hourSeconds: number;
  /** Per-day buckets, subjects and their sketch: long enough that the oldest day kept is whole. */
  daySeconds: number;
  /** Offline clients are forgotten this long after their last heartbeat. */
  clientSeconds: number;
}

const HOUR = 3600;
const DAY = 86_400;

export const RETENTION: Record<Tier, Retention> = {
  basic: { minuteSeconds: 3 * HOUR, hourSeconds: 26 * HOUR, daySeconds: 2 * DAY, clientSeconds: DAY },
  professional: { minuteSeconds: 25 * HOUR, hourSeconds: 7 * DAY + HOUR, daySeconds: 8 * DAY, clientSeconds: 7 * DAY },
  enterprise: { minuteSeconds: 25 * HOUR, hourSeconds: 30 * DAY + HOUR, daySeconds: 31 * DAY, clientSeconds: 30 * DAY },
};
