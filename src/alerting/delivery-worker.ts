import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import { withTimeout } from '../common/with-timeout.js';
import { handOver } from '../jobs/hand-over.js';
import { HeldWork } from '../jobs/held-work.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import { AlertSender, deliveryRecord } from './alert-sender.js';
import { AlertingRepository } from './alerting.repository.js';
import { DeliveryQueueRepository, type QueuedDelivery } from './delivery-queue.repository.js';
import { retryDelayMs } from './notification.js';

/** Attempts this instance runs at once (every tenant together). */
const MAX_IN_FLIGHT = 16;
/**
 * Attempts this instance runs at once for one tenant: a tenant whose receivers never answer
 * holds at most this many of the MAX_IN_FLIGHT slots (each for an attempt's timeout), and the
 * claim goes on to the next due tenant, so the others' deliveries keep going out.
 */
export const MAX_IN_FLIGHT_PER_TENANT = 4;
/** Tenants looked at per poll. */
const TENANTS_PER_POLL = 50;
/** How long shutdown lets attempts under way finish before it hands their deliveries back. */
export const SHUTDOWN_HANDOVER_MS = 3000;
/** How long the hand-back itself may take (then the leases run out instead). */
const HANDBACK_TIMEOUT_MS = 1000;

interface Held {
  tenantId: string;
  delivery: QueuedDelivery;
  done: Promise<void>;
}

/**
 * Sends what the tenants' durable delivery queues hold (Redis: DeliveryQueueRepository). Every
 * instance polls; a delivery is claimed with a lease one attempt long (plus a margin), so a
 * stopped or crashed instance's delivery is taken by another once the lease ends, and at
 * shutdown this instance stops claiming, lets its attempts finish for up to
 * SHUTDOWN_HANDOVER_MS and hands back the rest at once. At-least-once: an attempt cut short
 * after the receiver took it is sent again, with the same webhook-id.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly timer: NamedInterval;
  private readonly token = randomBytes(12).toString('hex');
  /** Delivery id → the attempt under way; one poll at a time. */
  private readonly work = new HeldWork<Held>(
    () => this.claimDue(),
    (err) => {
      // Redis (or the hint's Cluster slot) away: the next poll tries again; health reports the outage.
      if (!isRedisUnavailable(err)) this.logger.warn(`alert delivery poll failed: ${err.message}`);
    },
  );
  readonly pollMs: number;
  readonly leaseMs: number;

  constructor(
    private readonly queue: DeliveryQueueRepository,
    private readonly repository: AlertingRepository,
    private readonly sender: AlertSender,
    scheduler: SchedulerRegistry,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {
    this.timer = new NamedInterval(scheduler, 'pulse-alert-deliveries');
    this.pollMs = Math.min(1000, Math.max(100, options.alerting.retryBaseMs));
    // One attempt's deadline, its log write and the reschedule: the lease outlives a live attempt.
    this.leaseMs = options.alerting.timeoutMs + 5000;
  }

  onApplicationBootstrap(): void {
    this.timer.start(this.pollMs, () => void this.poll());
  }

  /** Stops claiming; attempts under way get SHUTDOWN_HANDOVER_MS, then their deliveries are released. */
  async beforeApplicationShutdown(): Promise<void> {
    this.work.stop();
    this.timer.stop();
    // A poll under way is not waited for (a Redis that stopped answering must not hold up the
    // shutdown): what it still claims is handed back at once (start). Attempts get the deadline.
    await handOver(
      () => this.work.list(),
      SHUTDOWN_HANDOVER_MS,
      (left) =>
        Promise.allSettled(left.map((h) => this.queue.reschedule(h.tenantId, h.delivery, this.token, 0, false))),
      HANDBACK_TIMEOUT_MS,
      'alert deliveries',
      this.logger,
    );
  }

  /** Claims what is due now (starts nothing while a poll runs or after shutdown began). */
  poll(): Promise<void> {
    return this.work.poll();
  }

  /** Deliveries this instance is attempting now. */
  inFlight(): number {
    return this.work.inFlight();
  }

  /** Resolves when the attempts under way have finished. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private async claimDue(): Promise<void> {
    const perTenant = this.work.perTenant();
    for (const tenantId of await this.queue.dueTenants(TENANTS_PER_POLL)) {
      const room = MAX_IN_FLIGHT - this.work.inFlight();
      if (room <= 0 || this.work.stopped) return;
      // A tenant at its cap is passed over, not waited for: the next due tenant gets the room.
      const tenantRoom = Math.min(room, MAX_IN_FLIGHT_PER_TENANT - (perTenant.get(tenantId) ?? 0));
      if (tenantRoom <= 0) continue;
      const claimed = (await this.queue.claim(tenantId, this.leaseMs, this.token, tenantRoom)) ?? [];
      perTenant.set(tenantId, (perTenant.get(tenantId) ?? 0) + claimed.length);
      for (const d of claimed) this.start(tenantId, d);
    }
  }

  private start(tenantId: string, delivery: QueuedDelivery): void {
    if (this.work.stopped) {
      // Claimed by a poll that outlived the start of the shutdown: back to the queue, due now.
      void this.queue
        .reschedule(tenantId, delivery, this.token, 0, false)
        .catch(() => undefined /* the lease runs out instead */);
      return;
    }
    const done = this.attempt(tenantId, delivery)
      .catch((err: Error) => this.logger.warn(`alert delivery ${delivery.id} not settled: ${err.message}`))
      .finally(() => this.work.held.delete(delivery.id));
    this.work.held.set(delivery.id, { tenantId, delivery, done });
  }

  /** One attempt; then the delivery is done (delivered, failed for good) or queued again with backoff. */
  private async attempt(tenantId: string, d: QueuedDelivery): Promise<void> {
    const { maxAttempts, retryBaseMs, timeoutMs } = this.options.alerting;
    // Read now, not when queued: a channel deleted (or its tenant deleted) since gets nothing.
    const channel = await this.repository.channel(tenantId, d.channelId);
    if (!channel) {
      await this.queue.finish(tenantId, d, this.token);
      return;
    }
    // Each attempt has a deadline (the HTTP timeout covers the request; this covers the lookup too).
    const result = await withTimeout(
      this.sender.attempt(channel, d.notification, false, d.id),
      timeoutMs + 1000,
      'alert delivery attempt',
    ).catch((err: Error) => ({
      ok: false,
      statusCode: null,
      latencyMs: timeoutMs + 1000,
      error: err.message.includes('within') ? 'timed out' : 'connection failed',
      retryAfter: null,
      retryable: true,
    }));
    const attempt = d.attempts + 1;
    const last = result.ok || !result.retryable || attempt >= maxAttempts;
    const outcome = result.ok ? 'delivered' : last ? 'failed' : 'retrying';
    this.sender.count(channel.type, outcome);
    await this.repository
      .log(tenantId, 'deliveries', deliveryRecord(channel, d.notification, attempt, outcome, result))
      .catch((err: Error) => this.logger.warn(`delivery log not written: ${err.message}`));
    const kept = last
      ? await this.queue.finish(tenantId, d, this.token)
      : await this.queue.reschedule(
          tenantId,
          { ...d, attempts: attempt },
          this.token,
          retryDelayMs(attempt, retryBaseMs, result.retryAfter),
          true,
        );
    if (!kept) this.logger.warn(`alert delivery ${d.id}: lease lost, another instance has it`);
  }
}
