import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Audited } from '../common/decorators/audited.decorator.js';
import { ApiTags } from '@nestjs/swagger';
import { TieredRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import type { TenantPrincipal } from '../common/principal.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { CustomMetricsService } from './custom-metrics.service.js';
import { CreateCustomMetricDto, UpdateCustomMetricDto } from './dto/custom-metric.dto.js';
import { AnalyticsQuery } from './dto/metrics-queries.dto.js';

/** Definitions of metrics over the tenant's own traffic (enterprise). */
@ApiTags('metrics')
@RequiresFeature('customMetrics')
@Controller('metrics/custom')
export class CustomMetricsController {
  constructor(
    private readonly custom: CustomMetricsService,
    private readonly analytics: AnalyticsService,
  ) {}

  @TieredRoute({
    summary: 'Define a metric over the tenant’s own messages (a count, or a JSON field or header value)',
    description: 'Values are aggregated exactly per minute and day on every instance; realtime shows them.',
    ok: { status: 201, description: 'The definition', schema: 'CustomMetric' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'custom_metric.create', target: 'custom_metric', id: 'answer:id' })
  @Post()
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateCustomMetricDto) {
    return this.custom.create(tenant.tenantId, dto);
  }

  @TieredRoute({
    summary: 'The tenant’s custom metrics',
    ok: { description: 'Definitions', schema: 'CustomMetricList' },
  })
  @Get()
  async list(@CurrentTenant() tenant: TenantPrincipal) {
    return { metrics: await this.custom.list(tenant.tenantId) };
  }

  @TieredRoute({
    summary: 'One custom metric',
    ok: { description: 'The definition', schema: 'CustomMetric' },
    errors: [400, 404],
  })
  @Get(':id')
  get(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.custom.get(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'The metric per bucket over a period, zero-filled, with the total',
    description:
      "period up to the tenant's retention, as analytics: beyond it, 403 TIER_REQUIRED naming the tier whose retention covers it, or 403 RETENTION_EXCEEDED when none does (enterprise keeps 30 days by default: 90d and 365d need a retention override on the tenant).",
    ok: { description: 'The series', schema: 'CustomMetricSeries' },
    errors: [400, 404],
  })
  @Get(':id/series')
  series(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: AnalyticsQuery,
  ) {
    // The analytics' own check: a period beyond the tenant's history is refused, never zero-filled.
    this.analytics.checkPeriod(tenant, query.period);
    return this.custom.series(tenant.tenantId, id, query.period, query.resolution);
  }

  @TieredRoute({
    summary: 'Rename a custom metric or change its unit',
    description:
      'name and unit can change. subject, source, field, header and aggregation define what the metric measures and cannot: a different value is a 400 naming the field (the same value is accepted). Create a new metric for a new definition: its series starts empty, and the old one stays readable until deleted.',
    ok: { description: 'The definition', schema: 'CustomMetric' },
    errors: [400, 404, 413],
  })
  @Audited({ action: 'custom_metric.update', target: 'custom_metric' })
  @Patch(':id')
  update(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateCustomMetricDto,
  ) {
    return this.custom.update(tenant.tenantId, id, dto);
  }

  @TieredRoute({
    summary: 'Delete a custom metric and its stored figures',
    ok: { status: 204, description: 'Deleted' },
    errors: [400, 404],
  })
  @Audited({ action: 'custom_metric.delete', target: 'custom_metric' })
  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.custom.remove(tenant.tenantId, id);
  }
}
