import {
  Body,
  Controller,
  Get,
  HttpCode,
  type MessageEvent,
  Post,
  Query,
  Req,
  Sse,
  StreamableFile,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { Readable } from 'node:stream';
import { exportLines } from '../analytics/series-export.js';
import type { Request } from 'express';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresTier } from '../common/decorators/requires-tier.decorator.js';
import { bearerToken, type TenantPrincipal } from '../common/principal.js';
import {
  AnalyticsQuery,
  AnomaliesQuery,
  BacktestBody,
  ExportQuery,
  NoQuery,
  PresenceQuery,
} from './dto/metrics-queries.dto.js';
import { MetricsService } from './metrics.service.js';
import { LiveStreams } from './live-streams.js';

/** Tenant metrics. Every route reads the tenant of the API key, and only that tenant. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly streams: LiveStreams,
  ) {}

  @Get('realtime')
  realtime(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return this.metrics.realtime(tenant);
  }

  /**
   * Server-sent events: the tier-shaped realtime body every second (the dashboard's live feed;
   * usable by any SSE client). The credential is re-checked while the stream is open: a revoked
   * key or a disabled tenant ends it with a `closed` event; a tier change reshapes the body. At
   * most 5 open streams per key (429 beyond). A failed read skips one beat.
   */
  @Sse('stream')
  stream(@CurrentTenant() tenant: TenantPrincipal, @Req() request: Request): Observable<MessageEvent> {
    return this.streams.stream(tenant, bearerToken(request.headers.authorization) ?? '', (principal) =>
      this.metrics.realtime(principal),
    );
  }

  @Get('presence')
  presence(@CurrentTenant() tenant: TenantPrincipal, @Query() query: PresenceQuery, @Req() request: Request) {
    return this.metrics.presence(tenant, query, new Set(Object.keys(request.query)));
  }

  @Get('analytics')
  @RequiresTier('professional')
  analytics(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnalyticsQuery) {
    return this.metrics.analytics(tenant, query);
  }

  /** The analytics series for BI tools, streamed as CSV or NDJSON. */
  @Get('export')
  @RequiresTier('professional')
  async export(@CurrentTenant() tenant: TenantPrincipal, @Query() query: ExportQuery): Promise<StreamableFile> {
    const view = await this.metrics.analytics(tenant, query);
    const csv = query.format === 'csv';
    return new StreamableFile(Readable.from(exportLines(view.series, query.format)), {
      type: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      disposition: `attachment; filename="pulse-${tenant.tenantId}-${view.period}-${view.resolution}.${query.format}"`,
    });
  }

  @Get('anomalies')
  @RequiresTier('enterprise')
  anomalies(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnomaliesQuery) {
    return this.metrics.anomalies(tenant, query);
  }

  /**
   * Runs the anomaly-detection pipeline over the stored history (hourly windows) and returns what
   * would have opened; nothing is stored or notified.
   */
  @Post('anomalies/backtest')
  @HttpCode(200)
  @RequiresTier('enterprise')
  backtest(@CurrentTenant() tenant: TenantPrincipal, @Body() body: BacktestBody) {
    return this.metrics.backtest(tenant, body);
  }

  @Get('health-check')
  healthCheck(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return this.metrics.healthCheck(tenant);
  }
}
