import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { ListTenantsQuery } from '../tenants/dto/list-tenants.query.js';
import { AdminOverviewService } from './admin-overview.service.js';

/** The operator console's data (admin key): `GET /api/v1/admin/overview`. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/overview')
export class AdminOverviewController {
  constructor(private readonly overview: AdminOverviewService) {}

  @ApiRoute({
    summary:
      "Pulse's health across instances, a page of tenants with live figures, the busiest tenants, incidents, JetStream",
    description:
      'Tenants in id order (pass nextCursor as cursor); each with messages/s, today, clients online, open anomalies and its last message. topTenants: today by messages, every tenant (shared for 10 s). jetstream: the poller status (off, ok, error; last poll; streams of no tenant) and the 20 tenants whose worst consumer lags most (shared for 10 s).',
    access: 'admin',
    ok: { description: 'The overview', schema: 'AdminOverview' },
    errors: [400],
  })
  @Get()
  read(@Query() query: ListTenantsQuery) {
    return this.overview.overview(query.limit, query.cursor);
  }
}
