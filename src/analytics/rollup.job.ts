import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobFailures } from '../common/job-failures.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RETENTION } from '../common/retention.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceStore } from '../heartbeat/presence.store.js';
import { RedisLock } from '../redis/redis-lock.js';
import { dayOf } from '../redis/redis-keys.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { AnalyticsRepository } from './analytics.repository.js';

const LOCK_NAME = 'rollup';
const INTERVAL = 'pulse-rollup';
/** Minutes older than this lose their per-second fields (kept as the minute's peak). */
export const KEEP_SECONDS_FOR_MS = 10 * 60_000;

export interface RollupRun {
  ranAt: string;
  durationMs: number;
  tenants: number;
  hours: number;
}

/**
 * Every ROLLUP_INTERVAL_SECONDS one instance (Redis lock) samples each tenant's online clients
 * into the current minute and recomputes the current and previous hour from their minutes and
 * today and yesterday from their hours (the first run after start covers the last 25 hours).
 * Recomputing and overwriting makes every run idempotent.
 */
@Injectable()
export class RollupJob implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(RollupJob.name);
  private running: Promise<RollupRun | null> | null = null;
  private caughtUp = false;
  private stopped = false;

  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly presence: PresenceStore,
    private readonly directory: TenantDirectory,
    private readonly lock: RedisLock,
    private readonly scheduler: SchedulerRegistry,
    private readonly jobFailures: JobFailures,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  onModuleInit(): void {
    this.scheduler.addInterval(INTERVAL, setInterval(() => void this.run(), this.options.rollupIntervalMs));
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
  }

  /** One pass if this instance gets the lock; null when another instance holds it. */
  run(now = Date.now()): Promise<RollupRun | null> {
    this.running ??= this.pass(now)
      .catch((err: Error) => {
        this.jobFailures.record();
        this.logger.warn(`rollup failed, next run retries: ${err.message}`);
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(now: number): Promise<RollupRun | null> {
    if (this.stopped) return null;
    const held = await this.lock.acquire(LOCK_NAME, Math.max(60_000, 2 * this.options.rollupIntervalMs));
    if (!held) return null;
    const started = performance.now();
    let hoursRolled = 0;
    const tenants = this.directory.list();
    try {
      const nowSeconds = Math.floor(now / 1000);
      const minute = nowSeconds - (nowSeconds % 60);
      const hour = nowSeconds - (nowSeconds % 3600);
      const stripBefore = Math.floor((now - KEEP_SECONDS_FOR_MS) / 1000);
      const hours = Array.from({ length: this.caughtUp ? 2 : 26 }, (_, i) => hour - 3600 * i);
      const today = nowSeconds - (nowSeconds % 86_400);
      for (const tenant of tenants) {
        const retention = RETENTION[tenant.tier];
        const summary = await this.presence.summary(tenant.id);
        // Tenants without clients write nothing: no keys for idle tenants.
        if (summary.total > 0) {
          await this.repository.sampleClients(tenant.id, minute, summary.online, summary.offline, retention.minuteSeconds);
        }
        for (const h of hours) {
          await this.repository.rollupHour(tenant.id, h, stripBefore, retention.hourSeconds);
          hoursRolled++;
        }
        for (const dayStart of [today, today - 86_400]) {
          await this.repository.rollupDay(tenant.id, dayOf(dayStart * 1000), dayStart, retention.daySeconds);
        }
        await held.extend(Math.max(60_000, 2 * this.options.rollupIntervalMs));
      }
      this.caughtUp = true;
    } finally {
      await held.release().catch(() => undefined);
    }
    return { ranAt: new Date(now).toISOString(), durationMs: performance.now() - started, tenants: tenants.length, hours: hoursRolled };
  }
}
