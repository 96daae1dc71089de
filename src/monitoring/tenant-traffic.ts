import type { Msg } from '@nats-io/transport-node';
import { dayOf, minuteEpochOf } from '../common/time.js';
import { LATENCY_BUCKETS, latencyBucket, type LatencyVerdict } from '../common/latency-histogram.js';
import { wireBytes } from '../nats/wire-bytes.js';
import { combineFigures, type CustomFigures, type CustomMetricSet } from './custom/custom-metric-set.js';
import { SubjectTable } from './subject-table.js';
import { TenantDelta } from './tenant-delta.js';
import { publishedAtVerdict } from './published-at.js';

export { PUBLISHED_AT_HEADER } from './published-at.js';

/**
 * One tenant's live counters for the current flush window. `record` runs once per message on the
 * NATS callback: it only bumps numbers (the largest payload of the minute by one comparison) and,
 * for a subject new to the window, adds a Map entry.
 * No I/O, no awaiting, no allocation for a repeat subject. Under sampling, the latency header and
 * the subject table are read for the sampled messages only.
 */
export class TenantTraffic {
  private messages = 0;
  private second = -1;
  private secondMessages = 0;
  private secondBytes = 0;
  /** Closed seconds of this window as flat [epochSecond, messages, bytes] triples. */
  private closedSeconds: number[] = [];
  /** The largest payload (bytes) of the minute `minute` (epoch s; -1: none yet this window). */
  private largest = 0;
  /** Bytes of the minute's messages as the server counts a delivery to the tap: headers + payload. */
  private minuteWire = 0;
  private minute = -1;
  /** Earlier minutes of this window as flat [minuteEpoch, largest payload, delivered bytes] triples. */
  private closedMinutes: number[] = [];
  private readonly latency = new Uint32Array(LATENCY_BUCKETS);
  private latencySamples = 0;
  private latencySumMs = 0;
  private latencyMissing = 0;
  private latencyInvalid = 0;
  private subjects: SubjectTable;
  /** The UTC day `subjects` counts (YYYYMMDD) and its bounds in ms: a window over midnight is split there. */
  private subjectsDay = '';
  private subjectsDayStart = 0;
  private subjectsDayEnd = 0;
  /** Subjects of the window's earlier days (a window over midnight), by day; null: none. */
  private earlierSubjects: Map<string, SubjectTable> | null = null;
  private lastSeen = 0;
  /** Latency and subject statistics from one message in `sampleEvery` (chosen at random); 1 = all. */
  private sampleEvery = 1;
  private sampleBelow = 0;
  private random: number;
  private skipped = 0;
  /** The tenant's custom metrics, or null: no definitions cost one null check a message. */
  private custom: CustomMetricSet | null = null;
  /** What sets replaced in this window counted: flushed with the window (by definition id). */
  private replacedCustom: CustomFigures | null = null;

  constructor(
    readonly tenantId: string,
    private readonly subjectCapacity: number,
    seed = (Math.random() * 0xffffffff) >>> 0 || 1,
  ) {
    this.subjects = new SubjectTable(subjectCapacity);
    this.random = seed;
  }

  /**
   * Takes latency and subject statistics from one message in `every` from now on (1: from every
   * message). Counts, bytes and per-second rates stay exact whatever the sampling; a sampled
   * message stands for `every` in the subject counts.
   */
  setSampling(every: number): void {
    this.sampleEvery = Math.max(1, Math.floor(every));
    this.sampleBelow = Math.floor(0x100000000 / this.sampleEvery);
  }

  /** Evaluates these custom metrics from now on (null: none). */
  setCustomMetrics(set: CustomMetricSet | null): void {
    this.replacedCustom = combineFigures(this.replacedCustom, this.custom?.take() ?? null);
    this.custom = set !== null && set.size > 0 ? set : null;
  }

  get sampling(): number {
    return this.sampleEvery;
  }

  /** Messages counted in the current window. */
  get windowMessages(): number {
    return this.messages;
  }

  /** xorshift32: a few operations a message, no allocation, and no aliasing with periodic traffic. */
  private sampled(): boolean {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random < this.sampleBelow;
  }

  /** Counts one message. Never throws: a header that cannot be read is an invalid latency sample. */
  record(msg: Msg, now: number): void {
    // The payload getter makes a view each call: read once, handed on to the custom metrics.
    const data = msg.data;
    const bytes = data.length;
    const wire = wireBytes(msg);
    const second = Math.floor(now / 1000);
    if (second !== this.second) this.startSecond(second, now);
    this.messages++;
    this.secondMessages++;
    this.secondBytes += bytes;
    if (bytes > this.largest) this.largest = bytes;
    this.minuteWire += wire;
    this.lastSeen = now;
    const custom = this.custom;
    if (this.sampleEvery === 1 || this.sampled()) {
      const subject = msg.subject;
      const entry = this.subjects.add(subject, bytes, this.sampleEvery);
      if (custom !== null) {
        // The subject's custom-metric match rides on its window entry: one lookup a message.
        let match = entry?.custom;
        if (match === undefined || match.owner !== custom) {
          match = custom.matching(subject);
          if (entry !== null) entry.custom = match;
        }
        custom.observeMatched(match, msg, now, data);
      }
      this.recordLatency(publishedAtVerdict(msg, bytes, now));
    } else {
      this.skipped++;
      // Custom metrics see every message, sampled or not: their counts and sums are exact.
      if (custom !== null) custom.observe(msg, now, data);
    }
  }

