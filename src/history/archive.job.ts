import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ColdPartitions } from '../coldstore/cold-partitions.js';
import { COLD_STORE, type ColdItem, type ColdPeriod, type ColdStore, sortKey } from '../coldstore/cold-store.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { JobFailures } from '../jobs/job-failures.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { Timings } from '../jobs/timings.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { Retention } from '../common/retention.js';
import { DAY_DATA_SETTLE_SECONDS, periodEnd } from './history-tiers.js';
import { HistoryStore } from './history-store.js';
import { dayDataItems, decodeDayData, isEmptyDayData, subjectsSortKey } from './cold-day.js';
import { addFields, addSubjects } from './cold-merge.js';

export interface ArchiveRun {
  ranAt: string;
  tenants: number;
  /** Hours and days written to the cold store. */
  archived: number;
}

/**
 * A further kind of item a tenant's archiving turn writes (JetStream hours): a floor above
 * registers it (`ArchiveJob.addStep`), so it runs under the archiver's lock, in the partition of
 * the same incarnation, and the erasure check after the turn covers its writes too.
 */
export interface ArchiveStep {
  /** Writes the tenant's due items through `store`; the number written. */
  archiveTenant(tenantId: string, store: ColdWrites, retention: Retention, now: number): Promise<number>;
}

/** The cold-store writes of one tenant's turn, in its incarnation's partition. */
export interface ColdWrites {
  readonly partition: string;
  put(items: ColdItem[]): Promise<void>;
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
    repository: HistoryStore,
    private readonly directory: TenantDirectory,
    partitions: ColdPartitions,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    super();
    this.lockTtl = Math.max(60_000, 2 * options.rollupIntervalMs);
    this.archiver = cold
      ? new Archiver(repository, cold, partitions, 2 * options.rollupIntervalMs, options.subjectsStoredPerDay)
      : null;
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

