import { Inject, Injectable, Optional } from '@nestjs/common';
import { JETSTREAM_READER, type JetStreamReader } from '../jetstream/jetstream.types.js';
import { NatsEventsService } from '../nats-events/nats-events.service.js';
import type { TenantPrincipal } from '../common/principal.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { MetricsError } from './metrics.errors.js';
import { SharedReads } from '../common/shared-reads.js';
import { entitled, lowestTier } from '../common/entitlements.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { decodeCursor, decodeOffsetCursor, PresenceQueryService } from '../heartbeat/presence-query.service.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { AnomalyRepository } from '../anomalies/anomaly.repository.js';
import { backtest } from '../anomalies/backtest.js';
import { seriesModels, type StoredModels } from '../anomalies/model-states.js';
import {
  customSeriesKey,
  type PipelineState,
  pipelineConfig,
  PULSE_SERIES_RESOLUTION,
  type SeriesKey,
} from '../anomalies/window-pipeline.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type {
  AnalyticsQuery,
  AnalyticsRangeQuery,
  AnomaliesQuery,
  BacktestBody,
  PresenceQuery,
} from './dto/metrics-queries.dto.js';
import { InvalidInputError } from '../common/errors/domain-error.js';
import type { RealtimeView } from './realtime-view.js';
import { type RealtimeRead, RealtimeReader, SHARED_VIEW_MS } from './realtime.reader.js';
import { EXPOSED_SUBJECTS, tenantExposition } from './prometheus-exposition.js';
import { UsageService } from '../usage/usage.service.js';

/** Presence bodies kept at most (one per tenant, tier and query read within SHARED_VIEW_MS). */
const MAX_SHARED_PRESENCE = 10_000;

@Injectable()
export class MetricsService {
  /** Dashboard tabs and pollers of one tenant asking for the same page share one read for a moment. */
  private readonly sharedPresence = new SharedReads<Record<string, unknown>>(SHARED_VIEW_MS, MAX_SHARED_PRESENCE);

  constructor(
    private readonly realtimeReader: RealtimeReader,
    private readonly health: PulseHealthService,
    private readonly presenceQuery: PresenceQueryService,
    private readonly analyticsService: AnalyticsService,
    private readonly anomalyRepository: AnomalyRepository,
    private readonly directory: TenantDirectory,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly natsEvents: NatsEventsService,
    private readonly usage: UsageService,
    private readonly customMetrics: CustomMetricRepository,
    /** JetStreamModule's reader; absent where that module is not imported (no JetStream series then). */
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstream?: JetStreamReader,
  ) {}

  /**
   * The tenant's realtime view; `now` reads as of that instant instead of sharing a recent read;
   * with `recent`, the rates of the last minutes too (a live chart's start).
   */
  async realtime(tenant: TenantPrincipal, now?: number, recent = false): Promise<RealtimeView> {
    const read = await this.realtimeRead(tenant, now);
    return recent ? { ...read.view, recent: read.recent } : read.view;
  }

  /**
   * `GET /metrics/prometheus`: the same read as realtime, in the Prometheus text format; with the
   * `jetstream` feature, the tenant's last JetStream poll beside it; its usage (every tier).
   */
  async prometheus(tenant: TenantPrincipal): Promise<string> {
    const jetstream =
      this.jetstream && entitled(tenant.tier, 'jetstream') ? this.jetstream.current(tenant.tenantId) : null;
    const [read, js, usage] = await Promise.all([
      // The busiest EXPOSED_SUBJECTS, as the series' HELP says (the realtime view has TOP_SUBJECTS).
      this.realtimeRead(tenant, undefined, EXPOSED_SUBJECTS),
      jetstream,
      this.usage.exposition(tenant.tenantId),
    ]);
    return tenantExposition(read, js, usage);
  }

