import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobFailures } from '../jobs/job-failures.js';
import { Timings } from '../jobs/timings.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceRepository } from '../heartbeat/presence.repository.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { dayOf } from '../common/time.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { HistoryStore } from '../history/history-store.js';
import type { ColdPeriod } from '../coldstore/cold-store.js';
import { dayRecomputable, hourRecomputable } from '../history/history-tiers.js';

/** Minutes older than this lose their per-second fields (kept as the minute's peak). */
export const KEEP_SECONDS_FOR_MS = 10 * 60_000;

export interface RollupRun {
  ranAt: string;
  durationMs: number;
  tenants: number;
  hours: number;
}

/** Late hours recomputed per tenant per pass (the rest wait for the next pass). */
const DIRTY_HOURS_PER_PASS = 100;

/**
 * Every ROLLUP_INTERVAL_SECONDS one instance (Redis lock) samples each tenant's online clients
 * into the current minute and recomputes the current and previous hour from their minutes and
 * today and yesterday from their hours, and any older hour a late flush wrote minutes into
 * (marked by the flush), with its day. The first run after start covers 26 hours: the current
 * one and the 25 before it, those of them whose minutes are all still kept (the tier's minute
 * retention, 3 h for basic, 25 h otherwise). Recomputing and overwriting makes every run
 * idempotent; an hour past its minutes is never recomputed (late data is added to it instead).
 */
@Injectable()
export class RollupJob extends LockedJobService<RollupRun> {
  protected readonly job: LockedJob<RollupRun>;
  private readonly lockTtl: number;
  private caughtUp = false;

  constructor(
    private readonly history: HistoryStore,
    private readonly presence: PresenceRepository,
    private readonly directory: TenantDirectory,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
  ) {
    super();
    this.lockTtl = Math.max(60_000, 2 * options.rollupIntervalMs);
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: new Logger(RollupJob.name) },
      {
        name: 'rollup',
        intervalMs: options.rollupIntervalMs,
        lockTtlMs: this.lockTtl,
        work: (held, now) => this.pass(held, now),
      },
    );
  }

  private async pass(held: HeldLock, now: number): Promise<RollupRun> {
    const started = performance.now();
    let hoursRolled = 0;
    const tenants = this.directory.list();
    const nowSeconds = Math.floor(now / 1000);
    const minute = nowSeconds - (nowSeconds % 60);
    const hour = nowSeconds - (nowSeconds % 3600);
    const stripBefore = Math.floor((now - KEEP_SECONDS_FOR_MS) / 1000);
    const allHours = Array.from({ length: this.caughtUp ? 2 : 26 }, (_, i) => hour - 3600 * i);
    const today = nowSeconds - (nowSeconds % 86_400);
    await forEachTenant(tenants, async (tenant) => {
      const retention = this.directory.retentionOf(tenant.id);
      // Only hours whose minutes are all still kept: recomputing one from fewer would lose the
      // rest (the script rewrites the hour from its minutes; none left, it deletes it).
      const hours = allHours.filter((h) => hourRecomputable(h, nowSeconds, retention.minuteSeconds));
      const summary = await this.presence.summary(tenant.id);
      // Tenants without clients write nothing: no keys for idle tenants.
      if (summary.total > 0) {
        await this.history.sampleClients(tenant.id, minute, summary.online, summary.offline, retention.minuteSeconds);
      }
      for (const h of hours) {
        await this.history.rollupHour(tenant.id, h, stripBefore, retention.hourSeconds);
        hoursRolled++;
      }
      const changed: ColdPeriod[] = hours.map((h) => `h${h}` as const);
      // Hours that received late minutes (marked by the flush) are recomputed too, with their days.
      // The marks are cleared first: a flush that marks an hour again meanwhile gets it recomputed
      // next pass; a recompute that fails puts its marks back.
      const marked = await this.history.dirtyHours(tenant.id, DIRTY_HOURS_PER_PASS);
      const late = marked.filter((h) => !hours.includes(h) && hourRecomputable(h, nowSeconds, retention.minuteSeconds));
      await this.history.clearDirty(tenant.id, marked);
      try {
        for (const h of late) {
          await this.history.rollupHour(tenant.id, h, stripBefore, retention.hourSeconds);
          changed.push(`h${h}`);
          hoursRolled++;
        }
        const days = new Set([today, today - 86_400, ...late.map((h) => h - (h % 86_400))]);
        // Only days whose hours are all still kept (basic keeps hours 26 h: yesterday's first
        // hours go before yesterday stops being recomputed).
        for (const dayStart of [...days].filter((d) => dayRecomputable(d, nowSeconds, retention.hourSeconds))) {
          await this.history.rollupDay(tenant.id, dayOf(dayStart * 1000), dayStart, retention.daySeconds);
          changed.push(`d${dayOf(dayStart * 1000)}`);
        }
        // The archiver moves them to the cold store once closed (cold store on; else a no-op).
        await this.history.queueArchive(tenant.id, changed, now);
      } catch (err) {
        await this.history.markDirty(tenant.id, late).catch(() => undefined);
        throw err;
      }
      await held.extend(this.lockTtl);
    });
    // Only a pass that reached every tenant ends the catch-up (a skipped tenant gets 26 hours next time).
    this.caughtUp = true;
    return {
      ranAt: new Date(now).toISOString(),
      durationMs: performance.now() - started,
      tenants: tenants.length,
      hours: hoursRolled,
    };
  }
}