  /** Adds a kind of item to every tenant's turn (nothing without a cold store). */
  addStep(step: ArchiveStep): void {
    this.archiver?.steps.push(step);
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
 * Every item goes to the partition of the incarnation read when the tenant's turn began; its
 * Redis writes are fenced (HistoryStore), and a cold write that lands after the tenant's
 * erasure is deleted by the archiver itself (ARCHITECTURE.md, Erasure fence).
 */
export class Archiver {
  constructor(
    private readonly repository: HistoryStore,
    private readonly cold: ColdStore,
    private readonly partitions: Pick<ColdPartitions, 'of'>,
    private readonly settleMs: number,
    /** Subjects a day keeps (SUBJECTS_STORED_PER_DAY): late subjects added to a day keep as many. */
    private readonly subjectsKept = 1000,
    /** Further kinds of items, written after the history's in each tenant's turn. */
    readonly steps: ArchiveStep[] = [],
  ) {}

  /**
   * The number of items written. A tenant erased since the pass read its list is skipped; one
   * erased (or erased and created again) while its items were being written has them deleted
   * once the writes are over: the erasure deleted its record before its cold items, so a write
   * that landed after those were deleted is always followed by this check seeing the record gone.
   */
  async archiveTenant(tenantId: string, retention: Retention, now: number): Promise<number> {
    const partition = await this.partitions.of(tenantId);
    if (partition === null) return 0;
    const store = new PartitionWrites(this.cold, partition);
    try {
      let archived = await this.archivePartition(tenantId, store, retention, now);
      for (const step of this.steps) archived += await step.archiveTenant(tenantId, store, retention, now);
      return archived;
    } finally {
      if (store.wrote && (await this.partitions.of(tenantId)) !== partition) await this.cold.deletePartition(partition);
    }
  }

  private async archivePartition(
    tenantId: string,
    store: PartitionWrites,
    retention: Retention,
    now: number,
  ): Promise<number> {
    let archived = 0;
    await this.repository.backfillArchive(tenantId, retention, now);
    const queue = await this.repository.archiveQueue(tenantId);
    // Hours and days once closed; a day's subjects and clients once no late write can reach them.
    const ready = ([p]: [ColdPeriod, number]) =>
      (periodEnd(p) + (p.startsWith('s') ? DAY_DATA_SETTLE_SECONDS : 0)) * 1000 + this.settleMs <= now;
    const due = [...queue].filter(ready).slice(0, PER_PASS);
    archived += await this.archiveDayData(
      tenantId,
      store,
      due.filter(([p]) => p.startsWith('s')),
      retention,
    );
    const closed = due.filter(([p]) => !p.startsWith('s'));
    if (closed.length > 0) archived += await this.archiveClosed(tenantId, store, closed, retention, now);
    // Late data last: a period still queued is archived whole first, then its late part is added.
    return archived + (await this.addLate(tenantId, store, queue, retention, now));
  }

  /** Writes closed hours and days whose hash changed; the number of items. */
  private async archiveClosed(
    tenantId: string,
    store: PartitionWrites,
    closed: [ColdPeriod, number][],
    retention: Retention,
    now: number,
  ): Promise<number> {
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
        partition: store.partition,
        sk: sortKey(period),
        attributes: { f: hashes[i] },
        expiresAt: expiryOf(period, retention),
      });
    });
    await store.put(items);
    await this.repository.saveDigests(tenantId, digests, now);
    await this.repository.archived(tenantId, closed);
    // Each closed day's subjects and clients follow once they settle (once: a later archive of
    // the day's hash, after late data, does not queue them again).
    const days = closed.flatMap(([p]) => (p.startsWith('d') ? [p.slice(1)] : []));
    const done = await this.repository.dayDataDone(tenantId, days);
    await this.repository.queueArchive(
      tenantId,
      days.filter((_, i) => !done[i]).map((d) => `s${d}` as const),
      0,
      true,
    );
    return items.length;
  }

  /**
   * Adds the late data of periods whose reads come from the cold store to their items: claimed
   * under a token, added to the item (which records the token), then deleted. A pass that fails
   * after the write finds the token in the item and does not add it again. A period waits while
   * it is still queued to be archived whole (its item would be overwritten then), and a day's
   * subjects while the day's hash is (its data is queued after it).
   */
  private async addLate(
    tenantId: string,
    store: PartitionWrites,
    queue: Map<ColdPeriod, number>,
    retention: Retention,
    now: number,
  ): Promise<number> {
    const nowSeconds = now / 1000;
    let written = 0;
    for (const p of await this.repository.latePeriods(tenantId, PER_PASS)) {
      // Still to be archived whole (a day's data follows its day's hash): its late part waits.
      if (queue.has(p) || (p.startsWith('s') && queue.has(`d${p.slice(1)}`))) continue;
      const token = await this.repository.claimLate(tenantId, p, randomUUID());
      const dayPeriod = p.startsWith('h') ? p : (`d${p.slice(1)}` as const);
      const expiresAt = expiryOf(dayPeriod, retention);
      if (token !== null && expiresAt > nowSeconds) {
        written += p.startsWith('s')
          ? await this.addLateSubjects(tenantId, store, p, token, expiresAt)
          : await this.addLateFields(tenantId, store, p, token, expiresAt);
      }
      await this.repository.finishLate(tenantId, p);
    }
    return written;
  }

  private async addLateFields(
    tenantId: string,
    store: PartitionWrites,
    p: ColdPeriod,
    token: string,
    expiresAt: number,
  ): Promise<number> {
    const sk = sortKey(p);
    const [item] = await store.query(sk, sk);
    if (item?.attributes.lt === token) return 0; // added by a pass that failed after writing
    const late = await this.repository.claimedHash(tenantId, p);
    const stored = (item?.attributes.f ?? {}) as Record<string, string>;
    await store.put([
      { partition: store.partition, sk, attributes: { f: addFields(stored, late), lt: token }, expiresAt },
    ]);
    return 1;
  }

  private async addLateSubjects(
    tenantId: string,
    store: PartitionWrites,
    p: ColdPeriod,
    token: string,
    expiresAt: number,
  ): Promise<number> {
    const day = p.slice(1);
    const sk = subjectsSortKey(day);
    const found = await store.query(sk, sk);
    if (found[0]?.attributes.lt === token) return 0;
    const stored = decodeDayData(found).get(day) ?? { subjects: [], sketch: null };
    const merged = addSubjects(stored, await this.repository.claimedSubjects(tenantId, p), this.subjectsKept);
    const data = { ...merged, clientFields: {}, ranking: [], seen: null };
    const items = dayDataItems(store.partition, day, data, expiresAt).map((i) => ({
      ...i,
      attributes: { ...i.attributes, lt: token },
    }));
    await store.put(items);
    return items.length;
  }

  /** Moves settled days' subjects and client behaviour to the cold store; the count of items. */
  private async archiveDayData(
    tenantId: string,
    store: PartitionWrites,
    due: [ColdPeriod, number][],
    retention: Retention,
  ): Promise<number> {
    let written = 0;
    for (const entry of due) {
      const day = entry[0].slice(1);
      const data = await this.repository.readDayData(tenantId, day);
      if (!isEmptyDayData(data)) {
        const items = dayDataItems(store.partition, day, data, expiryOf(`d${day}`, retention));
        await store.put(items);
        written += items.length;
        await this.repository.dayDataArchived(tenantId, day);
      }
      await this.repository.archived(tenantId, [entry]);
    }
    return written;
  }
}

/** One tenant's turn of the archiver: its partition, and whether a write to it was attempted. */
class PartitionWrites implements ColdWrites {
  wrote = false;

  constructor(
    private readonly cold: ColdStore,
    readonly partition: string,
  ) {}

  async put(items: ColdItem[]): Promise<void> {
    this.wrote = true;
    await this.cold.put(items);
  }

  query(fromSk: string, toSk: string) {
    return this.cold.query(this.partition, fromSk, toSk);
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
