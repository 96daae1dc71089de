import { Audited } from '../common/decorators/audited.decorator.js';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  type MessageEvent,
  Post,
  Query,
  Req,
  Sse,
  StreamableFile,
} from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { Readable } from 'node:stream';
import { type ExportColumns, exportLines, exportParquet } from '../analytics/series-export.js';
import type { Request } from 'express';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { bearerToken, type TenantPrincipal } from '../common/principal.js';
import {
  AnalyticsRangeQuery,
  RealtimeQuery,
  AnomaliesQuery,
  BacktestBody,
  ExportQuery,
  NoQuery,
  PresenceQuery,
  ConnectionsQuery,
} from './dto/metrics-queries.dto.js';
import { entitled } from '../common/entitlements.js';
import { CustomMetricsService } from './custom-metrics.service.js';
import { MetricsService } from './metrics.service.js';
import { EXPORTS_PER_TENANT, ExportSlots } from './export-slots.js';
import { LiveStreams } from './live-streams.js';
import { EXPOSED_CUSTOM_METRICS, EXPOSED_SUBJECTS, MAX_SERIES } from './prometheus-exposition.js';
import { EXPOSED_JETSTREAM_CONSUMERS, EXPOSED_JETSTREAM_STREAMS } from './jetstream-exposition.js';
import { COARSE_LATENCY_BUCKETS } from '../common/latency-histogram.js';
import { PresenceQueryService } from '../heartbeat/presence-query.service.js';
import { AnomalyStoryService } from '../anomalies/anomaly-story.service.js';
import { ParseAnomalyIdPipe } from '../common/pipes/parse-anomaly-id.pipe.js';
import { MetricsError } from './metrics.errors.js';

