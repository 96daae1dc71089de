import { MINUTE_SOURCES, type MinuteSource, type TotalSource } from './counter-schema.js';

/** A minute's counters in a delta: one number per `minute` source of the counter schema. */
export type MinuteCounts = Record<MinuteSource, number>;

/** What one minute of a delta holds (monitoring's TenantDelta fills it; the flush stores it). */
export interface MinuteDelta extends MinuteCounts {
  /** Second of the minute (0..59) → [messages, bytes]; dropped for old minutes during an outage. */
  seconds: Map<number, [number, number]> | null;
  /** Latency bucket → samples. */
  latency: Map<number, number> | null;
}

/** The minute sources other than messages and bytes (which per-second detail also carries). */
export const COUNT_SOURCES: readonly Exclude<MinuteSource, 'messages' | 'bytes'>[] = MINUTE_SOURCES.filter(
  (s): s is Exclude<MinuteSource, 'messages' | 'bytes'> => s !== 'messages' && s !== 'bytes',
);

/** A new minute: every counter 0, per-second detail on, no latency samples. */
export function emptyMinute(): MinuteDelta {
  const minute = { seconds: new Map(), latency: null } as unknown as MinuteDelta;
  for (const source of MINUTE_SOURCES) minute[source] = 0;
  return minute;
}

/** One day's subjects in a delta: exact counts of the first ones, the rest folded into `other*`. */
export interface SubjectDayDelta {
  readonly counts: ReadonlyMap<string, { messages: number; bytes: number }>;
  readonly otherMessages: number;
  readonly otherBytes: number;
  /** Distinct-subject sketch register → highest rank seen. */
  readonly sketch: ReadonlyMap<number, number>;
}

/** One custom metric's figures for one minute. */
export interface CustomFigure {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly unparsable: number;
  readonly tooLarge: number;
  readonly histogram: ReadonlyMap<number, number> | null;
}

/** minute epoch → custom metric id → figures. */
export type CustomFiguresDelta = ReadonlyMap<number, ReadonlyMap<string, CustomFigure>>;

/**
 * What the history store writes for one tenant in one flush: the `total` sources of the counter
 * schema, the minutes, each day's subjects and the custom metrics' figures.
 */
export type HistoryDelta = Readonly<Record<TotalSource, number>> & {
  readonly tenantId: string;
  /** Flush sequence: a retry sends the same one, and the store applies it at most once. */
  readonly seq: number;
  readonly minutes: ReadonlyMap<number, MinuteDelta>;
  /** UTC day (YYYYMMDD) → subjects seen that day. */
  readonly subjects: ReadonlyMap<string, SubjectDayDelta>;
  readonly custom: CustomFiguresDelta | null;
};
