import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_TYPE_TIERS, EVENT_TYPES, eventTypesOf } from '../common/entitlements.js';
import { TieredRoute } from '../common/decorators/api-route.decorator.js';
import { Audited } from '../common/decorators/audited.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { PageLimit } from '../common/decorators/page-limit.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import type { TenantPrincipal } from '../common/principal.js';
import { CreateSubscriptionDto, ReplayDto, UpdateSubscriptionDto } from './dto/subscription.dto.js';
import { EventsService } from './events.service.js';

export class DeliveriesQuery {
  @PageLimit('At most this many, newest first (the last 100 are kept)')
  limit: number = 100;
}

/** Event subscriptions (professional and up): the tenant's endpoints, signed webhooks. Secrets shown once. */
@ApiTags('events')
@RequiresFeature('eventSubscriptions')
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @TieredRoute({
    summary: 'The event types, and which the tenant may subscribe to',
    ok: { description: 'Event types', schema: 'EventTypeList' },
    storage: false,
  })
  @Get('types')
  types(@CurrentTenant() tenant: TenantPrincipal) {
    const mine = new Set(eventTypesOf(tenant.tier));
    return {
      types: EVENT_TYPES.map((type) => ({ type, requiredTier: EVENT_TYPE_TIERS[type], entitled: mine.has(type) })),
    };
  }

  @TieredRoute({
    summary: 'Subscribe an https endpoint to event types',
    description:
      'The answer carries the signing secret (Standard Webhooks, `whsec_…`), shown this once. Events from now on are sent; a type above the tier is a 403.',
    ok: { status: 201, description: 'The subscription and its signing secret', schema: 'EventSubscriptionCreated' },
    errors: [400, 409, 413],
  })
  @Audited({ action: 'event_subscription.create', target: 'event_subscription', id: 'answer:id' })
  @Post('subscriptions')
  create(@CurrentTenant() tenant: TenantPrincipal, @Body() dto: CreateSubscriptionDto) {
    return this.events.create(tenant, dto);
  }

  @TieredRoute({
    summary: "The tenant's subscriptions and their delivery state (secrets masked)",
    ok: { description: 'Subscriptions', schema: 'EventSubscriptionList' },
  })
  @Get('subscriptions')
  async list(@CurrentTenant() tenant: TenantPrincipal) {
    return { subscriptions: await this.events.list(tenant.tenantId) };
  }

  @TieredRoute({
    summary: 'One subscription and its delivery state (secret masked)',
    ok: { description: 'The subscription', schema: 'EventSubscription' },
    errors: [400, 404],
  })
  @Get('subscriptions/:id')
  get(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.events.get(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: "Change a subscription's URL, types or client filter; pause or resume it",
    ok: { description: 'The subscription', schema: 'EventSubscription' },
    errors: [400, 404, 413],
  })
  @Audited({ action: 'event_subscription.update', target: 'event_subscription' })
  @Patch('subscriptions/:id')
  update(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateSubscriptionDto,
  ) {
    return this.events.update(tenant, id, dto);
  }

  @TieredRoute({ summary: 'Delete a subscription', ok: { status: 204, description: 'Deleted' }, errors: [400, 404] })
  @Audited({ action: 'event_subscription.delete', target: 'event_subscription' })
  @Delete('subscriptions/:id')
  @HttpCode(204)
  async remove(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.events.remove(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'Replace the signing secret',
    description: 'The new secret is in this answer only; requests are signed with it from now on.',
    ok: { description: 'The subscription and its new signing secret', schema: 'EventSubscriptionCreated' },
    errors: [400, 404],
  })
  @Audited({ action: 'event_subscription.rotate', target: 'event_subscription' })
  @Post('subscriptions/:id/rotate-secret')
  @HttpCode(200)
  rotate(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.events.rotate(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: 'Send a signed request with no events to the endpoint now',
    ok: { description: 'What happened (never the receiver body)', schema: 'EventSubscriptionTest' },
    errors: [400, 404],
  })
  @Audited({ action: 'event_subscription.test', target: 'event_subscription' })
  @Post('subscriptions/:id/test')
  @HttpCode(200)
  test(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string) {
    return this.events.test(tenant.tenantId, id);
  }

  @TieredRoute({
    summary: "The subscription's last deliveries: status, latency, events",
    ok: { description: 'Deliveries, newest first', schema: 'EventDeliveryList' },
    errors: [400, 404],
  })
  @Get('subscriptions/:id/deliveries')
  async deliveries(
    @CurrentTenant() tenant: TenantPrincipal,
    @Param('id', ParseIdPipe) id: string,
    @Query() q: DeliveriesQuery,
  ) {
    return { deliveries: await this.events.deliveries(tenant.tenantId, id, q.limit) };
  }

  @TieredRoute({
    summary: 'Send again what happened since a time (within the retention of events)',
    description:
      "The subscription's cursor moves back to `from`: its events since then are sent again, in order, with their ids (receivers deduplicate on them). A batch in flight is not cut short: the cursor moves back once it ends. Further back than the tier keeps events (24 h professional, 72 h enterprise) is a 403. One replay per subscription every 10 s: a second one sooner is a 429 whose `Retry-After` (and `retryAfter` in the body) says in how many seconds.",
    ok: { description: 'Replay started', schema: 'EventReplay' },
    errors: [400, 404, 413, 429],
  })
  @Audited({ action: 'event_subscription.replay', target: 'event_subscription' })
  @Post('subscriptions/:id/replay')
  @HttpCode(200)
  replay(@CurrentTenant() tenant: TenantPrincipal, @Param('id', ParseIdPipe) id: string, @Body() dto: ReplayDto) {
    return this.events.replay(tenant, id, dto.from);
  }
}
