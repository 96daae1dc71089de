import { LIMIT_NAMES, type LimitLevel, type LimitName } from '../common/limits.js';
import type { LimitThresholds } from '../config/pulse-options.js';
import type { LimitCrossing, LimitUtilisation } from './usage.types.js';

/** A crossing's level: the thresholds above ok. */
export type CrossingLevel = LimitCrossing['level'];

/**
 * What the limit watch remembers of one limit of a tenant: the level of the last pass, when each
 * crossing still open opened (epoch ms: the crossing's id), and the limit's value then (a resolve
 * after the limit was removed still says what it was).
 */
export interface WatchedLimit {
  level: LimitLevel;
  opened: Partial<Record<CrossingLevel, number>>;
  max: number | null;
}

/** What one pass decided for a tenant: the limits whose stored state changes, and the crossings in order. */
export interface LimitStep {
  changed: Map<LimitName, WatchedLimit>;
  crossings: LimitCrossing[];
}

/**
 * When an open crossing resolves: only once the utilisation is below its threshold minus `margin`
 * (0..1 of the limit; LIMIT_RESOLVE_MARGIN_PERCENT), so a limit hovering at a threshold does not
 * open and resolve a crossing every pass. Opening stays at the threshold.
 */
export interface Hysteresis {
  thresholds: LimitThresholds;
  margin: number;
}

const KNOWN = new Set<string>(LIMIT_NAMES);
/** Utilisations compare to 4 decimals (as they are given): 0.95 − 0.05 is 0.9, not 0.8999…. */
const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const NOTHING_OPEN: WatchedLimit = { level: 'ok', opened: {}, max: null };

/** `<tenantId>:<limit>:<level>:<epoch ms it opened>`: the same for the crossing's opening and its end. */
export function crossingId(tenantId: string, limit: LimitName, level: CrossingLevel, openedAt: number): string {
  return `${tenantId}:${limit}:${level}:${openedAt}`;
}

/**
 * The crossings a tenant's utilisation makes against what the last pass saw (pure). Per limit, by
 * the level the utilisation source computed from the thresholds: reaching warning opens a warning;
 * reaching critical opens critical, the warning staying open (from ok straight to critical opens
 * both, warning first: each threshold crossed is one crossing); critical back to warning resolves
 * critical; back to ok resolves whatever is open (critical first). A level that stays the same
 * makes nothing, and changes nothing stored. A limit the source does not list (or does not know)
 * keeps its state: only a reading moves it; so does a limit with a value whose use is not
 * measured (utilisation null: the server's figures lost, the snapshot expired), which would read
 * `ok` and falsely resolve every open crossing, to reopen them under new ids once figures return.
 * A limit without a value any more (removed) resolves what is open. With `hysteresis` an open
 * crossing resolves only below its threshold minus the margin (without: below the threshold). The
 * level stored is the highest crossing open.
 */
export function stepLimits(
  tenantId: string,
  previous: ReadonlyMap<LimitName, WatchedLimit>,
  current: readonly LimitUtilisation[],
  now: number,
  hysteresis?: Hysteresis,
): LimitStep {
  const changed = new Map<LimitName, WatchedLimit>();
  const crossings: LimitCrossing[] = [];
  const at = new Date(now).toISOString();
  const seen = new Set<LimitName>();
  for (const u of current) {
    if (!KNOWN.has(u.limit) || seen.has(u.limit)) continue;
    seen.add(u.limit);
    if (u.utilisation === null && u.max !== null) continue; // not measured: nothing known
    const before = previous.get(u.limit) ?? NOTHING_OPEN;
    const opened = { ...before.opened };
    const max = u.max ?? before.max;
    const crossing = (level: CrossingLevel, event: LimitCrossing['event'], openedAt: number): LimitCrossing => {
      const limitValue = max ?? 0;
      const utilisation = u.utilisation ?? (limitValue > 0 ? u.used / limitValue : 0);
      return {
        id: crossingId(tenantId, u.limit, level, openedAt),
        tenantId,
        limit: u.limit,
        level,
        event,
        used: u.used,
        max: limitValue,
        utilisation,
        at,
      };
    };
    const reaches = (level: CrossingLevel) => (level === 'warning' ? u.level !== 'ok' : u.level === 'critical');
    // An open crossing holds while the utilisation stays within the margin below its threshold.
    const holds = (level: CrossingLevel) =>
      hysteresis !== undefined &&
      u.utilisation !== null &&
      opened[level] !== undefined &&
      u.utilisation >= round4(hysteresis.thresholds[level] - hysteresis.margin);
    const wants = (level: CrossingLevel) => reaches(level) || holds(level);
    // Opens lowest first, resolves highest first: a receiver sees them nest.
    for (const level of ['warning', 'critical'] as const) {
      if (wants(level) && opened[level] === undefined) {
        opened[level] = now;
        crossings.push(crossing(level, 'opened', now));
      }
    }
    for (const level of ['critical', 'warning'] as const) {
      const openedAt = opened[level];
      if (!wants(level) && openedAt !== undefined) {
        delete opened[level];
        crossings.push(crossing(level, 'resolved', openedAt));
      }
    }
    const level: LimitLevel =
      opened.critical !== undefined ? 'critical' : opened.warning !== undefined ? 'warning' : 'ok';
    const moved = before.level !== level || crossings.some((c) => c.limit === u.limit);
    if (moved) changed.set(u.limit, { level, opened, max });
  }
  return { changed, crossings };
}
