import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { CreateTenantDto, UpdateTenantDto } from './dto/tenant.dto.js';
import { ListTenantsQuery } from './dto/list-tenants.query.js';
import { TenantsService } from './tenants.service.js';

@AdminOnly()
@Controller('admin/tenants')
export class TenantsAdminController {
  constructor(private readonly tenants: TenantsService) {}

  /** Creates a tenant and its first API key; the key is in this response only. */
  @Post()
  create(@Body() dto: CreateTenantDto) {
    return this.tenants.create(dto);
  }

  @Get()
  list(@Query() query: ListTenantsQuery) {
    return this.tenants.list(query.limit, query.cursor);
  }

  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: string) {
    return { ...(await this.tenants.get(id)), apiKeys: await this.tenants.listKeys(id) };
  }

  @Patch(':id')
  update(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.tenants.delete(id);
  }

  @Post(':id/api-keys')
  issueKey(@Param('id', ParseIdPipe) id: string) {
    return this.tenants.issueKey(id);
  }

  @Get(':id/api-keys')
  async listKeys(@Param('id', ParseIdPipe) id: string) {
    return { apiKeys: await this.tenants.listKeys(id) };
  }

  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  async revokeKey(@Param('id', ParseIdPipe) id: string, @Param('keyId', ParseIdPipe) keyId: string): Promise<void> {
    await this.tenants.revokeKey(id, keyId);
  }
}
