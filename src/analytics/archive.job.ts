import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { COLD_STORE, type ColdItem, type ColdPeriod, type ColdStore, sortKey } from '../coldstore/cold-store.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { JobFailures } from '../jobs/job-failures.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { Timings } from '../jobs/timings.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { Retention } from '../common/retention.js';
import { AnalyticsRepository, DAY_DATA_SETTLE_SECONDS, periodEnd } from './analytics.repository.js';
import { dayDataItems, isEmptyDayData } from './cold-day.js';

export interface ArchiveRun {
  ranAt: string;
  tenants: number;
  /** Hours and days written to the cold store. */
  archived: number;
}

/** Queued periods archived per tenant per pass (the rest wait for the next pass). */
const PER_PASS = 200;

/**
 * With the cold store on, every ROLLUP_INTERVAL_SECONDS one instance (Redis lock) moves each
 * tenant's closed hours and days that changed (queued by the rollup, `archq`) to the cold store:
 * the full hash, written again whole when late data changed it. A period is closed once it ended
 * two rollup intervals ago (a rollup pass has recomputed it after its end). Once written, its
 * Redis hash expires when it leaves the hot window; while the store fails, nothing leaves the
 * queue and Redis keeps the hash with its tier expiry (the pass fails, is counted and retried).
 */
@Injectable()
export class ArchiveJob extends LockedJobService<ArchiveRun> {
  protected readonly job: LockedJob<ArchiveRun>;
  private readonly lockTtl: number;
  private readonly archiver: Archiver | null;

  constructor(
    repository: AnalyticsRepository,
    private readonly directory: TenantDirectory,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    super();
    this.lockTtl = Math.max(60_000, 2 * options.rollupIntervalMs);
    this.archiver = cold ? new Archiver(repository, cold, 2 * options.rollupIntervalMs) : null;
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: new Logger(ArchiveJob.name) },
      {
        name: 'archiver',
        intervalMs: options.rollupIntervalMs,
        lockTtlMs: this.lockTtl,
        work: (held, now) => this.pass(held, now),
      },
    );
  }

  override onModuleInit(): void {
    if (this.cold) super.onModuleInit();
  }

  private async pass(held: HeldLock, now: number): Promise<ArchiveRun> {
    const tenants = this.directory.list();
    let archived = 0;
    if (!this.archiver) return { ranAt: new Date(now).toISOString(), tenants: 0, archived };
    const archiver = this.archiver;
    await forEachTenant(tenants, async (tenant) => {
      archived += await archiver.archiveTenant(tenant.id, this.directory.retentionOf(tenant.id), now);
      await held.extend(this.lockTtl);
    });
    return { ranAt: new Date(now).toISOString(), tenants: tenants.length, archived };
  }
}

/**
 * One tenant's archiving (the job's work, and what the memory benchmark runs without Nest): its
 * queued periods that are due, written to the cold store, then their Redis keys set to expire.
 */
export class Archiver {
  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly cold: ColdStore,
    private readonly settleMs: number,
  ) {}

  /** The number of items written. */
  async archiveTenant(tenantId: string, retention: Retention, now: number): Promise<number> {
    let archived = 0;
    await this.repository.backfillArchive(tenantId, retention, now);
    const queue = await this.repository.archiveQueue(tenantId);
    // Hours and days once closed; a day's subjects and clients once no late write can reach them.
    const ready = ([p]: [ColdPeriod, number]) =>
      (periodEnd(p) + (p.startsWith('s') ? DAY_DATA_SETTLE_SECONDS : 0)) * 1000 + this.settleMs <= now;
    const due = [...queue].filter(ready).slice(0, PER_PASS);
    archived += await this.archiveDayData(
      tenantId,
      due.filter(([p]) => p.startsWith('s')),
      retention,
    );
    const closed = due.filter(([p]) => !p.startsWith('s'));
    if (closed.length === 0) return archived;
    const periods = closed.map(([p]) => p);
    const [hashes, before] = await Promise.all([
      this.repository.periodHashes(tenantId, periods),
      this.repository.archivedDigests(tenantId, periods),
    ]);
    const items: ColdItem[] = [];
    const digests: [ColdPeriod, string][] = [];
    closed.forEach(([period], i) => {
      if (Object.keys(hashes[i]).length === 0) return; // nothing stored (expired, or never written)
      // The rollup recomputes the last hour and yesterday on every pass: unchanged, not written again.
      const digest = digestOf(hashes[i]);
      if (digest === before[i]) return;
      digests.push([period, digest]);
      items.push({
        tenantId,
        sk: sortKey(period),
        attributes: { f: hashes[i] },
        expiresAt: expiryOf(period, retention),
      });
    });
    await this.cold.put(items);
    await this.repository.saveDigests(tenantId, digests, now);
    await this.repository.archived(tenantId, closed);
    // Each closed day's subjects and clients follow once they settle.
    await this.repository.queueArchive(
      tenantId,
      closed.flatMap(([p]) => (p.startsWith('d') ? [`s${p.slice(1)}` as const] : [])),
      0,
      true,
    );
    return archived + items.length;
  }

  /** Moves settled days' subjects and client behaviour to the cold store; the count of items. */
  private async archiveDayData(tenantId: string, due: [ColdPeriod, number][], retention: Retention): Promise<number> {
    let written = 0;
    for (const entry of due) {
      const day = entry[0].slice(1);
      const data = await this.repository.readDayData(tenantId, day);
      if (!isEmptyDayData(data)) {
        const items = dayDataItems(tenantId, day, data, expiryOf(`d${day}`, retention));
        await this.cold.put(items);
        written += items.length;
        await this.repository.dayDataArchived(tenantId, day);
      }
      await this.repository.archived(tenantId, [entry]);
    }
    return written;
  }
}

/** A hash's content as a short digest (fields in order). */
export function digestOf(hash: Record<string, string>): string {
  const sorted = Object.keys(hash)
    .sort()
    .map((k) => `${k}=${hash[k]}`)
    .join('\n');
  return createHash('sha1').update(sorted).digest('base64url');
}

/** When the cold store may drop a period: as Redis would have, by the tenant's tier retention. */
export function expiryOf(period: ColdPeriod, retention: { hourSeconds: number; daySeconds: number }): number {
  const start = period.startsWith('h') ? periodEnd(period) - 3600 : periodEnd(period) - 86_400;
  return start + (period.startsWith('h') ? retention.hourSeconds : retention.daySeconds);
}
