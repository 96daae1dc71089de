import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { InvalidInputError } from '../common/errors/domain-error.js';
import { AdminRoute, TieredRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import type { TenantPrincipal } from '../common/principal.js';
import { TenantRepository } from '../tenants/tenant.repository.js';
import { asTenantSees } from './audit.js';
import { type AuditQuery, AuditRepository } from './audit.repository.js';
import { AdminAuditQueryDto, AuditQueryDto } from './dto/audit.query.js';

function toQuery(q: AuditQueryDto): AuditQuery {
  const fromMs = q.from !== undefined ? Date.parse(q.from) : undefined;
  const toMs = q.to !== undefined ? Date.parse(q.to) : undefined;
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs)
    throw new InvalidInputError('from must not be after to');
  return { action: q.action, fromMs, toMs, limit: q.limit, cursor: q.cursor };
}

@ApiTags('audit')
@RequiresFeature('auditLog')
@Controller('audit')
export class TenantAuditController {
  constructor(private readonly audit: AuditRepository) {}

  @TieredRoute({
    summary: "The tenant's own audit trail, newest first",
    description:
      'Writes through the API with their actor, request id and outcome; at most 5,000 entries are looked at per page (a filter that matches rarely answers with fewer entries and a cursor).',
    ok: { description: 'A page of entries', schema: 'AuditPage' },
    errors: [400],
  })
  @Get()
  async page(@CurrentTenant() tenant: TenantPrincipal, @Query() q: AuditQueryDto) {
    const page = await this.audit.tenantPage(tenant.tenantId, toQuery(q));
    return { ...page, entries: page.entries.map(asTenantSees) };
  }
}

@ApiTags('admin')
@AdminOnly()
@Controller('admin/audit')
export class AdminAuditController {
  constructor(
    private readonly audit: AuditRepository,
    private readonly tenants: TenantRepository,
  ) {}

  @AdminRoute({
    summary: 'The audit trail of every tenant and of the admin, newest first',
    description:
      "With tenantId: that tenant's entries (after its erasure: the facts only, its targets, key ids and addresses are gone). At most 5,000 entries are looked at per page.",
    ok: { description: 'A page of entries', schema: 'AuditPage' },
    errors: [400],
  })
  @Get()
  async page(@Query() q: AdminAuditQueryDto) {
    const query = toQuery(q);
    if (q.tenantId !== undefined && (await this.tenants.find(q.tenantId)))
      return this.audit.tenantPage(q.tenantId, query);
    return this.audit.globalPage({ ...query, tenantId: q.tenantId });
  }
}
