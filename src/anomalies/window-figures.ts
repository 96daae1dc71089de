import type { TenantCounters } from './anomaly.repository.js';
import { offlineDeltas, type WindowFigures } from './detectors.js';
import { subjectPattern } from './subject-pattern.js';

// The figures a detection window is judged on, from the tenant's cumulative counters in Redis:
// deltas since the last window closed, and how they are shared out over windows a pass missed.

/** The counters a window's deltas are taken from, as of the last window closed. */
export type Snapshot = Omit<TenantCounters, 'sketch' | 'subjects' | 'latencyP95' | 'nats' | 'natsAuthSources'> & {
  distinct: number;
  /** Absent in states stored before those counters existed. */
  nats?: TenantCounters['nats'];
};

/** One window to judge: where it starts, its figures and its messages and bytes series. */
export interface JudgedWindow {
  from: number;
  figures: WindowFigures;
  messages: number;
  bytes: number;
  /** The window being closed (the last of those missed). */
  last: boolean;
}

export const delta = (now: number, before: number) => Math.max(0, now - before);

/** The figures since the last window closed: deltas of the counters, the day's sets as they are. */
export function windowFigures(counters: TenantCounters, before: Snapshot, distinct: number): WindowFigures {
  const newDay = before.day !== counters.day;
  return {
    messages: delta(counters.messages, before.messages),
    sent: delta(counters.sent, before.sent),
    received: delta(counters.received, before.received),
    errors: delta(counters.errors, before.errors),
    rejected: delta(counters.rejected, before.rejected),
    newDistinct: newDay ? distinct : delta(distinct, before.distinct),
    patterns: counters.subjects.map((subject) => subjectPattern(subject)),
    offline: offlineDeltas(counters.offline, before.offline, newDay),
    // States stored before these counters existed take the current values as their start.
    nats: {
      connects: delta(counters.nats.connects, before.nats?.connects ?? counters.nats.connects),
      slowConsumers: delta(counters.nats.slowConsumers, before.nats?.slowConsumers ?? counters.nats.slowConsumers),
      authFailures: delta(counters.nats.authFailures, before.nats?.authFailures ?? counters.nats.authFailures),
      authSources: counters.natsAuthSources,
    },
  };
}

export function snapshot(c: TenantCounters, distinct: number): Snapshot {
  return {
    messages: c.messages,
    bytes: c.bytes,
    sent: c.sent,
    received: c.received,
    errors: c.errors,
    rejected: c.rejected,
    distinct,
    day: c.day,
    offline: c.offline,
    nats: c.nats,
  };
}

/**
 * The figures of one of `count` missed windows: its own messages; the counts Redis keeps only as
 * totals shared out evenly (none looks like a burst); the day's sets and the offline transitions
 * with the last window only.
 */
export function shareOf(f: WindowFigures, count: number, last: boolean, messages: number): WindowFigures {
  const part = (n: number) => Math.round(n / count);
  return {
    messages,
    sent: part(f.sent),
    received: part(f.received),
    errors: part(f.errors),
    rejected: part(f.rejected),
    newDistinct: part(f.newDistinct),
    patterns: last ? f.patterns : [],
    offline: last ? f.offline : {},
    nats: f.nats && {
      connects: part(f.nats.connects),
      slowConsumers: part(f.nats.slowConsumers),
      authFailures: part(f.nats.authFailures),
      authSources: last ? f.nats.authSources : [],
    },
  };
}
