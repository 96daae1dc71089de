import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { ColdPartitions } from '../coldstore/cold-partitions.js';
import { COLD_STORE, type ColdItem, type ColdStore, coldStoreUnavailable } from '../coldstore/cold-store.js';
import { entitled } from '../common/entitlements.js';
import type { Retention } from '../common/retention.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { ArchiveJob, type ArchiveStep, type ColdWrites } from '../history/archive.job.js';
import { HOUR, hotSecondsOf, readsCold } from '../history/history-tiers.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { type FencedCommand, TenantFence } from '../redis/tenant-fence.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { JetStreamKeys } from './jetstream-keys.js';

/** Hours of one tenant read and archived per pass (the rest wait for the next pass). */
const PER_PASS = 200;
/** Hours looked at (EXISTS) per pipeline, and pipelines per tenant per pass. */
const SCAN_BATCH = 1000;
const SCAN_BATCHES = 10;
/** An archived hour's Redis hash outlives the hot window by this much (as the traffic hours' do). */
const HOT_MARGIN_SECONDS = 2 * HOUR;
/**
 * The most an archived hour's fields weigh (keys and values, UTF-8): DynamoDB takes items up to
 * 400 KB; the rest of the item (keys, TTL, overhead) fits in what is left.
 */
export const MAX_ITEM_FIELD_BYTES = 350_000;
/** Bytes DynamoDB counts per map entry beyond its key and value (a generous bound). */
const ENTRY_OVERHEAD = 4;

/** The sort key of a JetStream hour: `j#<hour epoch, 10 digits>`. */
export function jetStreamSortKey(hourEpoch: number): string {
  return `j#${String(hourEpoch).padStart(10, '0')}`;
}

/**
 * An hour's hash as it fits one cold item: the whole hash when it weighs at most `maxBytes`, else
 * the fullest streams (up to half the budget) then the consumers with the most pending, as many as
 * fit; `omitted` the fields left out.
 */
export function fitItem(
  hash: Record<string, string>,
  maxBytes = MAX_ITEM_FIELD_BYTES,
): { fields: Record<string, string>; omitted: number } {
  const entries = Object.entries(hash);
  const weight = ([k, v]: [string, string]) => Buffer.byteLength(k) + Buffer.byteLength(v) + ENTRY_OVERHEAD;
  if (entries.reduce((sum, e) => sum + weight(e), 0) <= maxBytes) return { fields: hash, omitted: 0 };
  // Streams by fill (the third figure; `-` no limit, last), consumers by pending (the first).
  const figure = (v: string, i: number) => Number(v.split(' ')[i]) || 0;
  const streams = entries.filter(([k]) => k.startsWith('s:')).sort((a, b) => figure(b[1], 2) - figure(a[1], 2));
  const consumers = entries.filter(([k]) => k.startsWith('c:')).sort((a, b) => figure(b[1], 0) - figure(a[1], 0));
  const fields: Record<string, string> = {};
  let used = 0;
  const take = (list: [string, string][], budget: number) => {
    for (const entry of list) {
      if (used + weight(entry) > budget) break;
      fields[entry[0]] = entry[1];
      used += weight(entry);
    }
  };
  take(streams, maxBytes / 2);
  take(consumers, maxBytes);
  return { fields, omitted: entries.length - Object.keys(fields).length };
}

/**
 * JetStream history in the cold store (ARCHITECTURE.md, JetStream and Tiered storage). With the
 * cold store on, each archiver pass (its lock, its tenant turn: `ArchiveJob.addStep`) writes every
 * tenant's hour hashes (`js:hour:<epoch>`) once the hour has ended, as items `j#<hour>` of its
 * partition, then sets each hash to expire when it leaves the hot window; reads of hours older
 * than the hot window come from the cold store. An hour is final once it ended: a poll writes the
 * hour of its own clock and is never backdated, so there is no late data to add. Minutes stay in
 * Redis only: their retention (≤ 25 h) is inside the hot window (≥ 26 h).
 */
@Injectable()
export class JetStreamArchive implements ArchiveStep, OnModuleInit {
  private readonly keys: JetStreamKeys;
  private readonly hotSeconds: number;
  /** An hour is archived this long after its end: a poll that began before the end has written by then. */
  private readonly settleSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly fence: TenantFence,
    private readonly partitions: ColdPartitions,
    @Inject(TenantDirectory) private readonly directory: Pick<TenantDirectory, 'get'>,
    @Optional() @Inject(ArchiveJob) private readonly job: ArchiveJob | null = null,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {
    this.keys = new JetStreamKeys(options.redis.keyPrefix);
    this.hotSeconds = hotSecondsOf(options);
    this.settleSeconds = Math.max(60, Math.ceil((2 * (options.jetstream?.pollIntervalMs ?? 15_000)) / 1000));
  }

  onModuleInit(): void {
    this.job?.addStep(this);
  }

