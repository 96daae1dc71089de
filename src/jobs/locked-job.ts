import type { BeforeApplicationShutdown, Logger, OnModuleInit } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { JobFailures } from './job-failures.js';
import type { Timings } from './timings.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import type { HeldLock, RedisLock } from '../redis/redis-lock.js';
import { NamedInterval } from './named-interval.js';

export interface LockedJobSpec<T> {
  /** Lock and interval name. */
  name: string;
  intervalMs: number;
  lockTtlMs: number;
  /**
   * When set, passes start on wall-clock boundaries: at every multiple of `intervalMs` plus this
   * offset, on every instance alike (not `intervalMs` after whenever the instance started).
   */
  alignOffsetMs?: number;
  /** Told of a pass not run because another instance holds the lock (Redis answered). */
  onBusy?: (now: number) => void;
  /** The job's work; the lock is renewed every third of its TTL while it runs. */
  work: (held: HeldLock, now: number) => Promise<T>;
}

export interface LockedJobDeps {
  lock: RedisLock;
  scheduler: SchedulerRegistry;
  failures: JobFailures;
  logger: Logger;
  /** Receives the duration of every pass that ran (held the lock). */
  timings?: Timings;
}

/**
 * The lifecycle every once-at-a-time job shares: an interval registered with @nestjs/schedule,
 * a Redis lock per pass (a pass on an instance without the lock returns null), no overlapping
 * passes on one instance, failures logged and counted for the operator, and a stop on shutdown.
 */
export class LockedJob<T> {
  private running: Promise<T | null> | null = null;
  private stopped = false;
  /** The scheduler name of this job's timer (an interval, or the aligned job's next timeout). */
  private readonly name: string;
  private readonly interval: NamedInterval;

  constructor(
    private readonly deps: LockedJobDeps,
    private readonly spec: LockedJobSpec<T>,
  ) {
    this.name = `pulse-${spec.name}`;
    this.interval = new NamedInterval(deps.scheduler, this.name);
  }

  start(): void {
    // A tick while a pass is still running is skipped, not queued.
    const tick = (now = Date.now()) => {
      if (!this.running) void this.run(now);
    };
    if (this.spec.alignOffsetMs === undefined) {
      this.interval.start(this.spec.intervalMs, tick);
      return;
    }
    // One timeout at a time, each computed afresh from the clock, so passes never drift off the
    // boundaries (an interval timer would slip by each tick's lateness).
    const period = this.spec.intervalMs;
    const offset = this.spec.alignOffsetMs % period;
    // Each boundary follows the last one set, never the clock at wake-up (timers may fire a
    // millisecond early); boundaries missed while the process was blocked are skipped.
    const start = Date.now();
    let target = start + ((((offset - start) % period) + period) % period);
    const schedule = () => {
      if (this.stopped) return;
      this.clearTimeout();
      this.deps.scheduler.addTimeout(
        this.name,
        setTimeout(
          () => {
            // The pass is for the boundary it was set for.
            tick(Math.max(Date.now(), target));
            do target += period;
            while (target <= Date.now());
            schedule();
          },
          Math.max(0, target - Date.now()),
        ),
      );
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    this.interval.stop();
    this.clearTimeout();
  }

  private clearTimeout(): void {
    if (this.deps.scheduler.doesExist('timeout', this.name)) this.deps.scheduler.deleteTimeout(this.name);
  }

  /**
   * One pass at `now` if this instance gets the lock; null when another instance holds it (or on
   * failure). A pass already running on this instance is waited for first, never joined.
   */
  async run(now = Date.now()): Promise<T | null> {
    while (this.running) await this.running;
    this.running = this.pass(now)
      .catch((err: Error) => {
        this.deps.failures.record(this.spec.name);
        this.deps.logger.warn(`${this.spec.name} failed, the next run retries: ${err.message}`);
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(now: number): Promise<T | null> {
    if (this.stopped) return null;
    const held = await this.deps.lock.acquire(this.spec.name, this.spec.lockTtlMs);
    if (!held) {
      this.spec.onBusy?.(now);
      return null;
    }
    const started = performance.now();
    // Renewed while the work runs, so the TTL can stay short: a holder that dies stops renewing
    // and another instance takes over once it expires, not a long TTL later. A renewal that finds
    // the lock lost changes nothing: the jobs' writes are compare-and-set.
    const renew = setInterval(
      () => void held.extend(this.spec.lockTtlMs).catch(() => undefined),
      Math.max(50, Math.floor(this.spec.lockTtlMs / 3)),
    );
    renew.unref();
    try {
      return await this.spec.work(held, now);
    } finally {
      clearInterval(renew);
      this.deps.timings?.observe('job', this.spec.name, (performance.now() - started) / 1000);
      await held.release().catch(() => undefined);
    }
  }
}

/**
 * A provider that runs one LockedJob: started with the module, stopped on shutdown; `run()` is
 * one pass now (null when another instance holds the lock, or on failure).
 */
export abstract class LockedJobService<T> implements OnModuleInit, BeforeApplicationShutdown {
  protected abstract readonly job: LockedJob<T>;

  onModuleInit(): void {
    this.job.start();
  }

  beforeApplicationShutdown(): void {
    this.job.stop();
  }

  run(now = Date.now()): Promise<T | null> {
    return this.job.run(now);
  }
}

/**
 * Thrown by a tenant's work when the whole pass must end (the job's lock lost: another instance
 * may be running it): forEachTenant starts no further tenant and throws it.
 */
export class PassStopped extends Error {}

/**
 * Runs `work` for every tenant, `concurrency` tenants at a time (in turn by default). One tenant's
 * failure does not hold back the others: the loop goes on, and the pass then fails naming every
 * tenant that failed with its error (logged, counted for the operator, retried by the next run).
 * A tenant Redis cannot serve now (its Cluster slot's master lost) is reported as skipped; any
 * other error (a bug, bad stored data of that tenant) as failed. Only `PassStopped` ends the pass
 * at once: no further tenant is started, those under way finish, and it is thrown.
 */
export async function forEachTenant<T extends { id: string }>(
  tenants: T[],
  work: (tenant: T) => Promise<void>,
  { concurrency = 1 }: { concurrency?: number } = {},
): Promise<void> {
  const skipped: string[] = [];
  let firstError = '';
  const failed: string[] = [];
  let stopped: { error: unknown } | null = null;
  let next = 0;
  const worker = async () => {
    while (stopped === null && next < tenants.length) {
      const tenant = tenants[next++];
      try {
        await work(tenant);
      } catch (err) {
        if (err instanceof PassStopped) {
          stopped ??= { error: err };
          return;
        }
        if (isRedisUnavailable(err)) {
          skipped.push(tenant.id);
          firstError ||= (err as Error).message;
        } else {
          failed.push(`${tenant.id}: ${(err instanceof Error ? err.message : String(err)).slice(0, 300)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tenants.length)) }, worker));
  if (stopped !== null) throw (stopped as { error: unknown }).error;
  const named = (ids: string[], sep: string) =>
    ids.length > 5 ? `${ids.slice(0, 5).join(sep)}${sep}…` : ids.join(sep);
  const parts: string[] = [];
  if (failed.length > 0) parts.push(`${failed.length} tenant(s) failed (${named(failed, '; ')})`);
  if (skipped.length > 0) {
    parts.push(
      `${skipped.length} tenant(s) skipped, Redis cannot serve them now (${named(skipped, ', ')}): ${firstError}`,
    );
  }
  if (parts.length > 0) throw new Error(parts.join('; '));
}
