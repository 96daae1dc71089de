import { ApiTags } from '@nestjs/swagger';
import { AdminRoute } from '../common/decorators/api-route.decorator.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { CreateTenantDto, UpdateTenantDto } from './dto/tenant.dto.js';
import { ListTenantsQuery } from './dto/list-tenants.query.js';
import { type ErasureReceipt, TenantsService } from './tenants.service.js';
import type { Tenant } from './tenant.js';
import { Audited } from '../common/decorators/audited.decorator.js';
import { AdminViews, VIEW_TENANT_HEADER } from './admin-views.js';
import { TenantsError } from './tenants.errors.js';

@ApiTags('admin')
@AdminOnly()
@Controller('admin/tenants')
export class TenantsAdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly views: AdminViews,
  ) {}

  /** Creates a tenant and its first API key; the key is in this response only. */
  @AdminRoute({
    summary: 'Create a tenant and its first API key',
    description: 'The key is in this answer only.',
    ok: { status: 201, description: 'The tenant with its first key', schema: 'TenantCreated' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'tenant.create', target: 'tenant', id: 'answer:id' })
  @Post()
  async create(@Body() dto: CreateTenantDto) {
    return publicTenant(await this.tenants.create(dto));
  }

  @AdminRoute({
    summary: 'List tenants in id order',
    description: 'Pass nextCursor as cursor for the next page.',
    ok: { description: 'A page of tenants', schema: 'TenantPage' },
    errors: [400],
  })
  @Get()
  async list(@Query() query: ListTenantsQuery) {
    const page = await this.tenants.list(query.limit, query.cursor);
    return { ...page, tenants: page.tenants.map(publicTenant) };
  }

  @AdminRoute({
    summary: 'One tenant with its key ids',
    ok: { description: 'The tenant', schema: 'TenantWithKeys' },
    errors: [400, 404],
  })
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: string) {
    return { ...publicTenant(await this.tenants.get(id)), apiKeys: await this.tenants.listKeys(id) };
  }

  @AdminRoute({
    summary: 'Change a tenant',
    ok: { description: 'The tenant', schema: 'Tenant' },
    errors: [400, 404, 409, 413],
  })
  @Audited({ action: 'tenant.update', target: 'tenant' })
  @Patch(':id')
  async update(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateTenantDto) {
    return publicTenant(await this.tenants.update(id, dto));
  }

  @AdminRoute({
    summary: 'Erase a tenant: all its data and keys, in Redis and the cold store, with a receipt',
    description:
      'Removes the tenant record (from then on no writer can bring a key back), every key of the tenant and its cold items, then checks what is left; the receipt counts what was removed and what remains. An id already erased gets what is left removed and a receipt; 404 only when nothing of it is left. The audit trail keeps the fact of the erasure.',
    ok: { description: 'Erased: the receipt', schema: 'ErasureReceipt' },
    errors: [400, 404, 503],
  })
  @Audited({
    action: 'tenant.erase',
    target: 'tenant',
    details: (r) => {
      const receipt = r as ErasureReceipt;
      return {
        redisKeys: receipt.removed.redisKeys,
        coldItems: receipt.removed.coldItems,
        remaining: receipt.remaining,
      };
    },
  })
  @Delete(':id')
  remove(@Param('id', ParseIdPipe) id: string): Promise<ErasureReceipt> {
    return this.tenants.delete(id);
  }

  @AdminRoute({
    summary: "Open the tenant's dashboard read-only (audited)",
    description: `Writes an audit entry (tenant.view) and opens the operator's read-only view of the tenant for an hour (expiresAt): the admin key with the header \`${VIEW_TENANT_HEADER}: <id>\` then reads the tenant's routes (GET only; any other method is 403 READ_ONLY_VIEW). Without an opened view the header grants nothing.`,
    ok: { status: 201, description: 'The view, open until expiresAt', schema: 'AdminView' },
    errors: [400, 404],
  })
  @Audited({ action: 'tenant.view', target: 'tenant' })
  @Post(':id/view')
  async view(@Param('id', ParseIdPipe) id: string) {
    const view = await this.views.open(id);
    if (!view) throw new TenantsError('TENANT_NOT_FOUND', `No active tenant ${id}`);
    return { ...view, header: VIEW_TENANT_HEADER };
  }

  @AdminRoute({
    summary: 'Issue another API key',
    description: 'The key is in this answer only.',
    ok: { status: 201, description: 'The new key', schema: 'ApiKeyIssued' },
    errors: [400, 404],
  })
  @Audited({ action: 'apikey.issue', target: 'apikey', id: 'answer:keyId' })
  @Post(':id/api-keys')
  issueKey(@Param('id', ParseIdPipe) id: string) {
    return this.tenants.issueKey(id);
  }

  @AdminRoute({
    summary: 'Key ids and creation times',
    ok: { description: 'Keys (never their values)', schema: 'ApiKeyList' },
    errors: [400, 404],
  })
  @Get(':id/api-keys')
  async listKeys(@Param('id', ParseIdPipe) id: string) {
    return { apiKeys: await this.tenants.listKeys(id) };
  }

  @AdminRoute({
    summary: 'Revoke a key (at once, on every instance)',
    ok: { status: 204, description: 'Revoked' },
    errors: [400, 404],
  })
  @Audited({ action: 'apikey.revoke', target: 'apikey', id: 'keyId' })
  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('id', ParseIdPipe) id: string, @Param('keyId', ParseIdPipe) keyId: string): Promise<void> {
    await this.tenants.revokeKey(id, keyId);
  }
}

/** A tenant as the API shows it: without what is kept for Pulse's own use (Tenant.natsAccountSince). */
function publicTenant<T extends Tenant>(tenant: T): Omit<T, 'natsAccountSince'> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { natsAccountSince, ...shown } = tenant;
  return shown;
}
