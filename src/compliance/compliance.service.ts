import { EventsService } from '../events/events.service.js';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { AlertingService } from '../alerting/alerting.service.js';
import { type Channel, tenantUrlOf } from '../alerting/channel.js';
import { HistoryReader } from '../history/history-reader.js';
import { AnomalyRepository } from '../anomalies/anomaly.repository.js';
import { ColdPartitions } from '../coldstore/cold-partitions.js';
import { COLD_STORE, type ColdStore, coldStoreUnavailable } from '../coldstore/cold-store.js';
import { type Retention, retentionOfDays } from '../common/retention.js';
import { dayOf } from '../common/time.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceRepository } from '../heartbeat/presence.repository.js';
import { ConnectionRepository } from '../heartbeat/connection.repository.js';
import { CustomMetricsService } from '../metrics/custom-metrics.service.js';
import { historyPointBody, JETSTREAM_READER, type JetStreamReader } from '../jetstream/jetstream.types.js';
import type { Tenant } from '../tenants/tenant.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { TenantRepository } from '../tenants/tenant.repository.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { ComplianceRepository } from './compliance.repository.js';

const HOUR = 3600;
const DAY = 86_400;
/** A key not used for this long is flagged in the report. */
export const UNUSED_KEY_DAYS = 90;
/** Alert and delivery log entries a tenant keeps at most (alerting.repository). */
const LOG_ENTRIES = 10_000;
const CLIENT_PAGE = 500;

/** One line of the tenant export: its type and the record. */
export interface ExportRecord {
  type: string;
  data: unknown;
}

export interface KeyReport {
  keyId: string;
  createdAt: string;
  ageDays: number;
  lastUsedAt: string | null;
  unused90d: boolean;
}

export interface TenantReport {
  id: string;
  tier: string;
  status: string;
  retentionDays: number;
  oldestData: string | null;
  retentionEnforced: boolean;
  keys: KeyReport[];
  /** Refused uses of its revoked keys and of its keys while it was disabled. */
  failedAuthentication30d: { total: number; byReason: Record<string, number>; byDay: { day: string; count: number }[] };
  channels: { id: string; type: string; host: string | null }[];
}