  /**
   * A new second: files the last one's counts, and starts a new minute or day when the second
   * does. Once a second, in a method of its own: the per-message code V8 compiles for `record`
   * does not contain it, so a first minute change in a window does not throw that code away.
   */
  private startSecond(second: number, now: number): void {
    if (this.secondMessages > 0) this.closedSeconds.push(this.second, this.secondMessages, this.secondBytes);
    this.second = second;
    this.secondMessages = 0;
    this.secondBytes = 0;
    // A minute starts on a second too: its largest payload and delivered bytes are kept from then on.
    const minute = second - (second % 60);
    if (minute !== this.minute) {
      if (this.minuteWire > 0 || this.largest > 0) this.closedMinutes.push(this.minute, this.largest, this.minuteWire);
      this.minute = minute;
      this.largest = 0;
      this.minuteWire = 0;
    }
    // A day starts on a second: checked once a second, not once a message.
    if (now >= this.subjectsDayEnd || now < this.subjectsDayStart) this.startSubjectsDay(now);
  }

  /** Files the subjects counted so far under their day and counts `now`'s day in a table of its own. */
  private startSubjectsDay(now: number): void {
    if (!this.subjects.isEmpty) {
      this.earlierSubjects ??= new Map();
      const earlier = this.earlierSubjects.get(this.subjectsDay);
      if (earlier) earlier.mergeFrom(this.subjects);
      else this.earlierSubjects.set(this.subjectsDay, this.subjects);
      this.subjects = new SubjectTable(this.subjectCapacity);
    }
    this.subjectsDayStart = now - (now % 86_400_000);
    this.subjectsDayEnd = this.subjectsDayStart + 86_400_000;
    this.subjectsDay = dayOf(now);
  }

  private recordLatency(verdict: LatencyVerdict): void {
    if (verdict === 'missing') this.latencyMissing++;
    else if (verdict === 'invalid') this.latencyInvalid++;
    else {
      this.latency[latencyBucket(verdict)]++;
      this.latencySamples++;
      this.latencySumMs += verdict;
    }
  }

  /** Hands over what the window counted and starts a new window; null when nothing happened. */
  take(): TenantDelta | null {
    if (this.messages === 0) return null;
    const delta = new TenantDelta(this.tenantId, this.subjectCapacity);
    const seconds = this.closedSeconds;
    for (let i = 0; i < seconds.length; i += 3) delta.addSecond(seconds[i], seconds[i + 1], seconds[i + 2]);
    if (this.secondMessages > 0) delta.addSecond(this.second, this.secondMessages, this.secondBytes);
    // Every message the tap took is one delivery to Pulse (pd_m), its bytes counted as the server does (pd_b).
    for (const [minuteEpoch, minute] of delta.minutes)
      delta.addCount('deliveredMessages', minuteEpoch, minute.messages);
    delta.deliveredMessages = delta.messages;
    const closed = this.closedMinutes;
    this.closedMinutes = [];
    closed.push(this.minute, this.largest, this.minuteWire);
    for (let i = 0; i < closed.length; i += 3) {
      if (closed[i + 1] > 0) delta.addCount('largestMessage', closed[i], closed[i + 1]);
      if (closed[i + 2] > 0) delta.addCount('deliveredBytes', closed[i], closed[i + 2]);
      delta.deliveredBytes += closed[i + 2];
    }
    if (this.latencySamples > 0) {
      const minute = minuteEpochOf(this.lastSeen);
      for (let bucket = 0; bucket < this.latency.length; bucket++) {
        if (this.latency[bucket] > 0) delta.addLatency(minute, bucket, this.latency[bucket]);
      }
      this.latency.fill(0);
    }
    if (this.skipped > 0) delta.addCount('skipped', minuteEpochOf(this.lastSeen), this.skipped);
    delta.latencyMissing = this.latencyMissing;
    delta.lastActivityMs = this.lastSeen;
    delta.custom = combineFigures(this.replacedCustom, this.custom?.take() ?? null);
    this.replacedCustom = null;
    delta.latencyInvalid = this.latencyInvalid;
    delta.latencySumMs = this.latencySumMs;
    // Each day's subjects under that day, whatever day the window started on.
    if (this.earlierSubjects) for (const [day, table] of this.earlierSubjects) delta.subjects.set(day, table);
    this.earlierSubjects = null;
    const sameDay = delta.subjects.get(this.subjectsDay); // a clock stepped back over midnight
    if (sameDay) sameDay.mergeFrom(this.subjects);
    else delta.subjects.set(this.subjectsDay, this.subjects);

    this.messages = 0;
    this.second = -1;
    this.secondMessages = 0;
    this.secondBytes = 0;
    this.closedSeconds = [];
    this.largest = 0;
    this.minuteWire = 0;
    this.minute = -1;
    this.latencySamples = 0;
    this.latencySumMs = 0;
    this.latencyMissing = 0;
    this.latencyInvalid = 0;
    this.skipped = 0;
    this.subjects = new SubjectTable(this.subjectCapacity);
    return delta;
  }
}
