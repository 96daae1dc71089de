import { Controller, Get, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresTier } from '../common/decorators/requires-tier.decorator.js';
import type { TenantPrincipal } from '../common/guards/principal.js';
import { AnalyticsQuery, AnomaliesQuery, NoQuery, PresenceQuery } from './dto/metrics-queries.dto.js';
import { MetricsService } from './metrics.service.js';

/** Tenant metrics. Every route reads the tenant of the API key, and only that tenant. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('realtime')
  realtime(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return this.metrics.realtime(tenant);
  }

  @Get('presence')
  presence(
    @CurrentTenant() tenant: TenantPrincipal,
    @Query() query: PresenceQuery,
    @Req() request: Request,
  ) {
    return this.metrics.presence(tenant, query, new Set(Object.keys(request.query)));
  }

  @Get('analytics')
  @RequiresTier('professional')
  analytics(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnalyticsQuery) {
    return this.metrics.analytics(tenant, query);
  }

  @Get('anomalies')
  @RequiresTier('enterprise')
  anomalies(@CurrentTenant() tenant: TenantPrincipal, @Query() query: AnomaliesQuery) {
    return this.metrics.anomalies(tenant, query.hours);
  }

  @Get('health-check')
  healthCheck(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return this.metrics.healthCheck(tenant);
  }
}
