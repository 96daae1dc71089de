import type { Msg } from '@nats-io/transport-node';
import { dayOf, minuteEpochOf } from '../common/time.js';
import { LATENCY_BUCKETS, latencyBucket, latencyFromHeader } from './latency-histogram.js';
import { SubjectTable } from './subject-table.js';
import { TenantDelta } from './tenant-delta.js';

export const PUBLISHED_AT_HEADER = 'X-Published-At';

/**
 * One tenant's live counters for the current flush window. `record` runs once per message on the
 * NATS callback: it only bumps numbers and, for a subject new to the window, adds a Map entry.
 * No I/O, no awaiting, no allocation for a repeat subject.
 */
export class TenantTraffic {
  private messages = 0;
  private second = -1;
  private secondMessages = 0;
  private secondBytes = 0;
  /** Closed seconds of this window as flat [epochSecond, messages, bytes] triples. */
  private closedSeconds: number[] = [];
  private readonly latency = new Uint32Array(LATENCY_BUCKETS);
  private latencySamples = 0;
  private latencyMissing = 0;
  private latencyInvalid = 0;
  private subjects: SubjectTable;
  private windowStart = 0;
  private lastSeen = 0;

  constructor(
    readonly tenantId: string,
    private readonly subjectCapacity: number,
  ) {
    this.subjects = new SubjectTable(subjectCapacity);
  }

  /** Counts one message. Never throws: a header that cannot be read is an invalid latency sample. */
  record(msg: Msg, now: number): void {
    const bytes = msg.data.length;
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      if (this.secondMessages > 0) this.closedSeconds.push(this.second, this.secondMessages, this.secondBytes);
      this.second = second;
      this.secondMessages = 0;
      this.secondBytes = 0;
    }
    if (this.messages === 0) this.windowStart = now;
    this.messages++;
    this.secondMessages++;
    this.secondBytes += bytes;
    this.lastSeen = now;
    this.subjects.add(msg.subject, bytes);
    this.recordLatency(msg, now);
  }

  private recordLatency(msg: Msg, now: number): void {
    let verdict: ReturnType<typeof latencyFromHeader>;
    try {
      verdict = msg.headers ? latencyFromHeader(msg.headers.get(PUBLISHED_AT_HEADER), now) : 'missing';
    } catch {
      verdict = 'invalid';
    }
    if (verdict === 'missing') this.latencyMissing++;
    else if (verdict === 'invalid') this.latencyInvalid++;
    else {
      this.latency[latencyBucket(verdict)]++;
      this.latencySamples++;
    }
  }

  /** Hands over what the window counted and starts a new window; null when nothing happened. */
  take(): TenantDelta | null {
    if (this.messages === 0) return null;
    const delta = new TenantDelta(this.tenantId, this.subjectCapacity);
    const seconds = this.closedSeconds;
    for (let i = 0; i < seconds.length; i += 3) delta.addSecond(seconds[i], seconds[i + 1], seconds[i + 2]);
    if (this.secondMessages > 0) delta.addSecond(this.second, this.secondMessages, this.secondBytes);
    if (this.latencySamples > 0) {
      const minute = minuteEpochOf(this.lastSeen);
      for (let bucket = 0; bucket < this.latency.length; bucket++) {
        if (this.latency[bucket] > 0) delta.addLatency(minute, bucket, this.latency[bucket]);
      }
      this.latency.fill(0);
    }
    delta.latencyMissing = this.latencyMissing;
    delta.latencyInvalid = this.latencyInvalid;
    delta.subjects.set(dayOf(this.windowStart), this.subjects);

    this.messages = 0;
    this.second = -1;
    this.secondMessages = 0;
    this.secondBytes = 0;
    this.closedSeconds = [];
    this.latencySamples = 0;
    this.latencyMissing = 0;
    this.latencyInvalid = 0;
    this.subjects = new SubjectTable(this.subjectCapacity);
    return delta;
  }
}
