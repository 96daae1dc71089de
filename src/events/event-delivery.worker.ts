import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import { AlertSender, type AttemptResult } from '../alerting/alert-sender.js';
import { AlertingService } from '../alerting/alerting.service.js';
import { retryDelayMs } from '../alerting/notification.js';
import { eventTypesOf } from '../common/entitlements.js';
import { withTimeout } from '../common/with-timeout.js';
import {
  DEFAULT_EVENTS,
  EVENT_DELIVERY_BACKSTOP_MS,
  EVENT_LEASE_SETTLE_MS,
  eventDeliveryTimes,
  type EventsOptions,
  PULSE_OPTIONS,
  type PulseOptions,
} from '../config/pulse-options.js';
import { handOver } from '../jobs/hand-over.js';
import { HeldWork } from '../jobs/held-work.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { matchesClientFilter } from './client-filter.js';
import { EventLog } from './event-log.js';
import type { PulseEvent } from './event.js';
import type { WebhookBatch } from './events.service.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import type { DeliveryRecord, Subscription } from './subscription.js';

/** Batches this instance sends at once (every tenant together): the work waits on the network, not the CPU. */
export const MAX_IN_FLIGHT = 64;
/**
 * Of MAX_IN_FLIGHT, slots only a tenant with nothing under way here may take (its first batch):
 * tenants whose receivers answer slowly (but answer) never hold every slot.
 */
export const RESERVED_FOR_IDLE_TENANTS = 16;
/** Batches this instance sends at once for one tenant: one tenant's dead endpoints leave room for the others. */
export const MAX_IN_FLIGHT_PER_TENANT = 4;
/** Tenants looked at per poll. */
const TENANTS_PER_POLL = 50;
/** A request given less than this (the lease mostly spent on slow reads) is not started: looked at again. */
const MIN_REQUEST_MS = 100;
/** How often every tenant with subscriptions is looked at whatever the hint says. */
const SWEEP_INTERVAL_MS = 60_000;
/** How long shutdown lets batches under way finish before it hands their subscriptions back. */
export const EVENTS_SHUTDOWN_HANDOVER_MS = 3000;

/** What one look at a subscription leads to: when to look again (ms), or null (nothing to do until new events). */
type Next = number | null;

/** Outcome counts for the operator's metrics (`pulse_event_*`). */
export interface EventDeliveryStats {
  requests: Map<'delivered' | 'failed', number>;
  eventsDelivered: number;
  eventsDropped: number;
  paused: number;
  /** Event age at delivery (ms), summed (over eventsDelivered: the mean lag). */
  lagMsSum: number;
}

/**
 * How many batches one tenant may send at once here when `tenants` tenants are sending or due:
 * an equal share of the slots not reserved, at least 1, at most MAX_IN_FLIGHT_PER_TENANT.
 */
export function fairShare(tenants: number): number {
  const shared = MAX_IN_FLIGHT - RESERVED_FOR_IDLE_TENANTS;
  return Math.min(MAX_IN_FLIGHT_PER_TENANT, Math.max(1, Math.floor(shared / Math.max(1, tenants))));
}

/**
 * Whether a tenant sending `mine` batches here may start one more while `inFlight` are under way:
 * its first batch may use the reserved slots, any further one only the shared ones.
 */
export function mayStart(mine: number, share: number, inFlight: number): boolean {
  if (mine >= share) return false;
  return inFlight < (mine === 0 ? MAX_IN_FLIGHT : MAX_IN_FLIGHT - RESERVED_FOR_IDLE_TENANTS);
}

/** The stream id's time (ms): when Redis appended the event. */
const appendedAt = (id: string) => Number(id.slice(0, id.indexOf('-')));

/**
 * Sends every subscription its tenant's events (issue #38). Each instance polls the due hint
 * (`events:due`); a subscription is sent by whoever takes its lease (one request's deadline plus a
 * margin), one batch at a time from its cursor, so its events leave in the stream's order (per
 * client too). The cursor moves only after a 2xx: a request cut short (SIGTERM, crash, timeout)
 * is sent again from the same cursor by any instance, with the same event ids (at least once). A
 * failure backs off with jitter; `pauseAfterFailures` in a row pause the subscription, with a
 * notice in its state (the API shows it) and on the tenant's alert channels (tiers with alerts),
 * until the tenant resumes it.
 */