  private realtimeRead(tenant: TenantPrincipal, now?: number, topSubjects?: number): Promise<RealtimeRead> {
    const openAnomalies = entitled(tenant.tier, 'anomalies')
      ? () => this.anomalyRepository.openCount(tenant.tenantId)
      : undefined;
    return this.realtimeReader.read(tenant.tenantId, tenant.tier, { now, openAnomalies, topSubjects });
  }

  /**
   * Basic: the summary. Professional and enterprise: also the client list, filtered by status
   * and online, in client-id order with an opaque cursor.
   */
  presence(tenant: TenantPrincipal, query: PresenceQuery, asked: Set<string>): Promise<Record<string, unknown>> {
    const listed = entitled(tenant.tier, 'clientList');
    if (!listed) {
      const listParams = ['status', 'online', 'limit', 'cursor', 'search', 'sort'].filter((p) => asked.has(p));
      if (listParams.length > 0) {
        throw new TierRequiredException(
          lowestTier('clientList'),
          tenant.tier,
          `The client list (${listParams.join(', ')})`,
        );
      }
    }
    let after: string | number | null = null;
    if (listed && query.cursor !== undefined) {
      after = query.sort === 'lastSeen' ? decodeOffsetCursor(query.cursor) : decodeCursor(query.cursor);
      if (after === null)
        throw new MetricsError(
          'VALIDATION_FAILED',
          `cursor is not a cursor returned by this API for sort=${query.sort}`,
        );
    }
    const key = listed
      ? [tenant.tenantId, tenant.tier, query.status, query.online, query.limit, after, query.search, query.sort].join(
          '\u0000',
        )
      : `${tenant.tenantId}\u0000${tenant.tier}`;
    return this.sharedPresence.get(key, Date.now(), async () => {
      const [summary, connections, page] = await Promise.all([
        this.presenceQuery.summary(tenant.tenantId),
        this.presenceQuery.connectionSummary(tenant.tenantId),
        listed
          ? this.presenceQuery.clients(
              tenant.tenantId,
              { status: query.status, online: query.online },
              query.limit,
              after,
              query.search,
              query.sort,
            )
          : null,
      ]);
      const body: Record<string, unknown> = {
        tenantId: tenant.tenantId,
        tier: tenant.tier,
        generatedAt: new Date().toISOString(),
        summary,
        connections,
      };
      return page ? { ...body, clients: page.clients, nextCursor: page.nextCursor } : body;
    });
  }

  /** The 403 / 400 `analytics` would answer, before anything is read. */
  checkAnalytics(tenant: TenantPrincipal, query: AnalyticsQuery): void {
    this.analyticsService.checkSeries(tenant, query.period, query.resolution);
  }

  analytics(tenant: TenantPrincipal, query: AnalyticsQuery) {
    return this.analyticsService.analytics(tenant, query.period, query.resolution);
  }

  /** A period back from now, or the range `from`–`to` (`to` alone: 400 naming from). */
  analyticsRange(tenant: TenantPrincipal, query: AnalyticsRangeQuery) {
    if (query.from === undefined) {
      if (query.to !== undefined) throw new InvalidInputError('from is required with to');
      return this.analytics(tenant, query);
    }
    return this.analyticsService.analyticsBetween(tenant, query.from, query.to, query.resolution);
  }

