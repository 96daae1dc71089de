import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import type { TenantPrincipal } from '../common/principal.js';
import { NoQuery } from '../common/no-query.dto.js';
import { ClientParams, SubjectParams, SubjectsQuery } from './dto/pages.dto.js';
import { CLIENT_CLOSES_LISTED, PagesService, SUBJECT_DAYS, SUBJECTS_READ } from './pages.service.js';

/** The client and subject pages. Every route reads the tenant of the API key, and only that tenant. */
@ApiTags('metrics')
@Controller('metrics')
export class PagesController {
  constructor(private readonly pages: PagesService) {}

  @ApiRoute({
    summary: "One client's page: presence, status timeline, offline periods, connection, anomalies",
    description: `The client's presence and cumulative figures; its timeline (online, status changes, offline, its NATS connection opened and closed; the latest 200 within the tenant's history, newest first) and the offline periods in it; its connection as the server reports it (system account on) and its latest ${CLIENT_CLOSES_LISTED} closed connections with their reasons; enterprise: the anomalies naming it (null below). Another tenant's client, or none: 404.`,
    access: 'tenant',
    ok: { description: 'The client page', schema: 'ClientPage' },
    errors: [400, 403, 404],
  })
  @Get('clients/:clientId')
  @RequiresFeature('clientList')
  client(@CurrentTenant() tenant: TenantPrincipal, @Param() params: ClientParams, @Query() _q: NoQuery) {
    return this.pages.client(tenant, params.clientId);
  }

  @ApiRoute({
    summary: "Today's subjects (UTC), sorted, filtered and paged on the server",
    description: `From the day's ranking (its busiest ${SUBJECTS_READ} subjects). sort: messages, bytes or subject; filter: a plain substring, or a glob with \`*\` (no regular expressions); offset and limit page the rows; total counts the rows the filter keeps.`,
    access: 'tenant',
    ok: { description: 'A page of subjects', schema: 'SubjectPage' },
    errors: [400, 403],
  })
  @Get('subjects')
  @RequiresFeature('realtimeDetail')
  subjects(@CurrentTenant() tenant: TenantPrincipal, @Query() query: SubjectsQuery) {
    return this.pages.subjects(tenant, query);
  }

  @ApiRoute({
    summary: "One subject's page: messages per day and its share of the tenant's traffic",
    description: `Each UTC day of the tenant's history (at most ${SUBJECT_DAYS}): the subject's messages, bytes, average rate and share of the tenant's messages that day; enterprise: the anomalies naming it (null below). A subject with no message in the history kept (in no day's ranking): 404.`,
    access: 'tenant',
    ok: { description: 'The subject page', schema: 'SubjectDetail' },
    errors: [400, 403, 404],
  })
  @Get('subjects/:subject')
  @RequiresFeature('realtimeDetail')
  subject(@CurrentTenant() tenant: TenantPrincipal, @Param() params: SubjectParams, @Query() _q: NoQuery) {
    return this.pages.subject(tenant, params.subject);
  }
}
