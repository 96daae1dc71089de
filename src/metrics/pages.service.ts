import { Injectable } from '@nestjs/common';
import { AnomalyRepository } from '../anomalies/anomaly.repository.js';
import type { Anomaly } from '../anomalies/anomaly.js';
import { entitled } from '../common/entitlements.js';
import type { TenantPrincipal } from '../common/principal.js';
import { textFilter } from '../common/text-filter.js';
import { dayOf } from '../common/time.js';
import { ClientTimeline, offlinePeriods } from '../heartbeat/client-timeline.js';
import { PresenceQueryService } from '../heartbeat/presence-query.service.js';
import { PresenceRepository } from '../heartbeat/presence.repository.js';
import { COUNTER_SCHEMA } from '../history/counter-schema.js';
import { HistoryReader } from '../history/history-reader.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { SubjectsQuery } from './dto/pages.dto.js';
import { MetricsError } from './metrics.errors.js';

/** Closed connections a client page lists at most (newest first). */
export const CLIENT_CLOSES_LISTED = 20;
/** A day's ranking read for the subjects table and a subject's history (the ranking keeps its top subjects). */
export const SUBJECTS_READ = 1000;
/** Days a subject page reaches back at most (within the tenant's history). */
export const SUBJECT_DAYS = 31;

const DAY_MS = 86_400_000;

/**
 * The client and subject pages (README, Client and subject pages): one client's presence,
 * timeline, offline periods, connection and anomalies; the day's subjects sorted, filtered and
 * paged on the server; one subject's daily history and share of the tenant's traffic. Every read
 * is of the credential's tenant only, within its tier's history.
 */
@Injectable()
export class PagesService {
  constructor(
    private readonly presence: PresenceRepository,
    private readonly presenceQuery: PresenceQueryService,
    private readonly timeline: ClientTimeline,
    private readonly anomalies: AnomalyRepository,
    private readonly history: HistoryReader,
    private readonly directory: TenantDirectory,
  ) {}

  /** When the tenant's history starts (ms): its tier's (or its own) retention back from now. */
  private since(tenantId: string, now: number): number {
    return now - this.directory.retentionOf(tenantId).days * DAY_MS;
  }

  private async anomaliesOf(tenant: TenantPrincipal, since: number, about: (a: Anomaly) => boolean) {
    if (!entitled(tenant.tier, 'anomalies')) return null;
    return (await this.anomalies.list(tenant.tenantId, since)).filter(about);
  }

  async client(tenant: TenantPrincipal, clientId: string, now = Date.now()) {
    const { tenantId } = tenant;
    const client = await this.presence.client(tenantId, clientId);
    if (!client) throw new MetricsError('CLIENT_NOT_FOUND', `No client ${clientId}`);
    const since = this.since(tenantId, now);
    const [timeline, connections, anomalies] = await Promise.all([
      this.timeline.read(tenantId, clientId, since),
      this.presenceQuery.clientConnections(tenantId, clientId, client.status, CLIENT_CLOSES_LISTED),
      this.anomaliesOf(tenant, since, (a) => listed(a.details.clients, clientId)),
    ]);
    return {
      tenantId,
      tier: tenant.tier,
      generatedAt: new Date(now).toISOString(),
      historyFrom: new Date(since).toISOString(),
      client: { ...client, connection: connections.connection },
      timeline,
      offlinePeriods: offlinePeriods(timeline, now),
      closedConnections: connections.closed.map((c) => ({
        server: c.server,
        connectedAt: c.connectedAt,
        disconnectedAt: c.disconnectedAt ?? null,
        reason: c.reason ?? null,
        rttMs: c.rttMs,
      })),
      anomalies,
    };
  }

  /** Today's (UTC) subjects, sorted, filtered and paged here: a page of at most `limit` rows. */
  async subjects(tenant: TenantPrincipal, q: SubjectsQuery, now = Date.now()) {
    const day = dayOf(now);
    const { top } = await this.history.subjectsOfDays(tenant.tenantId, [day], SUBJECTS_READ, now);
    const keep = q.filter ? textFilter(q.filter) : null;
    const rows = keep ? top.filter((s) => keep(s.subject)) : top;
    const order = q.order ?? (q.sort === 'subject' ? 'asc' : 'desc');
    const sign = order === 'asc' ? 1 : -1;
    const field = q.sort;
    rows.sort((a, b) => {
      const x = a[field];
      const y = b[field];
      const c = x < y ? -1 : x > y ? 1 : 0;
      return c === 0 ? (a.subject < b.subject ? -1 : 1) : c * sign;
    });
    const page = rows.slice(q.offset, q.offset + q.limit);
    return {
      tenantId: tenant.tenantId,
      day: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`,
      sort: field,
      order,
      offset: q.offset,
      limit: q.limit,
      total: rows.length,
      subjects: page,
    };
  }

  /** One subject's messages and bytes per UTC day over the tenant's history, and its share of the tenant's messages. */
  async subject(tenant: TenantPrincipal, subject: string, now = Date.now()) {
    const { tenantId } = tenant;
    const since = this.since(tenantId, now);
    const count = Math.min(SUBJECT_DAYS, Math.max(1, Math.ceil((now - since) / DAY_MS)));
    const days = Array.from({ length: count }, (_, i) => dayOf(now - (count - 1 - i) * DAY_MS));
    const [rankings, totals, anomalies] = await Promise.all([
      Promise.all(days.map((d) => this.history.subjectsOfDays(tenantId, [d], SUBJECTS_READ, now))),
      this.history.days(tenantId, days, now),
      this.anomaliesOf(tenant, since, (a) => listed(a.details.patterns, subject)),
    ]);
    const field = COUNTER_SCHEMA.messages.field;
    let seen = false;
    const series = days.map((d, i) => {
      const found = rankings[i].top.find((s) => s.subject === subject);
      if (found) seen = true;
      const messages = found?.messages ?? 0;
      const tenantMessages = Number(totals[i]?.[field] ?? 0);
      const start = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
      const seconds = Math.max(1, Math.min(DAY_MS, now - start) / 1000);
      return {
        day: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
        messages,
        bytes: found?.bytes ?? 0,
        perSecond: messages / seconds,
        tenantMessages,
        share: tenantMessages > 0 ? Math.min(1, messages / tenantMessages) : null,
      };
    });
    if (!seen) throw new MetricsError('SUBJECT_NOT_FOUND', `No messages on ${subject} in the history kept`);
    const messages = series.reduce((n, d) => n + d.messages, 0);
    const tenantMessages = series.reduce((n, d) => n + d.tenantMessages, 0);
    return {
      tenantId,
      subject,
      generatedAt: new Date(now).toISOString(),
      historyFrom: new Date(since).toISOString(),
      days: series,
      messages,
      share: tenantMessages > 0 ? Math.min(1, messages / tenantMessages) : null,
      anomalies,
    };
  }
}

/** Whether a detail list (an anomaly's clients, patterns) names `id`. */
function listed(value: unknown, id: string): boolean {
  return Array.isArray(value) && value.includes(id);
}