/**
 * The compliance reads (README, Compliance): everything Pulse holds about a tenant as typed
 * records (GDPR Art. 15/20), and the report auditors ask for.
 */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly tenantRecords: TenantRepository,
    private readonly directory: TenantDirectory,
    private readonly alerting: AlertingService,
    private readonly custom: CustomMetricsService,
    private readonly events: EventsService,
    private readonly presence: PresenceRepository,
    private readonly connections: ConnectionRepository,
    private readonly history: HistoryReader,
    private readonly anomalies: AnomalyRepository,
    private readonly audit: AuditRepository,
    private readonly auditService: AuditService,
    private readonly records: ComplianceRepository,
    private readonly partitions: ColdPartitions,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
    /** JetStreamModule's reader; absent where that module is not imported (no JetStream records). */
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstream: JetStreamReader | null = null,
  ) {}

  /** The tenant's days of history: its own override, else its tier's. */
  retentionDaysOf(tenant: Tenant): number {
    return tenant.retentionDays ?? this.directory.tierRetentionDays(tenant.tier);
  }

  /**
   * Every record of the tenant, one at a time (the caller streams them: memory stays flat
   * whatever the tenant holds). Order: tenant, keys, channels (secrets masked), rules, silences,
   * custom metrics, event subscriptions (secrets masked), clients, minutes, hours, days, subjects and client behaviour per day,
   * JetStream (the last poll's view, then its minutes and hours), anomalies, alerts, deliveries,
   * audit.
   */
  async *exportTenant(tenant: Tenant, now = Date.now()): AsyncGenerator<ExportRecord> {
    const t = tenant.id;
    yield { type: 'tenant', data: tenant };
    for (const key of await this.keyReports(t, now)) yield { type: 'apiKey', data: key };
    for (const c of await this.alerting.list(t)) yield { type: 'channel', data: c };
    for (const r of await this.alerting.rules(t)) yield { type: 'rule', data: r };
    for (const s of await this.alerting.silences(t)) yield { type: 'silence', data: s };
    for (const m of await this.custom.list(t)) yield { type: 'customMetric', data: m };
    // Webhook event subscriptions: masked as the API shows them (never the signing secret).
    for (const e of await this.events.list(t)) yield { type: 'eventSubscription', data: e };
    let after: string | null = null;
    do {
      const page = await this.presence.listClients(t, null, CLIENT_PAGE, after);
      for (const c of page.clients) yield { type: 'client', data: c };
      after = page.last;
    } while (after !== null);
    // The NATS server's view of its connections (system account on): open, then the closed kept.
    for (const state of ['open', 'closed'] as const)
      for (const c of await this.connections.list(t, state)) yield { type: 'connection', data: c };

    const retention = retentionOfDays(tenant.tier, this.retentionDaysOf(tenant));
    const nowSeconds = Math.floor(now / 1000);
    const currentMinute = nowSeconds - (nowSeconds % 60);
    for (let m = currentMinute - retention.minuteSeconds; m <= currentMinute; m += HOUR) {
      const epochs = Array.from({ length: 60 }, (_, i) => m + i * 60).filter((e) => e <= currentMinute);
      const rows = await this.history.minutes(t, epochs);
      for (let i = 0; i < epochs.length; i++) {
        if (Object.keys(rows[i]).length > 0)
          yield { type: 'minute', data: { at: new Date(epochs[i] * 1000).toISOString(), fields: rows[i] } };
      }
    }
    const currentHour = nowSeconds - (nowSeconds % HOUR);
    for (let h = currentHour - retention.hourSeconds; h <= currentHour; h += DAY) {
      const epochs = Array.from({ length: 24 }, (_, i) => h + i * HOUR).filter((e) => e <= currentHour);
      const rows = await this.history.hours(t, epochs, now);
      for (let i = 0; i < epochs.length; i++) {
        if (Object.keys(rows[i]).length > 0)
          yield { type: 'hour', data: { at: new Date(epochs[i] * 1000).toISOString(), fields: rows[i] } };
      }
    }
    const days: string[] = [];
    for (let d = now - retention.daySeconds * 1000; d <= now; d += DAY * 1000) days.push(dayOf(d));
    if (days.at(-1) !== dayOf(now)) days.push(dayOf(now));
    for (const day of days) {
      const [fields] = await this.history.days(t, [day], now);
      if (Object.keys(fields).length > 0) yield { type: 'day', data: { day, fields } };
      const { top } = await this.history.subjectsOfDays(t, [day], this.options.subjectsStoredPerDay, now);
      if (top.length > 0) yield { type: 'subjects', data: { day, subjects: top } };
      for await (const batch of this.history.clientDayFields(t, day, now)) {
        yield { type: 'clientDay', data: { day, fields: Object.fromEntries(batch) } };
      }
    }
    yield* this.exportJetStream(t, retention, currentMinute, currentHour);
    for (const a of await this.anomalies.list(t, 0)) yield { type: 'anomaly', data: a };
    for (const a of await this.alerting.alerts(t, 0, LOG_ENTRIES)) yield { type: 'alert', data: a };
    for (const d of await this.alerting.deliveries(t, 0, LOG_ENTRIES)) yield { type: 'delivery', data: d };
    for await (const e of this.audit.tenantEntries(t)) yield { type: 'audit', data: e };
  }

  /**
   * The tenant's JetStream: the last poll's view (`jetstream`), then its history within the
   * retention, an hour of minutes (`jetstreamMinute`) or a day of hours (`jetstreamHour`) a read,
   * each period once (the reads' ranges do not overlap), points as the history route writes them.
   */
  private async *exportJetStream(
    t: string,
    retention: Retention,
    currentMinute: number,
    currentHour: number,
  ): AsyncGenerator<ExportRecord> {
    const reader = this.jetstream;
    if (!reader) return;
    // The stored view even while JetStream is off (`current` hides it then): everything Pulse holds.
    const view = await reader.current(t, { evenWhenOff: true });
    if (view) yield { type: 'jetstream', data: view };
    const ranges = [
      {
        type: 'jetstreamMinute',
        resolution: 'minute',
        step: 60,
        perRead: 60,
        kept: retention.minuteSeconds,
        last: currentMinute,
      },
      {
        type: 'jetstreamHour',
        resolution: 'hour',
        step: HOUR,
        perRead: 24,
        kept: retention.hourSeconds,
        last: currentHour,
      },
    ] as const;
    for (const r of ranges) {
      for (let from = r.last - r.kept; from <= r.last; from += r.step * r.perRead) {
        const to = Math.min(r.last, from + r.step * (r.perRead - 1));
        for (const p of await reader.history(t, from * 1000, to * 1000, r.resolution))
          yield { type: r.type, data: historyPointBody(p) };
      }
    }
  }

  /** Key ids with age and last use; unused for 90 days (or never, since 90 days) flagged. */
  async keyReports(tenantId: string, now = Date.now()): Promise<KeyReport[]> {
    const keys = await this.tenantRecords.listApiKeys(tenantId);
    const used = await this.audit.lastUses(
      tenantId,
      keys.map((k) => k.keyId),
    );
    return keys.map((k, i) => {
      const last = used[i];
      const created = Date.parse(k.createdAt);
      return {
        keyId: k.keyId,
        createdAt: k.createdAt,
        ageDays: Math.floor((now - created) / 86_400_000),
        lastUsedAt: last === null ? null : new Date(last).toISOString(),
        unused90d: now - (last ?? created) > UNUSED_KEY_DAYS * 86_400_000,
      };
    });
  }

  async report(now = Date.now()) {
    const tenantReports: TenantReport[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.tenants.list(1000, cursor);
      for (const tenant of page.tenants) tenantReports.push(await this.tenantReport(tenant, now));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return {
      generatedAt: new Date(now).toISOString(),
      deployment: await this.deployment(),
      failedAuthentication30d: await this.failedAuthentication(now),
      tenants: tenantReports,
      erasures: await this.tenantRecords.erasures(1000),
    };
  }

  private async tenantReport(tenant: Tenant, now: number): Promise<TenantReport> {
    const days = this.retentionDaysOf(tenant);
    const oldest = await this.oldestData(tenant.id, days, now);
    return {
      id: tenant.id,
      tier: tenant.tier,
      status: tenant.status,
      retentionDays: days,
      oldestData: oldest === null ? null : new Date(oldest).toISOString(),
      // The oldest day kept is whole (days + 1) and expiry runs from the last write: 2 days' slack.
      retentionEnforced: oldest === null || oldest >= now - (days + 2) * DAY * 1000,
      keys: await this.keyReports(tenant.id, now),
      failedAuthentication30d: await this.failedAuthentication(now, tenant.id),
      channels: (await this.alerting.list(tenant.id)).map((c) => ({
        id: c.id,
        type: c.type,
        host: hostOf(c, this.options.alerting.pagerdutyEventsUrl),
      })),
    };
  }

  /**
   * The oldest day of history held (Redis and cold store) and the oldest client remembered, in
   * ms: found, not assumed, so a retention that is not enforced shows. Days are looked for back
   * to twice the retention (at least 10 days more).
   */
  private async oldestData(tenantId: string, retentionDays: number, now: number): Promise<number | null> {
    const lookBack = Math.max(retentionDays * 2, retentionDays + 10);
    const days = Array.from({ length: lookBack + 1 }, (_, i) => dayOf(now - (lookBack - i) * DAY * 1000));
    const candidates: number[] = [];
    const firstHot = await this.records.firstDayHeld(tenantId, days);
    if (firstHot) candidates.push(dayStartMs(firstHot));
    const partition = this.cold ? await this.partitions.of(tenantId) : null;
    if (this.cold && partition !== null) {
      // The first day only (sort keys are in time order): one item read, not every day kept.
      // A report without the cold part would be false (retentionEnforced): 503, as every cold read.
      const items = await this.cold.query(partition, 'd#', 'd#~', 1).catch((err: unknown) => {
        throw coldStoreUnavailable(
          `The oldest data of tenant ${tenantId} may be in the cold store, which did not answer`,
          err,
        );
      });
      if (items.length > 0) candidates.push(dayStartMs(items[0].sk.slice(2)));
    }
    const seen = await this.records.oldestClientSeen(tenantId);
    if (seen !== null) candidates.push(seen);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Failed authentications of the last 30 days: every one, or those counted for one tenant. */
  private async failedAuthentication(now: number, tenantId?: string) {
    const raw = await this.audit.authFailures(tenantId);
    const since = dayOf(now - 29 * DAY * 1000);
    const byReason: Record<string, number> = {};
    const byDay: Record<string, number> = {};
    let total = 0;
    for (const [field, value] of Object.entries(raw)) {
      const [day, reason] = field.split(':');
      if (day < since || reason === undefined) continue;
      const n = Number(value);
      total += n;
      byReason[reason] = (byReason[reason] ?? 0) + n;
      byDay[day] = (byDay[day] ?? 0) + n;
    }
    return {
      total,
      byReason,
      byDay: Object.keys(byDay)
        .sort()
        .map((day) => ({ day, count: byDay[day] })),
    };
  }

  /** The deployment's settings SOC 2 reviews ask about. */
  private async deployment() {
    const nats = this.options.nats;
    const natsTls = nats.tls !== undefined || nats.servers.every((s) => s.startsWith('tls://'));
    const redisTls = !this.options.redis.clusterNodes && this.options.redis.url.startsWith('rediss://');
    const appendOnly = await this.records.appendOnly();
    return {
      natsTls,
      natsAuthentication: Boolean(nats.credsFile || nats.nkeySeedFile || nats.user || nats.token),
      redisTls,
      redisPersistence: { appendOnly, adviceFollowed: appendOnly },
      adminKeyConfigured: Boolean(this.options.adminApiKey),
      rateLimits: this.options.rateLimit,
      auditRetentionDays: this.auditService.retentionDays,
      coldStore: this.cold !== null,
    };
  }
}

/** Where a channel's notifications go: a host, an e-mail domain, PagerDuty's events host. */
function hostOf(c: Channel, pagerdutyEventsUrl: string): string | null {
  const url = c.type === 'pagerduty' ? pagerdutyEventsUrl : tenantUrlOf(c);
  if (url) {
    try {
      return new URL(url).host;
    } catch {
      return null;
    }
  }
  if (c.type === 'email')
    return [...new Set((c.config.to ?? []).map((a) => a.slice(a.lastIndexOf('@') + 1)))].join(';');
  return null;
}

function dayStartMs(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
}
