import { Injectable } from '@nestjs/common';
import { OperatorAlerts } from '../alerting/operator-alerts.job.js';
import { AnomalyRepository } from '../anomalies/anomaly.repository.js';
import { SharedReads } from '../common/shared-reads.js';
import { dayOf } from '../common/time.js';
import { LOWEST_TIER } from '../common/tiers.js';
import { InstanceRegistry } from '../health/instance-registry.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { JobFailures } from '../jobs/job-failures.js';
import { MetricsRepository } from '../metrics/metrics.repository.js';
import { RealtimeReader } from '../metrics/realtime.reader.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { JetStreamOverview } from './jetstream-overview.js';

/** Tenants ranked by today's messages; every tenant's day counter is read, so the ranking is shared. */
const TOP_TENANTS = 10;
const TOP_SHARED_MS = 10_000;
/** Failures counted for the jobs figure. */
const JOB_FAILURE_WINDOW_MS = 3_600_000;

/**
 * The operator console's one read (admin key): Pulse's own health across instances, a page of
 * tenants with their live figures, the busiest tenants today, Pulse's recent incidents, and the
 * tenants' JetStream (the poller's status, the tenants by worst consumer).
 */
@Injectable()
export class AdminOverviewService {
  private readonly top = new SharedReads<{ id: string; messagesToday: number }[]>(TOP_SHARED_MS, 1);

  constructor(
    private readonly tenants: TenantsService,
    private readonly directory: TenantDirectory,
    private readonly realtime: RealtimeReader,
    private readonly metrics: MetricsRepository,
    private readonly anomalies: AnomalyRepository,
    private readonly health: PulseHealthService,
    private readonly instances: InstanceRegistry,
    private readonly jobFailures: JobFailures,
    private readonly operatorAlerts: OperatorAlerts,
    private readonly jetstream: JetStreamOverview,
  ) {}

  async overview(limit: number, cursor: string | undefined, now = Date.now()) {
    const [page, status, instances, topTenants, incidents, jetstream] = await Promise.all([
      this.tenants.list(limit, cursor),
      this.health.status(),
      this.instances.list(now),
      this.top.get('top', now, () => this.topTenants(now)),
      this.operatorAlerts.recent(20),
      this.jetstream.read(now),
    ]);
    const rows = await Promise.all(
      page.tenants.map(async (t) => {
        const [read, openAnomalies] = await Promise.all([
          this.realtime.read(t.id, LOWEST_TIER, { topSubjects: 0 }),
          this.anomalies.openCount(t.id),
        ]);
        return {
          id: t.id,
          name: t.name,
          tier: t.tier,
          status: t.status,
          messagesPerSecond: read.view.messages.perSecond,
          messagesToday: read.view.messages.today,
          clientsOnline: read.presence.online,
          clientsTotal: read.presence.total,
          openAnomalies,
          lastActivityAt: read.lastActivityAt,
        };
      }),
    );
    const lastFlush = status.flush.lastFlushAt ? Date.parse(status.flush.lastFlushAt) : null;
    return {
      generatedAt: new Date(now).toISOString(),
      pulse: {
        nats: status.nats.state,
        redis: status.redis.state,
        redisPingMs: status.redis.pingMs,
        backlogMessages: status.flush.backlogMessages,
        lastFlushAt: status.flush.lastFlushAt,
        flushLagMs: lastFlush === null ? null : Math.max(0, now - lastFlush),
        jobFailuresLastHour: this.jobFailures.countSince(now - JOB_FAILURE_WINDOW_MS),
        instances,
      },
      tenants: rows,
      nextCursor: page.nextCursor,
      topTenants,
      incidents,
      jetstream,
    };
  }

  private async topTenants(now: number): Promise<{ id: string; messagesToday: number }[]> {
    const ids = this.directory.list().map((t) => t.id);
    const counts = await this.metrics.messagesOn(ids, dayOf(now));
    return ids
      .map((id, i) => ({ id, messagesToday: counts[i] }))
      .filter((t) => t.messagesToday > 0)
      .sort((a, b) => b.messagesToday - a.messagesToday || (a.id < b.id ? -1 : 1))
      .slice(0, TOP_TENANTS);
  }
}
