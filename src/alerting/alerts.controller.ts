import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresTier } from '../common/decorators/requires-tier.decorator.js';
import type { TenantPrincipal } from '../common/principal.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { AlertingService } from './alerting.service.js';
import { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto.js';
import { CreateRuleDto, CreateSilenceDto, UpdateRuleDto } from './dto/rule.dto.js';

export class HistoryQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'hours must be an integer from 1 to 720' })
  @Min(1, { message: 'hours must be an integer from 1 to 720' })
  @Max(720, { message: 'hours must be an integer from 1 to 720' })
  hours: number = 24;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 1000' })
  @Min(1, { message: 'limit must be an integer from 1 to 1000' })
  @Max(1000, { message: 'limit must be an integer from 1 to 1000' })
  limit: number = 100;
}

/** Alert channels and history (enterprise). Secrets are write-only: masked in every answer. */
@RequiresTier('enterprise')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerting: AlertingService) {}

  @Get()
  async alerts(@CurrentTenant() tenant: TenantPrincipal, @Query() q: HistoryQuery) {
    return { alerts: await this.alerting.alerts(tenant.tenantId, Date.now() - q.hours * 3_600_000, q.limit) };
  }

  @Get('deliveries')
  async deliveries(@CurrentTenant() tenant: TenantPrincipal, @Query() q: HistoryQuery) {
    return { deliveries: await this.alerting.deliveries(tenant.tenantId, Date.now() - q.hours * 3_600_000, q.limit) };
  }

  @Post('channels')
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateChannelDto) {
    return this.alerting.create(tenant.tenantId, dto);
  }

  @Get('channels')
  async list(@CurrentTenant() tenant: TenantPrincipal) {
    return { channels: await this.alerting.list(tenant.tenantId) };
  }

  @Get('channels/:id')
  get(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.get(tenant.tenantId, id);
  }

  @Patch('channels/:id')
  update(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateChannelDto,
  ) {
    return this.alerting.update(tenant.tenantId, id, dto);
  }

  @Delete('channels/:id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.remove(tenant.tenantId, id);
  }

  @Post('rules')
  createRule(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateRuleDto) {
    return this.alerting.createRule(tenant.tenantId, dto);
  }

  @Get('rules')
  async rules(@CurrentTenant() tenant: TenantPrincipal) {
    return { rules: await this.alerting.rules(tenant.tenantId) };
  }

  @Get('rules/:id')
  rule(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.rule(tenant.tenantId, id);
  }

  @Patch('rules/:id')
  updateRule(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateRuleDto,
  ) {
    return this.alerting.updateRule(tenant.tenantId, id, dto);
  }

  @Delete('rules/:id')
  @HttpCode(204)
  async removeRule(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.removeRecord('rules', tenant.tenantId, id);
  }

  @Post('silences')
  createSilence(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateSilenceDto) {
    return this.alerting.createSilence(tenant.tenantId, dto);
  }

  @Get('silences')
  async silences(@CurrentTenant() tenant: TenantPrincipal) {
    return { silences: await this.alerting.silences(tenant.tenantId) };
  }

  @Delete('silences/:id')
  @HttpCode(204)
  async removeSilence(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.removeRecord('silences', tenant.tenantId, id);
  }

  @Post('channels/:id/test')
  @HttpCode(200)
  test(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.test(tenant.tenantId, id);
  }
}