  /**
   * Anomalies detected in the last `hours`, newest first, optionally by type and status; and what
   * each series' model says now (warming up until when, or the next window's normal range).
   */
  async anomalies(tenant: TenantPrincipal, query: AnomaliesQuery, now = Date.now()) {
    const since = now - query.hours * 3_600_000;
    const [all, models] = await Promise.all([
      this.anomalyRepository.list(tenant.tenantId, since),
      this.models(tenant.tenantId, now),
    ]);
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      hours: query.hours,
      from: new Date(since).toISOString(),
      to: new Date(now).toISOString(),
      windowSeconds: this.options.anomalyWindowMs / 1000,
      models,
      anomalies: all.filter(
        (a) => (!query.type || a.type === query.type) && (!query.status || a.status === query.status),
      ),
    };
  }

  /**
   * The tenant's series models as its stored detection state has them (read only): the built-in
   * series and its custom metrics (at most CUSTOM_METRICS_PER_TENANT), configured as the job does.
   */
  private async models(tenantId: string, now: number) {
    const [stored, definitions] = await Promise.all([
      this.anomalyRepository.loadDetection<{ pipeline?: PipelineState }>(tenantId),
      this.customMetrics.list(tenantId),
    ]);
    const custom = definitions.map((d) => ({ key: customSeriesKey(d.id), name: d.name }));
    const resolution: Partial<Record<SeriesKey, number>> = { ...PULSE_SERIES_RESOLUTION };
    for (const d of definitions) if (d.aggregation === 'count') resolution[customSeriesKey(d.id)] = 1;
    const sensitivity = this.directory.get(tenantId)?.anomalySensitivity ?? 'medium';
    const config = pipelineConfig(
      this.options.anomalyWindowMs,
      sensitivity,
      this.options.anomalyDetectors,
      'all',
      resolution,
    );
    const state: StoredModels | null = stored ? { window: stored.window, pipeline: stored.state.pipeline } : null;
    return seriesModels(state, now, config, custom);
  }

  /**
   * What the detection pipeline would have opened over the tenant's stored hourly history (the
   * same `closeWindow` the scheduled job runs, at one-hour windows). Nothing is stored or sent.
   */
  async backtest(tenant: TenantPrincipal, body: BacktestBody, now = Date.now()) {
    const sensitivity = body.sensitivity ?? this.directory.get(tenant.tenantId)?.anomalySensitivity ?? 'medium';
    const hours = body.period === '30d' ? 720 : 168;
    const stored = await this.analyticsService.hourlyFigures(tenant.tenantId, hours, now);
    const result = backtest(
      stored.map(({ start, figures }) => ({
        at: start * 1000,
        messages: figures.messages,
        bytes: figures.bytes,
        activeClients: figures.activeClients,
        latency: figures.histogram,
      })),
      sensitivity,
      this.options.anomalyDetectors,
    );
    return {
      tenantId: tenant.tenantId,
      period: body.period,
      sensitivity,
      windowSeconds: 3600,
      from: new Date(stored[0].start * 1000).toISOString(),
      to: new Date((stored[stored.length - 1].start + 3600) * 1000).toISOString(),
      windows: result.windows,
      anomalies: result.anomalies,
    };
  }

  async healthCheck(tenant: TenantPrincipal) {
    const natsSystem = this.natsEvents.status();
    const [pulse, presence, rejected] = await Promise.all([
      this.health.status(),
      this.presenceQuery.summary(tenant.tenantId),
      this.presenceQuery.rejections(tenant.tenantId),
    ]);
    const healthy =
      pulse.nats.state === 'connected' &&
      pulse.redis.state === 'ready' &&
      !pulse.redis.error &&
      pulse.coldStore.state !== 'degraded';
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      generatedAt: new Date().toISOString(),
      status: healthy ? 'ok' : 'degraded',
      clients: {
        healthy: presence.healthy,
        degraded: presence.degraded,
        unhealthy: presence.unhealthy,
        offline: presence.offline,
        total: presence.total,
      },
      heartbeats: { rejected },
      pulse: {
        nats: {
          state: pulse.nats.state,
          reconnects: pulse.nats.reconnects,
          slowConsumerEvents: pulse.nats.slowConsumerEvents,
        },
        redis: {
          state: pulse.redis.state,
          pingMs: pulse.redis.pingMs,
          dataLossDetectedAt: pulse.redis.dataLossDetectedAt,
        },
        coldStore: { state: pulse.coldStore.state, since: pulse.coldStore.since },
        natsSystem: { state: natsSystem.state, detail: natsSystem.detail ?? null },
        pipeline: {
          flushIntervalMs: this.options.flushIntervalMs,
          lastFlushAt: pulse.flush.lastFlushAt,
          backlogMessages: pulse.flush.backlogMessages,
          rejectedMessages: pulse.tap.rejected,
        },
      },
    };
  }
}
