import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { AdminRoute, ApiRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import type { TenantPrincipal } from '../common/principal.js';
import { AdminUsageQuery, UsageQuery } from './dto/usage.query.js';
import { GAUGE_HORIZON_HOURS } from './limit-forecast.js';
import { MAX_RANKED, UsageService } from './usage.service.js';

/** The tenant's usage and limits: `GET /api/v1/metrics/usage` (every tier). */
@ApiTags('metrics')
@Controller('metrics/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @ApiRoute({
    summary: "The tenant's usage (published, server ingress and egress, fan-out) and its limits' utilisation",
    description: `Today (UTC) and this month from the history: Pulse's own publish count beside what the NATS server counted in and out (system account on), connection-minutes, JetStream byte-hours, refusals. Every limit (connections, subscriptions, payload, data, JetStream memory, storage, streams, consumers, monthly messages): its value (the account's claims, else the tenant's own), use now, peak today, utilisation, level against LIMIT_WARNING_PERCENT / LIMIT_CRITICAL_PERCENT, and when it is forecast to be reached (gauges within ${GAUGE_HORIZON_HOURS} h, monthly limits by the month's end). history: per hour (24h) or per day (7d, 30d) up to the tenant's retention (403 beyond it, naming the tier that keeps it).`,
    access: 'tenant',
    ok: { description: 'The usage', schema: 'Usage' },
    errors: [400, 403],
  })
  @Get()
  read(@CurrentTenant() tenant: TenantPrincipal, @Query() query: UsageQuery) {
    return this.usage.usage(tenant, query.period);
  }
}

/** The tenants closest to a limit: `GET /api/v1/admin/usage` (the operator console). */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/usage')
export class UsageAdminController {
  constructor(private readonly usage: UsageService) {}

  @AdminRoute({
    summary: 'Tenants ranked by their highest limit utilisation',
    description: `Each tenant with a measured use of a limit that has a value, by its highest utilisation (then tenant id), at most limit (≤ ${MAX_RANKED}): the limit, use, value, utilisation, level and the median forecast's date of reaching it. Read afresh at most every 10 s.`,
    ok: { description: 'The ranking', schema: 'AdminUsage' },
    errors: [400],
  })
  @Get()
  ranking(@Query() query: AdminUsageQuery) {
    return this.usage.ranking(query.limit);
  }
}