/** Tenant metrics. Every route reads the tenant of the API key, and only that tenant. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly streams: LiveStreams,
    private readonly exportSlots: ExportSlots,
    private readonly customMetrics: CustomMetricsService,
    private readonly presenceQuery: PresenceQueryService,
    private readonly stories: AnomalyStoryService,
  ) {}

  @ApiRoute({
    summary: 'Live counters of the tenant, shaped by tier',
    description:
      'basic: messages, bytes, clients; professional adds throughput, latencyMs, subjects (and sampling when figures are sampled); enterprise adds errorRate and anomalies.',
    access: 'tenant',
    ok: { description: 'The realtime view (by tier)', schema: 'Realtime' },
    errors: [400],
  })
  @Get('realtime')
  realtime(@CurrentTenant() tenant: TenantPrincipal, @Query() query: RealtimeQuery) {
    return this.metrics.realtime(tenant, undefined, query.recent === true);
  }

  @ApiRoute({
    summary: "The tenant's own figures in the Prometheus text format (scrape with the key as bearer token)",
    description: `Fields by tier as in realtime: all-time messages and bytes as counters, clients by status, the usage (the NATS server's all-time messages and bytes in and out, with a system account; each limit that has a value and its utilisation); professional adds the all-time latency histogram (seconds, ${COARSE_LATENCY_BUCKETS} buckets, one a doubling: le = (2^k − 1) ms, +Inf), the latency percentiles of the last 5 minutes and the busiest ${EXPOSED_SUBJECTS} subjects today as labels, and the tenant's JetStream at the last poll (the fullest ${EXPOSED_JETSTREAM_STREAMS} streams, the worst ${EXPOSED_JETSTREAM_CONSUMERS} consumers, the rest counted); enterprise adds the error ratio, open anomalies and custom metrics (at most ${EXPOSED_CUSTOM_METRICS}). At most ${MAX_SERIES} series.`,
    access: 'tenant',
    ok: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
    errors: [400],
  })
  @Get('prometheus')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  prometheus(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery): Promise<string> {
    return this.metrics.prometheus(tenant);
  }

  /**
   * Server-sent events: the tier-shaped realtime body every second (the dashboard's live feed;
   * usable by any SSE client). The credential is re-checked while the stream is open: a revoked
   * key or a disabled tenant ends it with a `closed` event; a tier change reshapes the body. At
   * most 5 open streams per key (429 beyond). A failed read skips one beat.
   */
  @ApiRoute({
    summary: 'Server-sent events: the realtime view every second',
    description:
      "Events `realtime` (data: the Realtime body of the key's tier) every second, and `closed` (data: { reason }) when the key is revoked or the tenant disabled. At most 5 open streams per key (429).",
    access: 'tenant',
    ok: {
      description: 'An event stream',
      content: { 'text/event-stream': { schema: { type: 'string', description: 'event: realtime\ndata: {…}' } } },
    },
  })
  @ApiProduces('text/event-stream')
  @Sse('stream')
  stream(@CurrentTenant() tenant: TenantPrincipal, @Req() request: Request): Observable<MessageEvent> {
    return this.streams.stream(tenant, bearerToken(request.headers.authorization) ?? '', (principal) =>
      this.metrics.realtime(principal),
    );
  }

  @ApiRoute({
    summary: 'Client presence: the summary, and for professional and up the client list',
    description:
      'basic gets the summary only, and 403 for any of status, online, limit, cursor, search or sort. The list is in client-id order (sort=lastSeen: most recently seen first); pass nextCursor as cursor for the next page. search filters the ids on the server (a substring, or a glob with `*`): a page looks at 20,000 ids at most, so a sparse match may answer fewer than limit clients with a nextCursor to continue.',
    access: 'tenant',
    ok: { description: 'Presence', schema: 'Presence' },
    errors: [400, 403],
  })
  @Get('presence')
  presence(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PresenceQuery, @Req() request: Request) {
    return this.metrics.presence(tenant, query, new Set(Object.keys(request.query)));
  }

  @ApiRoute({
    summary: "The tenant's NATS connections as the server reports them (system account on)",
    description:
      'Open connections (or the latest closed ones, with reason and counts), newest first, at most 1,000 (closed: also the latest 100 closes of unverified ones, kept apart); withoutSdk and connectedSilent in the summary. enabled false (and nothing listed) when Pulse has no system-account connection.',
    access: 'tenant',
    ok: { description: 'Connections', schema: 'Connections' },
    errors: [400, 403],
  })
  @Get('connections')
  @RequiresFeature('connections')
  async connections(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ConnectionsQuery) {
    const [summary, list] = await Promise.all([
      this.presenceQuery.connectionSummary(tenant.tenantId),
      this.presenceQuery.connectionList(tenant.tenantId, query.state),
    ]);
    return {
      tenantId: tenant.tenantId,
      generatedAt: new Date().toISOString(),
      enabled: summary !== null,
      summary,
      connections: list ?? [],
    };
  }

  @ApiRoute({
    summary: 'History: time series, totals, subjects; enterprise adds client behaviour and a forecast',
    description:
      'period up to the tier retention: professional 1h, 24h, 7d; enterprise also 30d. Or a range from–to (ISO 8601, to at most now) within the retention: its resolution by default the finest of at most 500 points (1m and 5m reach back 24 hours); period is then custom.',
    access: 'tenant',
    ok: { description: 'The analytics view', schema: 'Analytics' },
    errors: [400, 403],
  })
  @Get('analytics')
  @RequiresFeature('analytics')
  analytics(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnalyticsRangeQuery) {
    return this.metrics.analyticsRange(tenant, query);
  }

  @ApiRoute({
    summary: 'The analytics series as a file: CSV, NDJSON or Parquet',
    description:
      'Enterprise: a custom_<id> column per custom metric; those columns read at most 10,000 stored hashes (metrics × the minutes, hours or days of the period at the resolution: 24h at 1m or 5m is 1,440 a metric), without resolution the finest that fits is taken; a resolution asked beyond is a 400 naming resolution that says which coarser resolution fits. One export per tenant at a time on an instance: another meanwhile is a 429 with Retry-After.',
    access: 'tenant',
    ok: {
      description: 'The series, one row (CSV) or one JSON object (NDJSON) per bucket, as an attachment',
      content: {
        'text/csv': {
          schema: {
            type: 'string',
            description: 'Header row, then one row per bucket (enterprise: custom_<id> columns)',
          },
        },
        'application/x-ndjson': {
          schema: {
            type: 'string',
            description: 'One ExportRow JSON object per line (a SeriesPoint, and custom values)',
          },
        },
        'application/vnd.apache.parquet': {
          schema: {
            type: 'string',
            format: 'binary',
            description:
              'One Parquet file (snappy): timestamp (UTC ms timestamp), counts int64, latencies double, custom_<id> nullable doubles',
          },
        },
      },
      headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename=…' } },
    },
    errors: [400, 403, 429],
  })
  /**
   * The analytics series for BI tools, streamed as CSV or NDJSON. One export a tenant at a time
   * on an instance (429 beyond); the custom columns read at most MAX_EXPORT_CUSTOM_HASHES hashes.
   */
  @Audited({ action: 'metrics.export', target: 'metrics' })
  @Get('export')
  @RequiresFeature('exports')
  async export(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ExportQuery): Promise<StreamableFile> {
    const release = this.exportSlots.take(tenant.tenantId);
    if (!release) {
      throw new MetricsError(
        'RATE_LIMITED',
        `An export of this tenant is already running (at most ${EXPORTS_PER_TENANT} at a time): try again in 1 s`,
        { retryAfter: 1 },
      );
    }
    let view: Awaited<ReturnType<MetricsService['analytics']>>;
    let custom: ExportColumns | null;
    try {
      // The slot covers the reads; the file is built from what they returned. The period and
      // resolution (403, 400), then too many custom figures to read (400), are refused before
      // anything else is read.
      this.metrics.checkAnalytics(tenant, query);
      const { definitions, resolution } = entitled(tenant.tier, 'customMetrics')
        ? await this.customMetrics.exportDefinitions(tenant.tenantId, query.period, query.resolution)
        : { definitions: [], resolution: query.resolution };
      // Without a resolution asked, the finest whose custom figures fit the bound.
      view = await this.metrics.analytics(tenant, resolution === query.resolution ? query : { ...query, resolution });
      custom = await this.customMetrics.exportColumns(
        tenant.tenantId,
        definitions,
        view.period,
        view.resolution,
        view.series,
      );
    } finally {
      release();
    }
    const disposition = `attachment; filename="pulse-${tenant.tenantId}-${view.period}-${view.resolution}.${query.format}"`;
    if (query.format === 'parquet') {
      return new StreamableFile(Buffer.from(exportParquet(view.series, custom)), {
        type: 'application/vnd.apache.parquet',
        disposition,
      });
    }
    const csv = query.format === 'csv';
    return new StreamableFile(Readable.from(exportLines(view.series, query.format, custom)), {
      type: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      disposition,
    });
  }

  @ApiRoute({
    summary: 'Anomalies detected in the last hours, newest first, and the state of each series model',
    description:
      "Each anomaly's details say why it opened: detector, value, expected, lower, upper (the expected range) and score. models: each series the statistical model watches (messages, bytes, error_rate, active_clients, latency_p95, custom:<id>), warming_up (warmUntil: when it may report, if every window has data) or ready, with the expected value and normal range (lower, upper) of the next window the detection closes (windowAt).",
    access: 'tenant',
    ok: { description: 'Anomalies', schema: 'AnomalyList' },
    errors: [400, 403],
  })
  @Get('anomalies')
  @RequiresFeature('anomalies')
  anomalies(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnomaliesQuery) {
    return this.metrics.anomalies(tenant, query);
  }

  @ApiRoute({
    summary: "An anomaly's story: its series and expected band, the subjects and clients that changed, events",
    description:
      "The anomaly (detector, score, the range it was judged against) and what was going on around it: its series (the anomaly's metric, else messages) per detection window over up to 30 windows before and 10 after (at most 240 minutes), each window with the expected value and normal range the tenant's model gives that window now (null while the model is not warm; the anomaly's own window carries the range it opened against); the subjects whose rate on the anomaly's day moved most against their usual rate (the busiest 200 of that day and of up to 7 earlier days held); clients that went offline or were first seen in the span, flapped that day, or whose traffic moved most; NATS connections opened or closed in the span (system account on); JetStream advisories counted in its windows. Another tenant's anomaly is not found (404).",
    access: 'tenant',
    ok: { description: 'The story', schema: 'AnomalyStory' },
    errors: [400, 403, 404],
  })
  @Get('anomalies/:id/story')
  @RequiresFeature('anomalies')
  async anomalyStory(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseAnomalyIdPipe) id: string,
    @Query() _query: NoQuery,
  ) {
    const story = await this.stories.story(tenant.tenantId, id);
    if (!story) throw new MetricsError('ANOMALY_NOT_FOUND', `No anomaly ${id}`);
    return story;
  }

  @ApiRoute({
    summary: 'What the detection pipeline would have opened over the stored hourly history',
    description: 'Nothing is stored or notified.',
    access: 'tenant',
    ok: { description: 'The backtest', schema: 'Backtest' },
    errors: [400, 403, 413],
  })
  /**
   * Runs the anomaly-detection pipeline over the stored history (hourly windows) and returns what
   * would have opened; nothing is stored or notified.
   */
  @Audited({ action: 'anomaly.backtest', target: 'anomalies' })
  @Post('anomalies/backtest')
  @HttpCode(200)
  @RequiresFeature('anomalies')
  backtest(@CurrentTenant() tenant: TenantPrincipal, @Body() body: BacktestBody) {
    return this.metrics.backtest(tenant, body);
  }

  @ApiRoute({
    summary: "The tenant's view of Pulse: NATS, Redis, pipeline, its clients and rejected heartbeats",
    access: 'tenant',
    ok: { description: 'Health as the tenant sees it', schema: 'TenantHealth' },
    errors: [400],
  })
  @Get('health-check')
  healthCheck(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return this.metrics.healthCheck(tenant);
  }
}
