import { CustomMetricRepository } from './custom/custom-metric.repository.js';
import { CustomMetricSet } from './custom/custom-metric-set.js';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { entitled } from '../common/entitlements.js';
import { ShutdownClock } from '../common/shutdown-clock.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import type { Tenant } from '../tenants/tenant.js';
import { TenantDirectory, type TenantListener } from '../tenants/tenant-directory.js';
import { TenantShards } from '../tenants/tenant-shards.js';
import { TrafficAggregator } from './traffic-aggregator.js';
import { TrafficFlusher } from './traffic-flusher.js';
import { NamedInterval } from '../jobs/named-interval.js';

/** Pending messages on one tenant subscription before the client reports a slow consumer. */
const SLOW_CONSUMER_PENDING = 100_000;
const SHUTDOWN_FLUSH_DEADLINE_MS = 10_000;
const FLUSH_INTERVAL = 'pulse-traffic-flush';

/**
 * Subscribes `{prefix}.{tenantId}.>` in the deployment's queue group for every active tenant of
 * the TenantDirectory that this instance's shard owns (TenantShards; every tenant with one shard),
 * so each message reaches exactly one Pulse instance. Unknown tenant ids are never subscribed, so
 * a flood of made-up ids costs nothing.
 */
@Injectable()
export class MessageTap implements OnModuleInit, OnApplicationBootstrap, TenantListener, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageTap.name);
  private readonly subscriptions = new Map<string, Subscription>();
  private stopped = false;

  private readonly flushTimer: NamedInterval;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly directory: TenantDirectory,
    private readonly aggregator: TrafficAggregator,
    private readonly flusher: TrafficFlusher,
    private readonly scheduler: SchedulerRegistry,
    private readonly customMetrics: CustomMetricRepository,
    private readonly shards: TenantShards,
    @Optional() private readonly clock: ShutdownClock = new ShutdownClock(),
  ) {
    this.flushTimer = new NamedInterval(this.scheduler, FLUSH_INTERVAL);
    aggregator.configure(options.subjectTableSize, {
      autoRate: options.samplingAutoRate ?? 0,
      windowMs: options.flushIntervalMs,
    });
  }

  onModuleInit(): void {
    this.directory.subscribe(this);
    this.flushTimer.start(this.options.flushIntervalMs, () => void this.flusher.flush());
  }

  /**
   * After the directory's first reconcile subscribed the tenants: waits (at most a second) until
   * the server has the subscriptions, so an instance that is ready takes its share of traffic (a
   * rolling deploy stops the old instance only then).
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.nats.isClosed()) return;
    const deadline = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([this.nats.flush(), deadline]).catch(() => undefined);
  }

  /** Tenant ids this instance currently counts. */
  subscribedTenants(): string[] {
    return [...this.subscriptions.keys()];
  }

  activated(tenant: Tenant): void {
    // Another shard's tenant: another instance counts it (its sampling and custom metrics too).
    if (!this.shards.owns(tenant.id)) return;
    // Also on a change while active: the sampling setting may be what changed.
    this.aggregator.setSampling(tenant.id, tenant.sampling ?? 0);
    // Custom metrics are a tier feature; a change of them touches the tenant, so this runs again.
    void this.loadCustomMetrics(tenant);
    if (this.stopped || this.subscriptions.has(tenant.id)) return;
    const subscription = this.nats.subscribe(`${this.options.tenantSubjectPrefix}.${tenant.id}.>`, {
      queue: this.options.nats.queueGroup,
      slow: SLOW_CONSUMER_PENDING,
      callback: this.aggregator.messageHandler(tenant.id),
    });
    this.subscriptions.set(tenant.id, subscription);
    this.logger.log(`counting tenant ${tenant.id}`);
  }

  private async loadCustomMetrics(tenant: Tenant): Promise<void> {
    try {
      const definitions = entitled(tenant.tier, 'customMetrics') ? await this.customMetrics.list(tenant.id) : [];
      const set =
        definitions.length > 0 ? new CustomMetricSet(this.options.tenantSubjectPrefix, tenant.id, definitions) : null;
      this.aggregator.setCustomMetrics(tenant.id, set);
    } catch (err) {
      this.logger.warn(`custom metrics of ${tenant.id} not loaded, retrying in 5 s: ${(err as Error).message}`);
      if (!this.stopped) setTimeout(() => void this.loadCustomMetrics(tenant), 5000).unref();
    }
  }

  deactivated(tenantId: string): void {
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
    this.flushTimer.stop();
    const subs = [...this.subscriptions.values()];
    if (!this.nats.isClosed()) {
      // drain() needs the server; with NATS down, give up after a few seconds and flush what we have.
      await Promise.race([Promise.allSettled(subs.map((s) => s.drain())), delay(3000)]);
    }
    this.subscriptions.clear();
    // Its own deadline, within the shutdown's bound (the tap's flush comes first in the order).
    const deadline = this.clock.deadline(SHUTDOWN_FLUSH_DEADLINE_MS);
    do {
      // A flush that cannot finish (Redis not answering) must not hold the exit past the deadline.
      await Promise.race([this.flusher.flushEverything(), delay(Math.max(0, deadline - Date.now()))]);
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
