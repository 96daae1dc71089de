import type { CustomMatch } from './custom/custom-metric-set.js';
import { hashSubject, sketchUpdate } from './subject-sketch.js';

/** One subject's counts in a window. */
export interface SubjectCounts {
  messages: number;
  bytes: number;
  /**
   * The tenant's custom metrics this subject matches, kept by the tap on the entry it has just
   * looked up, so that a message does not look its subject up a second time (not stored).
   */
  custom?: CustomMatch;
}

/**
 * Subjects seen by one tenant in one flush window: exact counts for the first `capacity`
 * distinct subjects, everything beyond folded into `otherMessages`/`otherBytes`. A window lasts a
 * flush interval, so a heavy subject is almost always among the first subjects of each window.
 * Every subject new to the window also updates the distinct-count sketch; subjects already in
 * the table cost one Map lookup.
 */
export class SubjectTable {
  readonly counts = new Map<string, SubjectCounts>();
  otherMessages = 0;
  otherBytes = 0;
  /** Sketch register → highest rank seen in this window. */
  readonly sketch = new Map<number, number>();

  constructor(private readonly capacity: number) {}

  /**
   * Counts one message of `bytes`, or, sampled one in `weight`, stands for `weight` such messages.
   * Returns the subject's entry, or null when the table is full and the subject is not in it.
   */
  add(subject: string, bytes: number, weight = 1): SubjectCounts | null {
    const entry = this.counts.get(subject);
    if (entry !== undefined) {
      entry.messages += weight;
      entry.bytes += bytes * weight;
      return entry;
    }
    this.observe(subject);
    if (this.counts.size < this.capacity) {
      const created: SubjectCounts = { messages: weight, bytes: bytes * weight, custom: undefined };
      this.counts.set(subject, created);
      return created;
    }
    this.otherMessages += weight;
    this.otherBytes += bytes * weight;
    return null;
  }

  get isEmpty(): boolean {
    return this.counts.size === 0 && this.otherMessages === 0;
  }

  /** Adds another table's counts (used while Redis is unreachable), staying within capacity. */
  mergeFrom(other: SubjectTable): void {
    for (const [subject, c] of other.counts) {
      const entry = this.counts.get(subject);
      if (entry) {
        entry.messages += c.messages;
        entry.bytes += c.bytes;
      } else if (this.counts.size < this.capacity) {
        this.counts.set(subject, { messages: c.messages, bytes: c.bytes, custom: undefined });
      } else {
        this.otherMessages += c.messages;
        this.otherBytes += c.bytes;
      }
    }
    this.otherMessages += other.otherMessages;
    this.otherBytes += other.otherBytes;
    for (const [register, rank] of other.sketch) this.raise(register, rank);
  }

  private observe(subject: string): void {
    const { register, rank } = sketchUpdate(hashSubject(subject));
    this.raise(register, rank);
  }

  private raise(register: number, rank: number): void {
    const current = this.sketch.get(register);
    if (current === undefined || rank > current) this.sketch.set(register, rank);
  }
}