@Injectable()
export class EventDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDeliveryWorker.name);
  private readonly timer: NamedInterval;
  private readonly sweepTimer: NamedInterval;
  private readonly token = randomBytes(12).toString('hex');
  private readonly options: EventsOptions;
  readonly leaseMs: number;
  /** `<tenant>\0<subscription>` → the batch under way; one poll at a time. */
  private readonly work = new HeldWork<{ tenantId: string; subscriptionId: string; done: Promise<void> }>(
    () => this.claimDue(),
    (err) => {
      if (!isRedisUnavailable(err)) this.logger.warn(`event delivery poll failed: ${err.message}`);
    },
  );
  readonly stats: EventDeliveryStats = {
    requests: new Map(),
    eventsDelivered: 0,
    eventsDropped: 0,
    paused: 0,
    lagMsSum: 0,
  };

  constructor(
    private readonly log: EventLog,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly sender: AlertSender,
    private readonly alerting: AlertingService,
    private readonly directory: TenantDirectory,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    scheduler: SchedulerRegistry,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
  ) {
    this.options = options.events ?? DEFAULT_EVENTS;
    this.timer = new NamedInterval(scheduler, 'pulse-event-deliveries');
    this.sweepTimer = new NamedInterval(scheduler, 'pulse-event-sweep');
    const times = eventDeliveryTimes(this.options);
    // Configuration is validated (EVENTS_LEASE_MS); options built in code are held to the same rule.
    if (times.leaseMs <= times.minLeaseMs)
      throw new Error(
        `events lease ${times.leaseMs} ms must exceed ${times.minLeaseMs} ms (the delivery deadline and settle time)`,
      );
    this.leaseMs = times.leaseMs;
  }

  onApplicationBootstrap(): void {
    this.timer.start(this.options.pollMs, () => void this.poll());
    this.sweepTimer.start(SWEEP_INTERVAL_MS, () => void this.sweep());
  }

  /**
   * Marks every tenant whose tier has subscriptions due: a hint lost between an append and its
   * `ZADD` (a crash there) delays that tenant's events until this sweep, not until its next event.
   */
  async sweep(): Promise<void> {
    if (this.work.stopped) return;
    await this.log
      .markDue(this.directory.list('eventSubscriptions').map((t) => t.id))
      .catch((err: Error) => this.logger.warn(`events sweep failed: ${err.message}`));
  }

  /** Stops taking batches; those under way get EVENTS_SHUTDOWN_HANDOVER_MS, then their leases are released. */
  async beforeApplicationShutdown(): Promise<void> {
    this.work.stop();
    this.timer.stop();
    this.sweepTimer.stop();
    // Released (and the tenants marked due) so that another instance sends them at once, from the
    // cursor: a request the receiver took meanwhile is sent again, with the same event ids.
    await handOver(
      () => this.work.list(),
      EVENTS_SHUTDOWN_HANDOVER_MS,
      async (left) => {
        await Promise.allSettled(left.map((h) => this.subscriptions.release(h.tenantId, h.subscriptionId, this.token)));
        await this.log.markDue([...new Set(left.map((h) => h.tenantId))]);
      },
      1000,
      'event subscription batches',
      this.logger,
    );
  }

  /** Looks at what is due now (nothing starts while a poll runs or after shutdown began). */
  poll(): Promise<void> {
    return this.work.poll();
  }

  /** Batches this instance is sending now. */
  inFlight(): number {
    return this.work.inFlight();
  }

  /** Resolves when the batches under way have finished. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  private async claimDue(): Promise<void> {
    const due = this.log.keys.due();
    const tenants = await this.redis.zrangebyscore(due, '-inf', Date.now(), 'LIMIT', 0, TENANTS_PER_POLL);
    const share = fairShare(new Set([...this.work.perTenant().keys(), ...tenants]).size);
    for (const tenantId of tenants) {
      if (this.work.stopped || this.work.inFlight() >= MAX_IN_FLIGHT) return;
      // The hint is removed before the subscriptions are read: an append after this marks it
      // again, and whatever a look below leaves to do marks it again with its own time.
      await this.redis.zrem(due, tenantId);
      if (!this.directory.get(tenantId)) {
        // Not known here (yet: just created elsewhere; or disabled): looked at again later; erased: dropped.
        if ((await this.redis.exists(this.log.keys.shared.tenant(tenantId))) === 1)
          await this.markDueAt(tenantId, Date.now() + 5000);
        continue;
      }
      const subscriptions = await this.subscriptions.list(tenantId);
      let mine = this.work.perTenant().get(tenantId) ?? 0;
      for (const s of subscriptions) {
        const key = `${tenantId}\u0000${s.id}`;
        if (this.work.held.has(key)) continue; // its batch re-marks the tenant when it ends
        if (!mayStart(mine, share, this.work.inFlight())) {
          await this.log.markDue([tenantId]);
          break;
        }
        mine++;
        const done = this.look(tenantId, s)
          .then((next) => (next === null ? undefined : this.markDueAt(tenantId, next)))
          .catch((err: Error) => {
            this.logger.warn(`events of subscription ${s.id}: ${err.message}`);
            return this.markDueAt(tenantId, Date.now() + this.options.retryBaseMs).catch(() => undefined);
          })
          .finally(() => this.work.held.delete(key));
        this.work.held.set(key, { tenantId, subscriptionId: s.id, done });
      }
    }
  }

  private async markDueAt(tenantId: string, at: number): Promise<void> {
    await this.redis.zadd(this.log.keys.due(), 'LT', Math.round(at), tenantId);
  }

  /** One look at a subscription: maybe one batch sent. When to look again. */
  private async look(tenantId: string, listed: Subscription): Promise<Next> {
    const id = listed.id;
    // A first look (no lease taken for a paused or backing-off subscription) ...
    const before = await this.subscriptions.stateToSend(tenantId, id);
    // No state: deleted (or erased) since the list was read; nothing to send.
    if (!before || before.paused) return null;
    if (before.retryAt > Date.now()) return before.retryAt;
    const leasedAt = Date.now();
    if (!(await this.subscriptions.lease(tenantId, id, this.token, this.leaseMs))) return Date.now() + this.leaseMs;
    let released = false;
    try {
      // ... and the state that counts, read under the lease: another instance may have sent a
      // batch (moved the cursor), failed one (backoff) or been paused between the two.
      // The subscription as it is now, too (a PATCH may have changed its URL, types or filter).
      const [state, s] = await Promise.all([
        this.subscriptions.stateToSend(tenantId, id),
        this.subscriptions.find(tenantId, id),
      ]);
      const now = Date.now();
      if (!state || !s || state.paused || state.retryAt > now) {
        await this.subscriptions.release(tenantId, id, this.token);
        released = true;
        return !state || !s || state.paused ? null : state.retryAt;
      }
      const raw = await this.log.read(tenantId, state.cursor, this.options.batchMaxEvents);
      if (raw.length === 0) {
        await this.subscriptions.release(tenantId, id, this.token);
        released = true;
        return null;
      }
      const tenant = this.directory.get(tenantId);
      const allowed = new Set(tenant ? eventTypesOf(tenant.tier) : []);
      const wanted = new Set(s.types);
      const batch = raw.filter(
        (e) =>
          wanted.has(e.type) &&
          allowed.has(e.type) &&
          (s.clientFilter === null || e.clientId === null || matchesClientFilter(s.clientFilter, e.clientId)),
      );
      // A batch not full waits up to batchMaxWaitMs after its first event for more.
      const waitUntil = batch.length > 0 ? appendedAt(batch[0].id) + this.options.batchMaxWaitMs : 0;
      if (raw.length < this.options.batchMaxEvents && batch.length > 0 && waitUntil > now) {
        await this.subscriptions.release(tenantId, id, this.token);
        released = true;
        return waitUntil;
      }
      const last = raw[raw.length - 1];
      const dropped = Math.max(0, raw[0].sequence - state.sequence - 1);
      const to = { cursor: last.id, sequence: last.sequence, dropped };
      if (batch.length === 0) {
        // Nothing here for this subscription: the cursor moves past it without a request.
        released = true;
        await this.subscriptions.ack(tenantId, id, this.token, { ...to, delivered: 0 }, null);
        this.stats.eventsDropped += dropped;
        return now;
      }
      // The request gets what the lease has left past the backstop and the settle time (the
      // reads above were slow: less), never more than timeoutMs: the lease outlasts it.
      const timeoutMs = Math.min(
        this.options.timeoutMs,
        leasedAt + this.leaseMs - EVENT_LEASE_SETTLE_MS - EVENT_DELIVERY_BACKSTOP_MS - Date.now(),
      );
      if (timeoutMs < MIN_REQUEST_MS) return Date.now(); // released below: looked at again at once
      return await this.send(tenantId, s, state.failures, batch, to, timeoutMs).finally(() => (released = true));
    } finally {
      if (!released) await this.subscriptions.release(tenantId, id, this.token).catch(() => undefined);
    }
  }

  private async send(
    tenantId: string,
    s: Subscription,
    failures: number,
    events: PulseEvent[],
    to: { cursor: string; sequence: number; dropped: number },
    timeoutMs: number,
  ): Promise<Next> {
    const webhookId = `evb_${s.id}_${events[0].id}_${events[events.length - 1].id}`;
    const body: WebhookBatch = { subscriptionId: s.id, test: false, events };
    const deadline = timeoutMs + EVENT_DELIVERY_BACKSTOP_MS;
    const result: AttemptResult = await withTimeout(
      this.sender.sendSigned(s.url, s.secret, webhookId, JSON.stringify(body), timeoutMs),
      deadline,
      'event delivery',
    ).catch(() => ({
      ok: false,
      statusCode: null,
      latencyMs: deadline,
      error: 'timed out',
      retryAfter: null,
      retryable: true,
    }));
    const record: DeliveryRecord = {
      at: new Date().toISOString(),
      webhookId,
      outcome: result.ok ? 'delivered' : 'failed',
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      events: events.length,
      firstEventId: events[0].id,
      lastEventId: events[events.length - 1].id,
      error: result.error,
    };
    this.stats.requests.set(
      record.outcome as 'delivered' | 'failed',
      (this.stats.requests.get(record.outcome as 'delivered' | 'failed') ?? 0) + 1,
    );
    if (result.ok) {
      const kept = await this.subscriptions.ack(
        tenantId,
        s.id,
        this.token,
        { ...to, delivered: events.length },
        record,
      );
      if (!kept) this.logger.warn(`events of subscription ${s.id}: lease lost, sent again from the cursor`);
      this.stats.eventsDelivered += events.length;
      this.stats.eventsDropped += to.dropped;
      const sentAt = Date.now();
      for (const e of events) this.stats.lagMsSum += sentAt - appendedAt(e.id);
      return Date.now();
    }
    const delay = Math.min(
      retryDelayMs(failures + 1, this.options.retryBaseMs, result.retryAfter),
      this.options.retryMaxMs,
    );
    const retryAt = Date.now() + delay;
    const outcome = await this.subscriptions.fail(
      tenantId,
      s.id,
      this.token,
      retryAt,
      this.options.pauseAfterFailures,
      record,
    );
    if (outcome.paused) {
      this.stats.paused++;
      this.logger.warn(`event subscription ${s.id} of ${tenantId} paused after ${outcome.failures} failures in a row`);
      // The tenant's alert channels are told too (tiers with alerts); the notice is in the state either way.
      await this.alerting
        .onEventsPaused(tenantId, s.id, { at: record.at, failures: outcome.failures, lastError: record.error })
        .catch((err: Error) => this.logger.warn(`pause of ${s.id} not raised on the alert channels: ${err.message}`));
      return null;
    }
    return retryAt;
  }
}
