import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { assertAllowedTarget, TargetNotAllowedError } from '../alerting/address-policy.js';
import { AlertSender } from '../alerting/alert-sender.js';
import { EVENT_TYPE_TIERS, type EventType, eventTypesOf, TIER_LIMITS } from '../common/entitlements.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import type { TenantPrincipal } from '../common/principal.js';
import { DEFAULT_EVENTS, type EventsOptions, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import type { CreateSubscriptionDto, UpdateSubscriptionDto } from './dto/subscription.dto.js';
import { EventLog } from './event-log.js';
import { EventsError } from './events.errors.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import {
  type DeliveryRecord,
  MAX_SUBSCRIPTIONS,
  type Subscription,
  subscriptionView,
  type SubscriptionView,
} from './subscription.js';

/** The body of every webhook request: the subscription and its events, oldest first. */
export interface WebhookBatch {
  subscriptionId: string;
  test: boolean;
  events: unknown[];
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** A subscription is replayed at most once in this long (a second replay sooner is a 429 with Retry-After). */
export const REPLAY_INTERVAL_MS = 10_000;

/** Event subscriptions (professional and up): CRUD, test send, secret rotation, delivery log, replay. */
@Injectable()
export class EventsService {
  private readonly options: EventsOptions;

  constructor(
    private readonly repository: SubscriptionsRepository,
    private readonly log: EventLog,
    private readonly sender: AlertSender,
    @Inject(PULSE_OPTIONS) private readonly pulseOptions: PulseOptions,
  ) {
    this.options = pulseOptions.events ?? DEFAULT_EVENTS;
  }

  async create(
    tenant: TenantPrincipal,
    dto: CreateSubscriptionDto,
  ): Promise<SubscriptionView & { signingSecret: string }> {
    this.checkTypes(tenant, dto.types);
    await this.checkUrl(dto.url);
    const now = new Date().toISOString();
    const subscription: Subscription = {
      id: `es_${randomBytes(8).toString('hex')}`,
      url: dto.url,
      types: dto.types,
      clientFilter: dto.clientFilter ?? null,
      secret: newSecret(),
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.repository.create(tenant.tenantId, subscription);
    if (created === null) throw new EventsError('TENANT_NOT_FOUND', `Tenant ${tenant.tenantId} no longer exists`);
    if (!created)
      throw new EventsError(
        'LIMIT_REACHED',
        `A tenant may hold ${MAX_SUBSCRIPTIONS} event subscriptions: delete one first`,
      );
    // The secret is in this answer only (and in a rotation's).
    return { ...(await this.view(tenant.tenantId, subscription)), signingSecret: subscription.secret };
  }

  async list(tenantId: string): Promise<SubscriptionView[]> {
    const all = await this.repository.list(tenantId);
    return Promise.all(all.map((s) => this.view(tenantId, s)));
  }

  async get(tenantId: string, id: string): Promise<SubscriptionView> {
    return this.view(tenantId, await this.find(tenantId, id));
  }

  async update(tenant: TenantPrincipal, id: string, dto: UpdateSubscriptionDto): Promise<SubscriptionView> {
    const s = await this.find(tenant.tenantId, id);
    if (dto.types) this.checkTypes(tenant, dto.types);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const updated: Subscription = {
      ...s,
      ...(dto.url !== undefined && { url: dto.url }),
      ...(dto.types && { types: dto.types }),
      ...(dto.clientFilter !== undefined && { clientFilter: dto.clientFilter }),
      updatedAt: new Date().toISOString(),
    };
    // `clientFilter: null` passes validation as absent: it removes the filter.
    if ('clientFilter' in dto && dto.clientFilter === null) updated.clientFilter = null;
    this.saved(tenant.tenantId, id, await this.repository.save(tenant.tenantId, updated));
    if (dto.paused === false) {
      this.saved(tenant.tenantId, id, await this.repository.setPaused(tenant.tenantId, id, null));
      await this.log.markDue([tenant.tenantId]);
    } else if (dto.paused === true) {
      const state = await this.repository.state(tenant.tenantId, id);
      if (!state.paused)
        this.saved(
          tenant.tenantId,
          id,
          await this.repository.setPaused(tenant.tenantId, id, {
            at: new Date().toISOString(),
            failures: state.failures,
            lastError: 'paused by the tenant',
          }),
        );
    }
    return this.view(tenant.tenantId, updated);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.repository.remove(tenantId, id)))
      throw new EventsError('SUBSCRIPTION_NOT_FOUND', `No event subscription ${id}`);
  }

  /** A new signing secret, in this answer only; the old one stops signing at once. */
  async rotate(tenantId: string, id: string): Promise<SubscriptionView & { signingSecret: string }> {
    const s = await this.find(tenantId, id);
    const rotated = { ...s, secret: newSecret(), updatedAt: new Date().toISOString() };
    this.saved(tenantId, id, await this.repository.save(tenantId, rotated));
    return { ...(await this.view(tenantId, rotated)), signingSecret: rotated.secret };
  }

