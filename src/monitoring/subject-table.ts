import { hashSubject, sketchUpdate } from './subject-sketch.js';

/**
 * Subjects seen by one tenant in one flush window: exact counts for the first `capacity`
 * distinct subjects, everything beyond folded into `otherMessages`/`otherBytes`. A window lasts a
 * flush interval, so a heavy subject is almost always among the first subjects of each window.
 * Every subject new to the window also updates the distinct-count sketch; subjects already in
 * the table cost one Map lookup.
 */
export class SubjectTable {
  readonly counts = new Map<string, { messages: number; bytes: number }>();
  otherMessages = 0;
  otherBytes = 0;
  /** Sketch register → highest rank seen in this window. */
  readonly sketch = new Map<number, number>();

  constructor(private readonly capacity: number) {}

  /** Counts one message of `bytes`, or, sampled one in `weight`, stands for `weight` such messages. */
  add(subject: string, bytes: number, weight = 1): void {
    const entry = this.counts.get(subject);
    if (entry !== undefined) {
      entry.messages += weight;
      entry.bytes += bytes * weight;
      return;
    }
    this.observe(subject);
    if (this.counts.size < this.capacity) {
      this.counts.set(subject, { messages: weight, bytes: bytes * weight });
    } else {
      this.otherMessages += weight;
      this.otherBytes += bytes * weight;
    }
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
        this.counts.set(subject, { messages: c.messages, bytes: c.bytes });
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
