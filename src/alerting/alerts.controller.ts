import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Audited } from '../common/decorators/audited.decorator.js';
import { ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { TieredRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import type { TenantPrincipal } from '../common/principal.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { AlertingService } from './alerting.service.js';
import { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto.js';
import { CreateRuleDto, CreateSilenceDto, UpdateRuleDto } from './dto/rule.dto.js';
import { PageLimit } from '../common/decorators/page-limit.decorator.js';

export class HistoryQuery {
  @ApiPropertyOptional({ description: 'How far back, in hours (1–720)', minimum: 1, maximum: 720, default: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'hours must be an integer from 1 to 720' })
  @Min(1, { message: 'hours must be an integer from 1 to 720' })
  @Max(720, { message: 'hours must be an integer from 1 to 720' })
  hours: number = 24;

  @PageLimit('At most this many, newest first')
  limit: number = 100;
}

/** Alert channels and history (enterprise). Secrets are write-only: masked in every answer. */
@ApiTags('alerts')
@RequiresFeature('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerting: AlertingService) {}

  @TieredRoute({
    summary: 'Alerts fired, resolved and repeated, newest first',
    ok: { description: 'Alerts', schema: 'AlertList' },
    errors: [400],
  })
  @Get()
  async alerts(@CurrentTenant() tenant: TenantPrincipal, @Query() q: HistoryQuery) {
    return { alerts: await this.alerting.alerts(tenant.tenantId, Date.now() - q.hours * 3_600_000, q.limit) };
  }

  @TieredRoute({
    summary: 'Every delivery attempt to a channel, newest first',
    ok: { description: 'Deliveries', schema: 'DeliveryList' },
    errors: [400],
  })
  @Get('deliveries')
  async deliveries(@CurrentTenant() tenant: TenantPrincipal, @Query() q: HistoryQuery) {
    return { deliveries: await this.alerting.deliveries(tenant.tenantId, Date.now() - q.hours * 3_600_000, q.limit) };
  }

  @TieredRoute({
    summary: 'Add a Slack, PagerDuty, e-mail or webhook channel',
    description: 'A webhook channel gets a signing secret, shown in this answer only.',
    ok: { status: 201, description: 'The channel (secrets masked)', schema: 'ChannelCreated' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'channel.create', target: 'channel', id: 'answer:id' })
  @Post('channels')
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateChannelDto) {
    return this.alerting.create(tenant.tenantId, dto);
  }

  @TieredRoute({
    summary: "The tenant's channels (secrets masked)",
    ok: { description: 'Channels', schema: 'ChannelList' },
  })
  @Get('channels')
  async list(@CurrentTenant() tenant: TenantPrincipal) {
    return { channels: await this.alerting.list(tenant.tenantId) };
  }

  @TieredRoute({
    summary: 'One channel (secrets masked)',
    ok: { description: 'The channel', schema: 'Channel' },
    errors: [400, 404],
  })
  @Get('channels/:id')
  get(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.get(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: "Change a channel's name or config",
    ok: { description: 'The channel (secrets masked)', schema: 'Channel' },
    errors: [400, 404, 413],
  })
  @Audited({ action: 'channel.update', target: 'channel' })
  @Patch('channels/:id')
  update(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateChannelDto,
  ) {
    return this.alerting.update(tenant.tenantId, id, dto);
  }

  @TieredRoute({ summary: 'Delete a channel', ok: { status: 204, description: 'Deleted' }, errors: [400, 404] })
  @Audited({ action: 'channel.delete', target: 'channel' })
  @Delete('channels/:id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.remove(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'Add a threshold rule',
    ok: { status: 201, description: 'The rule', schema: 'Rule' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'rule.create', target: 'rule', id: 'answer:id' })
  @Post('rules')
  createRule(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateRuleDto) {
    return this.alerting.createRule(tenant.tenantId, dto);
  }

  @TieredRoute({ summary: "The tenant's rules", ok: { description: 'Rules', schema: 'RuleList' } })
  @Get('rules')
  async rules(@CurrentTenant() tenant: TenantPrincipal) {
    return { rules: await this.alerting.rules(tenant.tenantId) };
  }

  @TieredRoute({ summary: 'One rule', ok: { description: 'The rule', schema: 'Rule' }, errors: [400, 404] })
  @Get('rules/:id')
  rule(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.rule(tenant.tenantId, id);
  }

  @TieredRoute({ summary: 'Change a rule', ok: { description: 'The rule', schema: 'Rule' }, errors: [400, 404, 413] })
  @Audited({ action: 'rule.update', target: 'rule' })
  @Patch('rules/:id')
  updateRule(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateRuleDto,
  ) {
    return this.alerting.updateRule(tenant.tenantId, id, dto);
  }

  @TieredRoute({ summary: 'Delete a rule', ok: { status: 204, description: 'Deleted' }, errors: [400, 404] })
  @Audited({ action: 'rule.delete', target: 'rule' })
  @Delete('rules/:id')
  @HttpCode(204)
  async removeRule(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.removeRecord('rules', tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'Hold notifications back until a time',
    ok: { status: 201, description: 'The silence', schema: 'Silence' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'silence.create', target: 'silence', id: 'answer:id' })
  @Post('silences')
  createSilence(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateSilenceDto) {
    return this.alerting.createSilence(tenant.tenantId, dto);
  }

  @TieredRoute({ summary: "The tenant's silences", ok: { description: 'Silences', schema: 'SilenceList' } })
  @Get('silences')
  async silences(@CurrentTenant() tenant: TenantPrincipal) {
    return { silences: await this.alerting.silences(tenant.tenantId) };
  }

  @TieredRoute({ summary: 'Delete a silence', ok: { status: 204, description: 'Deleted' }, errors: [400, 404] })
  @Audited({ action: 'silence.delete', target: 'silence' })
  @Delete('silences/:id')
  @HttpCode(204)
  async removeSilence(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.alerting.removeRecord('silences', tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'Send a test notification to a channel',
    ok: { description: 'What happened', schema: 'ChannelTest' },
    errors: [400, 404],
  })
  @Audited({ action: 'channel.test', target: 'channel' })
  @Post('channels/:id/test')
  @HttpCode(200)
  test(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.alerting.test(tenant.tenantId, id);
  }
}
