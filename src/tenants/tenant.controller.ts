import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { entitlementsOf } from '../common/entitlements.js';
import type { TenantPrincipal } from '../common/principal.js';
import { NoQuery } from '../common/no-query.dto.js';
import { TenantDirectory } from './tenant-directory.js';

/** The tenant of the key: its tier and what that tier unlocks (the dashboard locks panels from it). */
@ApiTags('tenant')
@Controller('tenant')
export class TenantController {
  constructor(private readonly directory: TenantDirectory) {}

  @ApiRoute({
    summary: "The key's tenant: its tier, the days of history it keeps, and every feature with the tier it needs",
    description:
      'features lists every tier-gated feature (the entitlements table) with the lowest tier that has it and whether this tenant has it; a route of a feature the tenant lacks answers 403 naming that tier.',
    access: 'tenant',
    ok: { description: 'The tenant and its entitlements', schema: 'TenantEntitlements' },
    errors: [400],
  })
  @Get()
  get(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      historyDays: this.directory.retentionOf(tenant.tenantId).days,
      features: entitlementsOf(tenant.tier),
    };
  }
}
