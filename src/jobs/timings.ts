import { Injectable } from '@nestjs/common';

export type TimingKind = 'flush' | 'job';
type Listener = (kind: TimingKind, name: string, seconds: number) => void;

/**
 * Durations of recurring passes on this instance — each flush of counts to Redis, each pass of a
 * scheduled job that ran (held the lock) — handed to whoever listens (the Prometheus histograms).
 * No listener, no cost beyond a loop over none.
 */
@Injectable()
export class Timings {
  private readonly listeners: Listener[] = [];

  observe(kind: TimingKind, name: string, seconds: number): void {
    for (const listener of this.listeners) listener(kind, name, seconds);
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }
}