  /** Sends a signed request with no events now; reports the outcome, never the receiver's body. */
  async test(tenantId: string, id: string) {
    const s = await this.find(tenantId, id);
    const webhookId = `evt_test_${randomBytes(8).toString('hex')}`;
    const body: WebhookBatch = { subscriptionId: s.id, test: true, events: [] };
    const result = await this.sender.sendSigned(
      s.url,
      s.secret,
      webhookId,
      JSON.stringify(body),
      this.options.timeoutMs,
    );
    const record: DeliveryRecord = {
      at: new Date().toISOString(),
      webhookId,
      outcome: 'test',
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      events: 0,
      firstEventId: null,
      lastEventId: null,
      error: result.error,
    };
    await this.repository.log(tenantId, id, record);
    return {
      subscriptionId: s.id,
      delivered: result.ok,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
    };
  }

  async deliveries(tenantId: string, id: string, limit: number): Promise<DeliveryRecord[]> {
    await this.find(tenantId, id);
    return this.repository.deliveries(tenantId, id, limit);
  }

  /** Sends again every event of the subscription's types since `from` (within the tier's event retention). */
  async replay(tenant: TenantPrincipal, id: string, from: string): Promise<{ subscriptionId: string; from: string }> {
    await this.find(tenant.tenantId, id);
    const fromMs = Date.parse(from);
    const retentionHours = TIER_LIMITS[tenant.tier].eventRetentionHours;
    if (fromMs > Date.now()) throw new EventsError('VALIDATION_FAILED', 'from must not be in the future');
    if (fromMs < Date.now() - retentionHours * 3_600_000)
      throw new EventsError(
        'RETENTION_EXCEEDED',
        `from reaches back further than the ${retentionHours} h the tenant's events are kept`,
      );
    // The sequence before the first event replayed: no gap counted as dropped when the replay starts.
    const [first] = await this.log.readFrom(tenant.tenantId, fromMs, 1);
    const before = first ? first.sequence - 1 : ((await this.log.newest(tenant.tenantId))?.sequence ?? 0);
    const outcome = await this.repository.rewind(tenant.tenantId, id, fromMs, before, REPLAY_INTERVAL_MS);
    if (outcome === 'tenant-gone')
      throw new EventsError('TENANT_NOT_FOUND', `Tenant ${tenant.tenantId} no longer exists`);
    if (outcome === 'subscription-gone') throw new EventsError('SUBSCRIPTION_NOT_FOUND', `No event subscription ${id}`);
    if (outcome !== 'done') {
      const retryAfter = Math.ceil(outcome.throttledMs / 1000);
      throw new EventsError(
        'RATE_LIMITED',
        `one replay per subscription every ${REPLAY_INTERVAL_MS / 1000} s: try again in ${retryAfter} s`,
        { retryAfter },
      );
    }
    await this.log.markDue([tenant.tenantId]);
    return { subscriptionId: id, from: new Date(fromMs).toISOString() };
  }

  /** A save's outcome: the tenant or the subscription gone (deleted since it was read) is an error. */
  private saved(tenantId: string, id: string, reply: boolean | null): void {
    if (reply === null) throw new EventsError('TENANT_NOT_FOUND', `Tenant ${tenantId} no longer exists`);
    if (!reply) throw new EventsError('SUBSCRIPTION_NOT_FOUND', `No event subscription ${id}`);
  }

  private async view(tenantId: string, s: Subscription): Promise<SubscriptionView> {
    return subscriptionView(s, await this.repository.state(tenantId, s.id));
  }

  private async find(tenantId: string, id: string): Promise<Subscription> {
    const s = await this.repository.find(tenantId, id);
    if (!s) throw new EventsError('SUBSCRIPTION_NOT_FOUND', `No event subscription ${id}`);
    return s;
  }

  /** Every type must be the tenant's tier's (403 naming the tier that has it). */
  private checkTypes(tenant: TenantPrincipal, types: EventType[]): void {
    const allowed = new Set(eventTypesOf(tenant.tier));
    const missing = types.find((t) => !allowed.has(t));
    if (missing) throw new TierRequiredException(EVENT_TYPE_TIERS[missing], tenant.tier, `Event type ${missing}`);
  }

  /** https and a public address (the alert webhooks' policy and private-target rule): 400 naming url. */
  private async checkUrl(url: string): Promise<void> {
    try {
      await assertAllowedTarget(url, this.pulseOptions.alerting.allowPrivateTargets);
    } catch (err) {
      if (err instanceof TargetNotAllowedError) throw new EventsError('VALIDATION_FAILED', `url ${err.message}`);
      throw err;
    }
  }
}
