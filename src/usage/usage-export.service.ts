import { Inject, Injectable } from '@nestjs/common';
import { hourFromMinutes } from '../analytics/buckets.js';
import { retentionOfDays } from '../common/retention.js';
import { TIERS } from '../common/tiers.js';
import {
  DEFAULT_USAGE_EXPORT,
  PULSE_OPTIONS,
  type PulseOptions,
  type UsageExportOptions,
} from '../config/pulse-options.js';
import { HistoryReader } from '../history/history-reader.js';
import type { Tenant } from '../tenants/tenant.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { TenantRepository } from '../tenants/tenant.repository.js';
import {
  checkExportable,
  type ExportHour,
  exportsTenant,
  parseExportHour,
  USAGE_EXPORT_BATCH,
  USAGE_EXPORT_MEDIA_TYPES,
  usageExportBody,
  UsageExportError,
  type UsageExportFormat,
  usageRecord,
} from './usage-export.js';
import type { UsageRecord } from './usage.types.js';

/** An export ready to stream: its hour, media type and body. */
export interface UsageExport {
  hour: ExportHour;
  mediaType: string;
  body: AsyncIterable<string>;
}

/**
 * The hourly usage export for billing (`GET /api/v1/admin/usage/export`): one record per tenant
 * of the registry (active or disabled; an erased tenant's history is gone, so it has none), in id
 * order, each built from the hour as the history API reads it (`hourFromMinutes`: the previous
 * hour from its minutes, older ones from the hour rollup, hot or cold). Tenants are read
 * `USAGE_EXPORT_BATCH` at a time as the body is written, so memory holds one batch, not the export.
 */
@Injectable()
export class UsageExportService {
  private readonly settings: UsageExportOptions;

  constructor(
    private readonly tenants: TenantRepository,
    private readonly directory: TenantDirectory,
    private readonly history: HistoryReader,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
  ) {
    this.settings = options.usageExport ?? DEFAULT_USAGE_EXPORT;
  }

  /**
   * Checks the hour (400 naming `hour` when malformed, not settled or older than any history),
   * reads the first batch (so a storage failure there is the answer's status, not a cut body) and
   * returns the body to stream. A later batch's failure ends the body early: NDJSON without its
   * last lines, a CloudEvents array without its `]` (invalid JSON), never a wrong figure.
   */
  async export(rawHour: string, format: UsageExportFormat, now = Date.now()): Promise<UsageExport> {
    const hour = parseExportHour(rawHour);
    if (hour === null) throw new UsageExportError(`must be a UTC hour as YYYY-MM-DDTHH (e.g. 2026-12-07T13)`);
    const nowSeconds = Math.floor(now / 1000);
    checkExportable(hour, nowSeconds, this.settings.settleSeconds, this.longestHourSeconds());
    const ids = await this.tenants.listIds();
    const batches = this.batches(ids, hour, now);
    const first = await batches.next();
    async function* all(): AsyncGenerator<UsageRecord[]> {
      if (first.done) return;
      yield first.value;
      yield* batches;
    }
    return {
      hour,
      mediaType: USAGE_EXPORT_MEDIA_TYPES[format],
      body: usageExportBody(all(), format, this.settings.source),
    };
  }

  /** The records of `ids` (in order), one batch of tenants at a time. */
  private async *batches(ids: readonly string[], hour: ExportHour, now: number): AsyncGenerator<UsageRecord[]> {
    const nowSeconds = Math.floor(now / 1000);
    for (let i = 0; i < ids.length; i += USAGE_EXPORT_BATCH) {
      const found = await this.tenants.findMany(ids.slice(i, i + USAGE_EXPORT_BATCH));
      const kept = found.filter((t) => exportsTenant(t.createdAt, this.hourSecondsOf(t), hour, nowSeconds));
      const hashes = await Promise.all(kept.map((t) => this.hashesOf(t.id, hour, now)));
      // A tenant with its own NATS account: its egress as the server counts it holds Pulse's own tap.
      yield kept.map((t, j) => usageRecord(t.id, hour, hashes[j], t.natsAccount !== null ? 'account' : 'subjects'));
    }
  }

  /** The hashes that hold the tenant's hour, read as analytics reads an hour bucket. */
  private hashesOf(tenantId: string, hour: ExportHour, now: number): Promise<Record<string, string>[]> {
    if (hourFromMinutes(hour.start, Math.floor(now / 1000))) {
      const minutes = Array.from({ length: 60 }, (_, m) => hour.start + m * 60);
      return this.history.minutes(tenantId, minutes);
    }
    return this.history.hours(tenantId, [hour.start], now);
  }

  /** How long the tenant's hours are kept (its override, else its tier's days), whether active or not. */
  private hourSecondsOf(tenant: Tenant): number {
    const days = tenant.retentionDays ?? this.directory.tierRetentionDays(tenant.tier);
    return retentionOfDays(tenant.tier, days).hourSeconds;
  }

  /**
   * The longest hour retention of any tier or active tenant's override: an hour older than it is
   * a 400 (a disabled tenant's override longer than all of these is not looked up for it).
   */
  private longestHourSeconds(): number {
    let longest = 0;
    for (const tier of TIERS) {
      longest = Math.max(longest, retentionOfDays(tier, this.directory.tierRetentionDays(tier)).hourSeconds);
    }
    for (const tenant of this.directory.list()) {
      if (tenant.retentionDays !== null) longest = Math.max(longest, this.hourSecondsOf(tenant));
    }
    return longest;
  }
}