  /**
   * Archives the tenant's ended hours after the last one looked at (`js:arch`; from the start of
   * its hour retention the first time), up to PER_PASS a pass; the number of items written. Only
   * tenants entitled to `jetstreamHistory` (the only ones the poll keeps history for): the others
   * are not looked at, so a first pass scans the enterprise tenants' retention only.
   */
  async archiveTenant(tenantId: string, store: ColdWrites, retention: Retention, now: number): Promise<number> {
    const tenant = this.directory.get(tenantId);
    if (!tenant || !entitled(tenant.tier, 'jetstreamHistory')) return 0;
    const nowSeconds = Math.floor(now / 1000);
    const lastDue = Math.floor((nowSeconds - this.settleSeconds - HOUR) / HOUR) * HOUR;
    const oldest = Math.ceil((nowSeconds - retention.hourSeconds) / HOUR) * HOUR;
    const marker = await this.redis.get(this.keys.archived(tenantId));
    const from = Math.max(oldest, marker === null ? oldest : Number(marker) + HOUR);
    if (from > lastDue) return 0;
    const { hours, through } = await this.stored(tenantId, from, lastDue);
    const pipeline = this.redis.pipeline();
    for (const h of hours) pipeline.hgetall(this.keys.history(tenantId, 'hour', h));
    const hashes = (hours.length > 0 ? ((await pipeline.exec()) ?? []) : []).map(([err, hash]) => {
      if (err) throw err;
      return hash as Record<string, string>;
    });
    const items: ColdItem[] = [];
    const kept: FencedCommand[] = [];
    hours.forEach((h, i) => {
      if (Object.keys(hashes[i]).length === 0) return; // no poll that hour (or expired)
      const { fields, omitted } = fitItem(hashes[i]);
      items.push({
        partition: store.partition,
        sk: jetStreamSortKey(h),
        attributes: omitted > 0 ? { f: fields, o: omitted } : { f: fields },
        expiresAt: h + retention.hourSeconds,
      });
      kept.push(['EXPIREAT', this.keys.history(tenantId, 'hour', h), h + HOUR + this.hotSeconds + HOT_MARGIN_SECONDS]);
    });
    // A failed write throws here: the marker stays, Redis keeps the hashes with their tier expiry.
    if (items.length > 0) await store.put(items);
    await this.fence.write(tenantId, [
      ...kept,
      ['SET', this.keys.archived(tenantId), through, 'EX', retention.hourSeconds],
    ]);
    return items.length;
  }

  /**
   * The hours from `from` to `to` that have a hash, up to PER_PASS, and the last hour looked at:
   * EXISTS in pipelines of SCAN_BATCH, at most SCAN_BATCHES of them a pass (a tenant's first
   * passes look through its hour retention, 10,000 hours a pass; later ones at the hours since).
   */
  private async stored(tenantId: string, from: number, to: number): Promise<{ hours: number[]; through: number }> {
    const hours: number[] = [];
    let through = from - HOUR;
    for (let batch = 0; batch < SCAN_BATCHES && through < to && hours.length < PER_PASS; batch++) {
      const candidates: number[] = [];
      for (let h = through + HOUR; h <= to && candidates.length < SCAN_BATCH; h += HOUR) candidates.push(h);
      const pipeline = this.redis.pipeline();
      for (const h of candidates) pipeline.exists(this.keys.history(tenantId, 'hour', h));
      const exists = (await pipeline.exec()) ?? [];
      for (let i = 0; i < candidates.length; i++) {
        through = candidates[i];
        if (exists[i]?.[1] === 1) hours.push(candidates[i]);
        if (hours.length === PER_PASS) break;
      }
    }
    return { hours, through };
  }

  /**
   * Of the hours (epoch s), those read from the cold store (ended before the hot window) that it
   * holds, with their hash; none without a cold store. A store that does not answer is a 503.
   */
  async coldHours(tenantId: string, hourEpochs: number[], now: number): Promise<Map<number, Record<string, string>>> {
    const old = this.cold ? hourEpochs.filter((h) => readsCold(h + HOUR, now / 1000, this.hotSeconds)) : [];
    if (!this.cold || old.length === 0) return new Map();
    const partition = await this.partitions.of(tenantId);
    if (partition === null) return new Map();
    const from = Math.min(...old);
    const to = Math.max(...old);
    let items: { sk: string; attributes: Record<string, unknown> }[];
    try {
      items = await this.cold.query(partition, jetStreamSortKey(from), jetStreamSortKey(to));
    } catch (err) {
      throw coldStoreUnavailable(
        `JetStream history before the last ${this.hotSeconds / HOUR} hours is in the cold store, which did not answer`,
        err,
      );
    }
    return new Map(items.map((i) => [Number(i.sk.slice(2)), (i.attributes.f ?? {}) as Record<string, string>]));
  }
}
