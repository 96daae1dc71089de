import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobFailures } from '../jobs/job-failures.js';
import { Timings } from '../jobs/timings.js';
import { entitled } from '../common/entitlements.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NatsStatus } from '../nats/nats-status.js';
import { forEachTenant, LockedJob, LockedJobService, PassStopped } from '../jobs/locked-job.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { PresenceEventsPublisher } from './presence-events.publisher.js';
import { PresenceRepository } from './presence.repository.js';

/** Clients handled per Lua call (found and marked in it): keeps each call short (a few ms) so Redis is never blocked for long. */
export const OFFLINE_CHUNK = 1000;
/**
 * Tenants marked at once: each tenant is one Redis slot and one Lua call at a time, so a few at
 * once keep Redis busy while this instance publishes the previous chunk's events.
 */
const TENANTS_AT_ONCE = 4;

export interface DetectorRun {
  ranAt: string;
  durationMs: number;
  markedOffline: number;
  forgotten: number;
  /** The pass did not judge: this instance had not been connected to NATS for a heartbeat timeout. */
  paused?: boolean;
}

/**
 * Every OFFLINE_CHECK_INTERVAL_SECONDS one instance (Redis lock) marks clients offline that have
 * been silent for HEARTBEAT_TIMEOUT_SECONDS, in chunks, and forgets offline clients older than
 * their tenant's retention. A heartbeat that lands during the pass wins (checked inside Lua).
 */
@Injectable()
export class OfflineDetector extends LockedJobService<DetectorRun> {
  protected readonly job: LockedJob<DetectorRun>;
  private readonly lockTtl: number;
  private last: DetectorRun | null = null;

  constructor(
    private readonly store: PresenceRepository,
    private readonly directory: TenantDirectory,
    private readonly events: PresenceEventsPublisher,
    private readonly nats: NatsStatus,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {
    super();
    this.lockTtl = Math.max(30_000, 2 * options.offlineCheckIntervalMs);
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: new Logger(OfflineDetector.name) },
      {
        name: 'offline-detector',
        intervalMs: options.offlineCheckIntervalMs,
        lockTtlMs: this.lockTtl,
        work: (held, now) => this.pass(held, now),
      },
    );
  }

  lastRun(): DetectorRun | null {
    return this.last;
  }

  private async pass(held: HeldLock, now: number): Promise<DetectorRun> {
    const started = performance.now();
    // While this instance cannot hear heartbeats (NATS lost), silence means nothing: it does not
    // judge. After a reconnect clients get one timeout to be heard again before anyone is offline.
    if (this.nats.connectedFor(Date.now()) < this.options.heartbeatTimeoutMs) {
      this.last = {
        ranAt: new Date(now).toISOString(),
        durationMs: performance.now() - started,
        markedOffline: 0,
        forgotten: 0,
        paused: true,
      };
      return this.last;
    }
    let marked = 0;
    let forgotten = 0;
    const cutoff = now - this.options.heartbeatTimeoutMs;
    await forEachTenant(
      this.directory.list(),
      async (tenant) => {
        const retention = this.directory.retentionOf(tenant.id);
        const tracking = {
          enabled: entitled(tenant.tier, 'clientBehaviour'),
          heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        };
        for (;;) {
          const offline = await this.store.markExpired(tenant.id, cutoff, now, OFFLINE_CHUNK, retention, tracking);
          if (offline.length === 0) break;
          marked += offline.length;
          const at = new Date(now).toISOString();
          for (const [clientId, previousStatus] of offline) {
            this.events.publish({
              type: 'offline',
              tenantId: tenant.id,
              clientId,
              status: 'offline',
              previousStatus,
              at,
            });
          }
          if (!(await held.extend(this.lockTtl))) throw new PassStopped('lost the offline-detector lock');
          // Fewer than a chunk: none is left.
          if (offline.length < OFFLINE_CHUNK) break;
        }
        const forgetBefore = now - retention.clientSeconds * 1000;
        for (;;) {
          const stale = await this.store.staleClients(tenant.id, forgetBefore, OFFLINE_CHUNK);
          if (stale.length === 0) break;
          const n = await this.store.forget(tenant.id, stale, forgetBefore);
          forgotten += n;
          if (stale.length < OFFLINE_CHUNK || n === 0) break;
        }
      },
      { concurrency: TENANTS_AT_ONCE },
    );
    this.last = {
      ranAt: new Date(now).toISOString(),
      durationMs: performance.now() - started,
      markedOffline: marked,
      forgotten,
    };
    return this.last;
  }
}
