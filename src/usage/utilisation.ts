// A limit's utilisation and its level against the thresholds (issue #34). Pure: no I/O.
import type { LimitLevel } from '../common/limits.js';
import type { LimitThresholds } from '../config/pulse-options.js';

/** Utilisation is given to 4 decimals (0.01 % of the limit). */
const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;

/**
 * `used ÷ max` (above 1 past the limit); null without a limit, or when what is used is not
 * measured (`used` null: no server figures for it).
 */
export function utilisationOf(used: number | null, max: number | null): number | null {
  if (max === null || max <= 0 || used === null) return null;
  return round4(Math.max(0, used) / max);
}

/**
 * The level of a utilisation: `critical` at the critical threshold or above, `warning` at the
 * warning threshold or above, else (and without a utilisation) `ok`.
 */
export function levelOf(utilisation: number | null, thresholds: LimitThresholds): LimitLevel {
  if (utilisation === null) return 'ok';
  if (utilisation >= thresholds.critical) return 'critical';
  if (utilisation >= thresholds.warning) return 'warning';
  return 'ok';
}
