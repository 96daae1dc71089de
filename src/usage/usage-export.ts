// The hourly usage export's pure pieces (issue #34): the hour asked, when it may be exported, one
// tenant-hour's record from its stored hashes, and the two bodies (NDJSON, a CloudEvents batch).
import { DomainError } from '../common/errors/domain-error.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { type EgressShape, tenantEgress } from '../history/tenant-egress.js';
import { round3 } from './usage-figures.js';
import type { UsageRecord } from './usage.types.js';

export const USAGE_EXPORT_FORMATS = ['ndjson', 'cloudevents'] as const;
export type UsageExportFormat = (typeof USAGE_EXPORT_FORMATS)[number];

/** The media type of each format. */
export const USAGE_EXPORT_MEDIA_TYPES: Readonly<Record<UsageExportFormat, string>> = {
  ndjson: 'application/x-ndjson',
  cloudevents: 'application/cloudevents-batch+json',
};

/** The CloudEvents `type` of a usage record (what a metering system's meters select on). */
export const USAGE_EVENT_TYPE = 'io.pulse.usage.hourly';

/** Tenants read per round (their hour read together): what the export holds in memory at once. */
export const USAGE_EXPORT_BATCH = 100;

/** `YYYY-MM-DDTHH` (UTC): fixed width, so the check is linear in its 13 characters. */
const HOUR_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}$/;

/** One UTC hour of the export: its label (`YYYY-MM-DDTHH`) and its bounds (epoch s). */
export interface ExportHour {
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

/** One record as a CloudEvent (CloudEvents 1.0, JSON format): what a metering system such as OpenMeter ingests. */
export interface UsageCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: typeof USAGE_EVENT_TYPE;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: UsageRecord;
}

/** A refused `hour`: a 400 whose details name the field (and, for an hour not settled yet, when it will be). */
export class UsageExportError extends DomainError<'VALIDATION_FAILED'> {
  constructor(message: string, exportableFrom?: string) {
    super('VALIDATION_FAILED', `hour: ${message}`, {
      details: [{ field: 'hour', messages: [`hour: ${message}`], ...(exportableFrom && { exportableFrom }) }],
    });
  }
}

/** The hour `raw` names (`YYYY-MM-DDTHH`, UTC), or null when it is not one (a 2026-02-30 included). */
export function parseExportHour(raw: string): ExportHour | null {
  if (raw.length !== 13 || !HOUR_FORMAT.test(raw)) return null;
  const ms = Date.parse(`${raw}:00:00Z`);
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 13) !== raw) return null;
  const start = ms / 1000;
  return { label: raw, start, end: start + 3600 };
}

/** When the hour may be exported (epoch s): its end plus the settle time. */
export function exportableFrom(hour: ExportHour, settleSeconds: number): number {
  return hour.end + settleSeconds;
}

/** Whether history that keeps hours `hourSeconds` after their start still holds this one. */
export function keepsHour(hour: ExportHour, nowSeconds: number, hourSeconds: number): boolean {
  return hour.start + hourSeconds > nowSeconds;
}

/**
 * Refuses an hour that is not settled yet (it ended less than `settleSeconds` ago, or has not
 * ended), or that no tenant's history still holds (`longestHourSeconds`: the longest hour
 * retention of any tenant): a 400 naming `hour`.
 */
export function checkExportable(
  hour: ExportHour,
  nowSeconds: number,
  settleSeconds: number,
  longestHourSeconds: number,
): void {
  const from = exportableFrom(hour, settleSeconds);
  if (nowSeconds < from) {
    const at = isoOf(from);
    throw new UsageExportError(
      `${hour.label} can be exported from ${at} (its end + ${settleSeconds} s: data for it may arrive until then)`,
      at,
    );
  }
  if (!keepsHour(hour, nowSeconds, longestHourSeconds)) {
    throw new UsageExportError(
      `${hour.label} is older than the history any tenant keeps (${Math.floor(longestHourSeconds / 3600)} hours)`,
    );
  }
}

