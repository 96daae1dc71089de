import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { withTimeout } from '../common/with-timeout.js';
import {
  DEFAULT_LIMIT_RESOLVE_MARGIN,
  DEFAULT_LIMIT_THRESHOLDS,
  DEFAULT_USAGE_LIMITS_INTERVAL_MS,
  PULSE_OPTIONS,
  type PulseOptions,
} from '../config/pulse-options.js';
import { JobFailures } from '../jobs/job-failures.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { Timings } from '../jobs/timings.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import { RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { type Hysteresis, stepLimits } from './limit-transitions.js';
import { LimitEvents, limitsSubject } from './limit-events.js';
import { LimitWatchRepository, type LimitWatchState } from './limit-watch.repository.js';
import { type LimitCrossing, UTILISATION_SOURCE, type UtilisationSource } from './usage.types.js';

/** Tenants watched at once (each asks the utilisation source, then Redis). */
const TENANTS_AT_ONCE = 4;
/** The most a tenant's utilisation may take to answer (never more than the interval). */
const SOURCE_DEADLINE_MS = 10_000;

/** What one pass did. */
export interface LimitWatchPass {
  tenants: number;
  /** Crossings handed to every listener in this pass (replayed ones included). */
  crossings: number;
}

/**
 * The limit watch (issue #34): every USAGE_LIMITS_INTERVAL_SECONDS one instance (the LockedJob
 * `usage-limits`) asks the utilisation source for each active tenant's limits, whose levels it
 * computed from the thresholds, and compares each with the level the last pass stored
 * (`stepLimits`; an open crossing resolves only LIMIT_RESOLVE_MARGIN_PERCENT below its threshold). A change is stored together with an outbox of the crossings it makes, in one
 * compare-and-set Lua call fenced by the tenant's record (a deleted tenant is never written); the
 * crossings are then published on `_PULSE.tenant.<id>.limits`, handed to the listeners
 * (LimitEvents: alerting) and each removed from the outbox once every listener took it. A
 * listener that throws, or a crash, leaves the rest in the outbox: the next pass hands them out
 * first (same crossing ids), and only then reads the tenant again. So a crossing is told once per
 * listener unless a listener fails after acting on it (at least once: listeners treat a repeat of
 * an id and event as one).
 */
@Injectable()
export class LimitWatch extends LockedJobService<LimitWatchPass> {
  private readonly logger = new Logger(LimitWatch.name);
  protected readonly job: LockedJob<LimitWatchPass>;
  private readonly deadlineMs: number;
  private readonly hysteresis: Hysteresis;

  constructor(
    private readonly store: LimitWatchRepository,
    private readonly directory: TenantDirectory,
    private readonly events: LimitEvents,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Inject(UTILISATION_SOURCE) private readonly source: UtilisationSource,
  ) {
    super();
    const intervalMs = options.usageLimitsIntervalMs ?? DEFAULT_USAGE_LIMITS_INTERVAL_MS;
    // Short and renewed while a pass runs (LockedJob): a holder that dies blocks the others one interval at most.
    const lockTtlMs = Math.min(30_000, Math.max(1000, Math.floor(intervalMs / 2)));
    this.deadlineMs = Math.min(SOURCE_DEADLINE_MS, intervalMs);
    this.hysteresis = {
      thresholds: options.limitThresholds ?? DEFAULT_LIMIT_THRESHOLDS,
      margin: options.limitResolveMargin ?? DEFAULT_LIMIT_RESOLVE_MARGIN,
    };
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: this.logger },
      // The lock is renewed by LockedJob every third of its TTL while the pass runs: no round trip per tenant.
      { name: 'usage-limits', intervalMs, lockTtlMs, work: (_held, now) => this.pass(now) },
    );
  }

  private async pass(now: number): Promise<LimitWatchPass> {
    const result: LimitWatchPass = { tenants: 0, crossings: 0 };
    const source = this.source;
    // One tenant's failing listener or source does not hold back the others' crossings; the pass
    // then fails naming them (logged, counted for the operator) and the next pass retries them.
    const failed: string[] = [];
    let firstError = '';
    await forEachTenant(
      this.directory.list(),
      async (tenant) => {
        try {
          // Awaited first, then added: `x += await …` would add to the value read before the wait,
          // losing what the tenants watched meanwhile counted.
          const handed = await this.watchTenant(source, tenant.id, now);
          result.crossings += handed;
          result.tenants++;
        } catch (err) {
          if (isRedisUnavailable(err)) throw err;
          failed.push(tenant.id);
          firstError ||= (err as Error).message;
        }
      },
      { concurrency: TENANTS_AT_ONCE },
    );
    if (failed.length > 0) {
      const named = failed.length > 5 ? `${failed.slice(0, 5).join(', ')}, …` : failed.join(', ');
      throw new Error(`limits of ${failed.length} tenant(s) not watched this pass (${named}): ${firstError}`);
    }
    return result;
  }

  /** One tenant: the outbox left by an earlier pass first, then the new reading. Crossings handed out. */
  private async watchTenant(source: UtilisationSource, tenantId: string, now: number): Promise<number> {
    let state = await this.store.load(tenantId);
    let handed = 0;
    if (state.outbox.length > 0) {
      const delivered = await this.deliver(tenantId, state);
      handed += delivered.handed;
      if (!delivered.state) return handed; // the tenant is gone, or another pass wrote meanwhile
      state = delivered.state;
    }
    const current = await withTimeout(
      source.limits(tenantId, { forecast: false }),
      this.deadlineMs,
      `no utilisation of ${tenantId}`,
    );
    const step = stepLimits(tenantId, state.limits, current, now, this.hysteresis);
    if (step.changed.size === 0) return handed;
    if ((await this.store.save(tenantId, state.version, step.changed, step.crossings)) !== 'saved') return handed;
    const delivered = await this.deliver(tenantId, { ...state, version: state.version + 1, outbox: step.crossings });
    return handed + delivered.handed;
  }

  /**
   * Publishes and hands out the outbox's crossings in order, each removed once every listener took
   * it. The state after, or null when a removal found the tenant gone or the state moved on.
   */
  private async deliver(
    tenantId: string,
    state: LimitWatchState,
  ): Promise<{ handed: number; state: LimitWatchState | null }> {
    const pending = [...state.outbox];
    let version = state.version;
    let handed = 0;
    while (pending.length > 0) {
      const crossing = pending[0];
      this.publish(crossing);
      await this.events.crossed(crossing);
      handed++;
      pending.shift();
      if ((await this.store.save(tenantId, version, new Map(), pending)) !== 'saved') return { handed, state: null };
      version++;
    }
    return { handed, state: { ...state, version, outbox: [] } };
  }

  private publish(crossing: LimitCrossing): void {
    try {
      this.nats.publish(limitsSubject(crossing.tenantId), JSON.stringify(crossing));
    } catch (err) {
      this.logger.warn(`limit crossing not published: ${(err as Error).message}`);
    }
  }
}
