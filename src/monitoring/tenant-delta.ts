import { combineFigures, type CustomFigures } from './custom/custom-metric-set.js';
import { SubjectTable } from './subject-table.js';
import { COUNT_SOURCES, emptyMinute, type MinuteDelta } from '../history/history-delta.js';
import { MINUTE_COUNTERS, type MinuteSource } from '../history/counter-schema.js';

export type { MinuteDelta } from '../history/history-delta.js';

/** The minute sources the counter schema keeps at their maximum (the largest message), not summed. */
const KEPT_AT_MAXIMUM: ReadonlySet<MinuteSource> = new Set(
  MINUTE_COUNTERS.filter((c) => c.op === 'm').map((c) => c.source),
);

/** Keep per-second detail for this long while deltas wait for Redis; older minutes keep totals only. */
export const SECOND_DETAIL_MS = 10 * 60_000;

/**
 * What one tenant's counters changed by since the last successful flush (a HistoryDelta: what the
 * history store writes). Its size is bounded by the minutes it spans and the subject table's
 * capacity, never by the number of messages.
 */
export class TenantDelta {
  /** Flush sequence, assigned when the delta is first sent; retries send the same sequence. */
  seq = 0;
  messages = 0;
  bytes = 0;
  latencyMissing = 0;
  latencyInvalid = 0;
  /** Sum of the latency samples' milliseconds (the all-time histogram's sum). */
  latencySumMs = 0;
  /** Epoch ms of the latest message in the delta (0: none). */
  lastActivityMs = 0;
  /**
   * What the server delivered to the tap (`pd_m`/`pd_b`): its messages, and their bytes as the
   * server counts a delivery (headers + payload; `bytes` counts the payload only). Per minute in
   * the minutes' `deliveredMessages`/`deliveredBytes`.
   */
  deliveredMessages = 0;
  deliveredBytes = 0;
  /** Custom metrics' figures of the window (null: none). */
  custom: CustomFigures | null = null;
  readonly minutes = new Map<number, MinuteDelta>();
  /** UTC day (YYYYMMDD) → subjects seen that day. */
  readonly subjects = new Map<string, SubjectTable>();

  constructor(
    readonly tenantId: string,
    private readonly subjectCapacity: number,
  ) {}

  minute(minuteEpoch: number): MinuteDelta {
    let minute = this.minutes.get(minuteEpoch);
    if (!minute) {
      minute = emptyMinute();
      this.minutes.set(minuteEpoch, minute);
    }
    return minute;
  }

  addSecond(epochSecond: number, messages: number, bytes: number): void {
    const minute = this.minute(epochSecond - (epochSecond % 60));
    minute.messages += messages;
    minute.bytes += bytes;
    if (minute.seconds) {
      const offset = epochSecond % 60;
      const slot = minute.seconds.get(offset);
      if (slot) {
        slot[0] += messages;
        slot[1] += bytes;
      } else {
        minute.seconds.set(offset, [messages, bytes]);
      }
    }
    this.messages += messages;
    this.bytes += bytes;
  }

  addLatency(minuteEpoch: number, bucket: number, samples: number): void {
    const minute = this.minute(minuteEpoch);
    minute.latency ??= new Map();
    minute.latency.set(bucket, (minute.latency.get(bucket) ?? 0) + samples);
  }

  /**
   * Adds `n` to one of the minute's counters by the counter schema's rule: summed, or kept at the
   * maximum (a `minute` source of the schema; messages and bytes come by `addSecond`, which also
   * keeps the per-second detail).
   */
  addCount(source: Exclude<MinuteSource, 'messages' | 'bytes'>, minuteEpoch: number, n: number): void {
    const minute = this.minute(minuteEpoch);
    minute[source] = KEPT_AT_MAXIMUM.has(source) ? Math.max(minute[source], n) : minute[source] + n;
  }

  subjectsOf(day: string): SubjectTable {
    let table = this.subjects.get(day);
    if (!table) {
      table = new SubjectTable(this.subjectCapacity);
      this.subjects.set(day, table);
    }
    return table;
  }

  get isEmpty(): boolean {
    return this.messages === 0 && this.latencyMissing === 0 && this.latencyInvalid === 0;
  }

  /** Adds `other` into this delta (both unsent). Drops per-second detail older than SECOND_DETAIL_MS. */
  mergeFrom(other: TenantDelta, now: number): void {
    for (const [minuteEpoch, m] of other.minutes) {
      if (m.seconds) {
        for (const [offset, [messages, bytes]] of m.seconds) this.addSecond(minuteEpoch + offset, messages, bytes);
      } else {
        const target = this.minute(minuteEpoch);
        target.messages += m.messages;
        target.bytes += m.bytes;
        this.messages += m.messages;
        this.bytes += m.bytes;
      }
      if (m.latency) for (const [bucket, samples] of m.latency) this.addLatency(minuteEpoch, bucket, samples);
      for (const source of COUNT_SOURCES) if (m[source] > 0) this.addCount(source, minuteEpoch, m[source]);
    }
    this.latencyMissing += other.latencyMissing;
    this.latencyInvalid += other.latencyInvalid;
    this.latencySumMs += other.latencySumMs;
    this.deliveredMessages += other.deliveredMessages;
    this.deliveredBytes += other.deliveredBytes;
    this.lastActivityMs = Math.max(this.lastActivityMs, other.lastActivityMs);
    this.custom = combineFigures(this.custom, other.custom);
    for (const [day, table] of other.subjects) this.subjectsOf(day).mergeFrom(table);
    for (const [minuteEpoch, m] of this.minutes) {
      if (m.seconds && minuteEpoch * 1000 < now - SECOND_DETAIL_MS) m.seconds = null;
    }
  }
}