/**
 * Whether a tenant has a record for the hour: it was created before the hour ended (a tenant
 * created later, or an id created again after an erasure, has nothing of the hour), and its own
 * history (`hourSeconds`, its tier's or its override's) still holds the hour.
 */
export function exportsTenant(createdAt: string, hourSeconds: number, hour: ExportHour, nowSeconds: number): boolean {
  const created = Date.parse(createdAt) / 1000;
  return !(created >= hour.end) && keepsHour(hour, nowSeconds, hourSeconds);
}

/** The stable id of a tenant-hour: `usage:<tenantId>:<YYYY-MM-DDTHH>` (a receiver deduplicates on it). */
export function usageRecordId(tenantId: string, hour: ExportHour): string {
  return `usage:${tenantId}:${hour.label}`;
}

/** A stored counter as a number (absent or unreadable: 0). */
function valueOf(hash: Record<string, string>, field: string): number {
  const raw = hash[field];
  if (raw === undefined) return 0;
  const n = Number(raw);
  return Number.isFinite(n) ? n : 0;
}

/**
 * One tenant-hour's record from the hashes that hold the hour: its hour hash, or its minute hashes
 * (every field read here is a sum, so the minutes add up to the hour). Published is what the tap
 * counted (`m`/`b`), ingress and egress what the server counted (`sv_*`; egress without what the
 * server delivered to Pulse itself in the accounts shape: `tenantEgress`), connection-minutes
 * `cn_min`, JetStream storage byte-hours `js_bmin` ÷ 60 (to 3 decimals, as the usage route:
 * `round3`). Properties in one fixed order, so the
 * same figures always serialise to the same bytes.
 */
export function usageRecord(
  tenantId: string,
  hour: ExportHour,
  hashes: readonly Record<string, string>[],
  shape: EgressShape = 'subjects',
): UsageRecord {
  const sum = (field: string) => hashes.reduce((n, hash) => n + valueOf(hash, field), 0);
  return {
    id: usageRecordId(tenantId, hour),
    tenantId,
    hourStart: isoOf(hour.start),
    hourEnd: isoOf(hour.end),
    published: { messages: sum(F.messages), bytes: sum(F.bytes) },
    ingress: { messages: sum(F.serverIngressMessages), bytes: sum(F.serverIngressBytes) },
    egress: tenantEgress(hashes, shape),
    connectionMinutes: sum(F.connectionMinutes),
    jetstreamStorageByteHours: round3(sum(F.jetstreamByteMinutes) / 60),
  };
}

/**
 * A record as a CloudEvent. `time` is the hour's start: a metering system files an event in the
 * window its time falls in (OpenMeter's windows include their start and exclude their end), so the
 * hour's end would put the usage in the next hour, and the last hour of a month in the next month.
 */
export function usageCloudEvent(record: UsageRecord, source: string): UsageCloudEvent {
  return {
    specversion: '1.0',
    id: record.id,
    source,
    type: USAGE_EVENT_TYPE,
    subject: record.tenantId,
    time: record.hourStart,
    datacontenttype: 'application/json',
    data: record,
  };
}

/**
 * The export's body, chunk by chunk as batches of records arrive: NDJSON (one record a line), or a
 * CloudEvents batch (one JSON array, written as it goes: `[`, the events, `]`). Nothing but the
 * current batch is held.
 */
export async function* usageExportBody(
  batches: AsyncIterable<readonly UsageRecord[]>,
  format: UsageExportFormat,
  source: string,
): AsyncGenerator<string> {
  if (format === 'ndjson') {
    for await (const records of batches) {
      if (records.length > 0) yield records.map((r) => `${JSON.stringify(r)}\n`).join('');
    }
    return;
  }
  yield '[';
  let first = true;
  for await (const records of batches) {
    if (records.length === 0) continue;
    yield (first ? '' : ',') + records.map((r) => JSON.stringify(usageCloudEvent(r, source))).join(',');
    first = false;
  }
  yield ']';
}

const isoOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
