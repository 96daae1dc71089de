import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { withTimeout } from './with-timeout.js';

/**
 * How long after the shutdown begins every final flush to Redis must have ended (the tap's counts,
 * the heartbeats, the client timeline, the event log, the audit trail). They run one module after
 * another, each with a deadline of its own, and this bounds their sum: with Redis not answering, the
 * shutdown ends about 2 s after it (the Redis QUIT's own bound), within the 16 s docs/reliability.md
 * states, whatever is held in memory.
 */
export const FINAL_FLUSHES_MS = 11_000;

/**
 * One clock for the final flushes of a shutdown (SHUTDOWN_DEADLINE_MS in shutdown-deadline.ts bounds
 * the whole process; this, the flushes within it). It starts with the first shutdown hook (the
 * module-destroy phase) or the first deadline asked for, whichever comes first. The flushes that
 * matter most (the tap's counts, then the heartbeats) come first in the shutdown order, so the ones
 * after them (client timeline, event log, audit trail) get what is left of the bound, never the
 * other way round.
 */
@Injectable()
export class ShutdownClock implements OnModuleDestroy {
  private startedAt: number | null = null;

  constructor(private readonly boundMs: number = FINAL_FLUSHES_MS) {}

  onModuleDestroy(): void {
    this.start();
  }

  start(now = Date.now()): void {
    this.startedAt ??= now;
  }

  /** When a final flush that may take `ms` must have ended: `ms` from now, and no later than the bound. */
  deadline(ms: number, now = Date.now()): number {
    this.start(now);
    return Math.min(now + ms, (this.startedAt ?? now) + this.boundMs);
  }
}

/**
 * Waits for `work` until `deadline` (ms since the epoch): true when it ended in time (a rejection
 * counts as ended: the work logs its own failures), false when the deadline came first. The timer
 * is unreferenced: it never holds the exit.
 */
export async function endedBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  const ended = work.then(
    () => undefined,
    () => undefined,
  );
  return withTimeout(ended, Math.max(0, deadline - Date.now()), 'final flush').then(
    () => true,
    () => false,
  );
}
