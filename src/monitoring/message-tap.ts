import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isValidId } from '../common/ids.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { TENANT_CHANGES_SUBJECT, type TenantChange } from '../tenants/tenant.js';
import { TenantRepository } from '../tenants/tenant.repository.js';
import { TrafficAggregator } from './traffic-aggregator.js';
import { TrafficFlusher } from './traffic-flusher.js';

/** Pending messages on one tenant subscription before the client reports a slow consumer. */
const SLOW_CONSUMER_PENDING = 100_000;
const SHUTDOWN_FLUSH_DEADLINE_MS = 10_000;

/**
 * Subscribes `{prefix}.{tenantId}.>` in the deployment's queue group for every active tenant, so
 * each message reaches exactly one Pulse instance. Unknown tenant ids are never subscribed, so a
 * flood of made-up ids costs nothing. Changes arrive as announcements on NATS (instant) and by a
 * periodic reconcile against Redis (catches a lost announcement).
 */
@Injectable()
export class MessageTap implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageTap.name);
  private readonly subscriptions = new Map<string, Subscription>();
  private changes: Subscription | null = null;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly tenants: TenantRepository,
    private readonly aggregator: TrafficAggregator,
    private readonly flusher: TrafficFlusher,
    private readonly scheduler: SchedulerRegistry,
  ) {
    aggregator.configure(options.subjectTableSize);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.changes = this.nats.subscribe(TENANT_CHANGES_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        let change: TenantChange;
        try {
          change = msg.json<TenantChange>();
        } catch {
          return;
        }
        if (isValidId(change?.tenantId)) void this.syncTenant(change.tenantId);
      },
    });
    await this.reconcile();
    this.scheduler.addInterval(
      'pulse-tenant-reconcile',
      setInterval(() => void this.reconcile(), this.options.tenantSyncIntervalMs),
    );
    this.scheduler.addInterval(
      'pulse-traffic-flush',
      setInterval(() => void this.flusher.flush(), this.options.flushIntervalMs),
    );
  }

  /** Tenant ids this instance currently counts. */
  subscribedTenants(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Brings the subscriptions in line with the registry. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    try {
      const tenants = await this.tenants.findMany(await this.tenants.listIds());
      const active = new Set(tenants.filter((t) => t.status === 'active').map((t) => t.id));
      for (const id of active) this.subscribe(id);
      for (const id of this.subscriptions.keys()) if (!active.has(id)) this.unsubscribe(id);
    } catch (err) {
      this.logger.warn(`tenant reconcile failed, will retry: ${(err as Error).message}`);
    }
  }

  async syncTenant(tenantId: string): Promise<void> {
    if (this.stopped) return;
    try {
      const tenant = await this.tenants.find(tenantId);
      if (tenant?.status === 'active') this.subscribe(tenantId);
      else this.unsubscribe(tenantId);
    } catch (err) {
      this.logger.warn(`tenant ${tenantId} sync failed, the reconcile will retry: ${(err as Error).message}`);
    }
  }

  private subscribe(tenantId: string): void {
    if (this.stopped || this.subscriptions.has(tenantId)) return;
    const subscription = this.nats.subscribe(`${this.options.tenantSubjectPrefix}.${tenantId}.>`, {
      queue: this.options.nats.queueGroup,
      slow: SLOW_CONSUMER_PENDING,
      callback: this.aggregator.messageHandler(tenantId),
    });
    this.subscriptions.set(tenantId, subscription);
    this.logger.log(`counting tenant ${tenantId}`);
  }

  private unsubscribe(tenantId: string): void {
    const subscription = this.subscriptions.get(tenantId);
    if (!subscription) return;
    subscription.unsubscribe();
    this.subscriptions.delete(tenantId);
    this.aggregator.release(tenantId);
    this.logger.log(`stopped counting tenant ${tenantId}`);
  }

  /**
   * SIGTERM: stop taking messages (drain lets the server stop sending to us, so other instances
   * in the queue group take over, and delivers what is already buffered), then flush until every
   * count is in Redis or the deadline passes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const name of ['pulse-tenant-reconcile', 'pulse-traffic-flush']) {
      if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    const subs = [...this.subscriptions.values()];
    if (this.changes) subs.push(this.changes);
    if (!this.nats.isClosed()) {
      // drain() needs the server; with NATS down, give up after a few seconds and flush what we have.
      await Promise.race([Promise.allSettled(subs.map((s) => s.drain())), delay(3000)]);
    }
    this.subscriptions.clear();
    const deadline = Date.now() + SHUTDOWN_FLUSH_DEADLINE_MS;
    do {
      await this.flusher.flush();
      if (this.flusher.isDrained) return;
      await delay(200);
    } while (Date.now() < deadline);
    const { backlogMessages } = this.flusher.snapshot();
    this.logger.error(`shutting down with ${backlogMessages} message(s) not written to Redis`);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
