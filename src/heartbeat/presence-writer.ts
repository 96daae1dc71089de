import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ReplyError } from 'ioredis';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { redisReady } from '../redis/redis-errors.js';
import { minuteEpochOf } from '../common/time.js';
import { entitled } from '../common/entitlements.js';
import { endedBy, ShutdownClock } from '../common/shutdown-clock.js';
import type { Tier } from '../common/tiers.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { LATENCY_BUCKETS, latencyBucket, percentile } from '../common/latency-histogram.js';
import type { Heartbeat, RejectionReason } from './heartbeat-parser.js';
import { type Delivered, HeartbeatDeliveries, NOTHING_DELIVERED } from './heartbeat-deliveries.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import { PresenceEventsPublisher } from './presence-events.publisher.js';
import { ACTIVITY_CLIENTS_PER_CALL, PresenceRepository } from './presence.repository.js';
import { type Activity, ClientActivityBuffer, type TenantDayActivity } from './client-activity.js';
import { PresenceBuffer, type TenantBatch } from './presence-buffer.js';
import { NamedInterval } from '../jobs/named-interval.js';

/** Heartbeats wait at most this long in memory before their pipelined write. */
export const PRESENCE_FLUSH_INTERVAL_MS = 100;
export const DEFAULT_PRESENCE_BUFFER_LIMIT = 500_000;
/**
 * Heartbeats per Lua call: large enough to amortise the call (a tenant's heartbeats of a 100 ms
 * flush are one call up to this many), small enough to keep Redis responsive (a few ms a call).
 */
export const HEARTBEATS_PER_CALL = 500;
/**
 * Most heartbeats one run sends (oldest first; the rest wait for the next run): what Redis has to
 * do after a stall, and what Pulse holds in flight besides the buffer, stay bounded.
 */
export const DEFAULT_PRESENCE_FLUSH_LIMIT = 20_000;
const FLUSH_INTERVAL = 'pulse-presence-flush';
/**
 * How often the enterprise per-client figures added up in memory (client-day `s`/`r`/`e`/`on`, the
 * traffic ranking) are written: at 30 s heartbeats, ten heartbeats of a client per write. Also
 * what a SIGKILL can lose of them (a SIGTERM writes them).
 */
export const DEFAULT_CLIENT_ACTIVITY_FLUSH_MS = 300_000;

export interface PresenceWriterStats {
  written: number;
  /** Heartbeats replaced in the buffer by a newer one of the same client before being written. */
  superseded: number;
  failedWrites: number;
  /** Heartbeats of failed writes dropped instead of re-buffered: the buffer was full (presenceBufferLimit). */
  shed: number;
  /**
   * Delivered heartbeats (`pd_m`) of writes that timed out or lost their connection: Redis may have
   * applied them, so they are not sent again (never counted twice; at worst missing).
   */
  unconfirmedDeliveries: number;
  pending: number;
  transitions: number;
  /**
   * Clients' added-up behaviour figures (per tenant and day) whose write timed out or lost its
   * connection: not sent again (deltas), so at worst missing.
   */
  unconfirmedActivity: number;
  /**
   * Clients (per tenant and day) whose added-up behaviour figures are held in memory, not yet
   * written, and how long since the last write began (ms): what a SIGKILL now would lose.
   */
  activityHeld: number;
  activityHeldForMs: number;
  /** Receipt to acknowledged Redis write, since start (ms). */
  processingMs: { p50: number; p99: number };
}

/**
 * However much of the shutdown's shared bound (ShutdownClock) came before it, the final flush has
 * at least this long: one write of what is held, to a Redis that answers.
 */
export const FINAL_WRITE_FLOOR_MS = 1000;

/** The final flush gives the last heartbeats this long: a Redis that stopped answering must not hold the exit. */
const SHUTDOWN_FLUSH_DEADLINE_MS = 5000;

/**
 * Buffers the latest heartbeat per client and writes the buffer to Redis every 100 ms, one Lua
 * call per HEARTBEATS_PER_CALL clients of a tenant, pipelined, at most presenceFlushLimit
 * heartbeats per run (oldest first). While Redis is unreachable only the newest heartbeat of each
 * client is kept, at most presenceBufferLimit clients (failed writes re-buffered within it, the
 * rest shed and counted), and written on return: metrics are cumulative, so the deltas still add up. Transitions reported by Redis become presence events.
 *
 * It has no shutdown hook of its own: `HeartbeatSubscriber` calls `close()` once it has stopped
 * taking heartbeats, so nothing is buffered after the final flush.
 */
@Injectable()
export class PresenceWriter implements OnModuleInit {
  private readonly logger = new Logger(PresenceWriter.name);
  private readonly pending: PresenceBuffer;
  private running: Promise<void> | null = null;
  /** Set by each run: it wrote a full batch, all of it, and more is waiting. */
  private behind = false;
  private lastErrorLogAt = 0;
  /** Most heartbeats one run sends. */
  private readonly maxPerRun: number;
  private readonly stats = {
    written: 0,
    superseded: 0,
    failedWrites: 0,
    shed: 0,
    unconfirmedDeliveries: 0,
    unconfirmedActivity: 0,
    transitions: 0,
  };
  /** Enterprise per-client figures not yet written, and when they last were. */
  private readonly activity = new ClientActivityBuffer();
  private activityWrittenAt = Date.now();
  private readonly activityFlushMs: number;
  /** Most clients (per tenant and day) held before they are written early. */
  private readonly activityLimit: number;
  /** Set by close(): each run then writes the added-up figures too. */
  private closing = false;
  private readonly processing = new Uint32Array(LATENCY_BUCKETS);
  /** Heartbeats the server delivered per known tenant, not yet written (`pd_m`/`pd_b`). */
  private readonly deliveries = new HeartbeatDeliveries();

  private readonly flushTimer: NamedInterval;

  constructor(
    private readonly store: PresenceRepository,
    private readonly events: PresenceEventsPublisher,
    private readonly rejections: HeartbeatRejections,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly scheduler: SchedulerRegistry,
    private readonly directory: TenantDirectory,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Optional() private readonly clock: ShutdownClock = new ShutdownClock(),
  ) {
    this.flushTimer = new NamedInterval(this.scheduler, FLUSH_INTERVAL);
    this.pending = new PresenceBuffer(options.presenceBufferLimit ?? DEFAULT_PRESENCE_BUFFER_LIMIT);
    this.maxPerRun = Math.max(1, options.presenceFlushLimit ?? DEFAULT_PRESENCE_FLUSH_LIMIT);
    this.activityFlushMs = Math.max(0, options.clientActivityFlushMs ?? DEFAULT_CLIENT_ACTIVITY_FLUSH_MS);
    this.activityLimit = options.presenceBufferLimit ?? DEFAULT_PRESENCE_BUFFER_LIMIT;
  }

  onModuleInit(): void {
    this.flushTimer.start(PRESENCE_FLUSH_INTERVAL_MS, () => void this.flush());
  }

  /**
   * The final flush, once nothing enqueues any more: writes until the buffer is empty or
   * SHUTDOWN_FLUSH_DEADLINE_MS has passed, or the shutdown's bound (ShutdownClock); then it logs
   * what is left. A run already under way
   * took its batch earlier, so it is awaited first and what came since is written after it.
   */
  async close(): Promise<void> {
    this.flushTimer.stop();
    this.closing = true;
    // The shared bound may be spent by the drains and the tap's flush before this runs: the
    // heartbeats still get FINAL_WRITE_FLOOR_MS for at least one write (the process bound,
    // SHUTDOWN_DEADLINE_MS, is far beyond).
    const deadline = Math.max(this.clock.deadline(SHUTDOWN_FLUSH_DEADLINE_MS), Date.now() + FINAL_WRITE_FLOOR_MS);
    if (this.running) await endedBy(this.running, deadline);
    // A Redis not connected returns at once: the loop waits between runs, and ends at the deadline.
    while (Date.now() < deadline) {
      await endedBy(this.flush(), deadline);
      if (
        this.pending.size === 0 &&
        this.deliveries.isEmpty &&
        this.activity.size === 0 &&
        !this.rejections.hasPending &&
        !this.running
      )
        return;
      await delay(Math.min(PRESENCE_FLUSH_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    }
    const unanswered = this.running ? ' and a write Redis has not answered' : '';
    const rejected = this.rejections.hasPending ? ', tenants’ rejection counts' : '';
    this.logger.error(
      `shutting down with ${this.pending.size} heartbeat(s)${rejected} and ${this.activity.size} client(s)' behaviour figures not written to Redis${unanswered}`,
    );
  }

  /**
   * Buffers a heartbeat; false when it was shed because the buffer is full of other clients (a
   * storm of new client ids while Redis is slow or down). A known client's newer heartbeat always
   * replaces its older one, so real clients keep being seen.
   */
  enqueue(heartbeat: Heartbeat, receivedAt: number, tier: Tier): boolean {
    const added = this.pending.add(heartbeat, receivedAt, tier);
    if (added === 'shed') return false;
    if (added === 'superseded') this.stats.superseded++;
    return true;
  }

  /**
   * Counts one heartbeat the NATS server delivered on a known tenant's subject, accepted or not, and
   * its bytes as the server counts them (headers + payload): written with the next batch, to the
   * minute's and the totals' `pd_m`/`pd_b`. No I/O.
   */
  countDelivered(tenantId: string, bytes: number): void {
    this.deliveries.add(tenantId, bytes);
  }

  snapshot(): PresenceWriterStats {
    return {
      ...this.stats,
      pending: this.pending.size,
      activityHeld: this.activity.size,
      activityHeldForMs: Date.now() - this.activityWrittenAt,
      processingMs: { p50: percentile(this.processing, 0.5), p99: percentile(this.processing, 0.99) },
    };
  }

  /** Copy of the processing-time histogram (latency-histogram buckets), for per-interval figures. */
  processingHistogram(): Uint32Array {
    return this.processing.slice();
  }

  /**
   * Writes what is buffered; concurrent callers share the run in progress. A run that wrote a full
   * batch (presenceFlushLimit) without a failure leaves a backlog: the next run starts at once
   * (after the event loop's pending I/O) rather than at the next tick, so Redis is not left idle
   * while heartbeats wait. Runs stay one at a time, each bounded; a failing write waits for the tick.
   */
  flush(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.behind && !this.closing) setImmediate(() => void this.flush());
    });
    return this.running;
  }

  private async run(): Promise<void> {
    this.behind = false;
    if (!redisReady(this.redis)) return;
    const batches = this.pending.take(this.maxPerRun);
    let taken = 0;
    for (const b of batches) taken += b.entries.length;
    const rejections = this.rejections.takePending();
    const delivered = this.deliveries.take();
    const chunks = chunkByTenant(batches);
    // A tenant's deliveries ride on its first chunk's call; a tenant without one, on the rejections' write.
    const carried = chunks.map((c) => {
      const d = delivered.get(c.tenantId);
      delivered.delete(c.tenantId);
      return d ?? NOTHING_DELIVERED;
    });
    const [results] = await Promise.all([
      Promise.allSettled(
        chunks.map((c, i) =>
          this.store.applyHeartbeats(
            c.tenantId,
            c.entries,
            this.directory.retentionOf(c.tenantId),
            {
              // Per-client behaviour history is a tier feature; other tiers do not pay for it.
              enabled: entitled(c.tier, 'clientBehaviour'),
              heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
            },
            carried[i],
          ),
        ),
      ),
      this.writeRejections(rejections, delivered),
    ]);
    let failures = 0;
    let firstError = '';
    const writtenAt = Date.now();
    const retry: TenantBatch[] = [];
    results.forEach((result, i) => {
      const { entries } = chunks[i];
      if (result.status === 'rejected') {
        failures += entries.length;
        firstError ||= (result.reason as Error).message;
        // Delivery counts are deltas: sent again after a call Redis ran, they would count twice.
        if (possiblyApplied(result.reason)) this.stats.unconfirmedDeliveries += carried[i].messages;
        else this.deliveries.restore(chunks[i].tenantId, carried[i]);
        // The heartbeats go back whether or not Redis ran them: a heartbeat is the client's
        // cumulative state, and the script recognises one it already applied (same lastSeen and
        // client timestamp) and leaves everything as it is, so sending it again counts nothing
        // twice: `hb` counts it once; sent/received/errors and the client-day `s`/`r`/`e`/`on`
        // are differences from the stored state (0 the second time); `ss`/`rc` count a transition
        // the stored status no longer shows.
        retry.push(chunks[i]);
        return;
      }
      const { activity, day, refused } = result.value;
      // New clients beyond the tenant's client limit: not written, counted as rejected.
      for (const index of refused) {
        const { heartbeat } = entries[index];
        this.rejections.record(
          'client_limit',
          `tenant has MAX_CLIENTS_PER_TENANT clients: heartbeat of new client ${heartbeat.clientId} refused`,
          `_HEARTBEAT.tenant.${heartbeat.tenantId}.client.${heartbeat.clientId}`,
          heartbeat.tenantId,
        );
      }
      this.stats.written += entries.length - refused.length;
      for (const p of entries) this.processing[latencyBucket(Math.min(writtenAt - p.receivedAt, 299_999))]++;
      for (let a = 0; a + 4 < activity.length; a += 5)
        this.activity.addFrom(chunks[i].tenantId, day, entries[activity[a]].heartbeat.clientId, activity, a + 1);
      for (const { index, transition, previousStatus } of result.value.transitions) {
        const p = entries[index];
        this.stats.transitions++;
        this.events.publish({
          type: transition,
          tenantId: p.heartbeat.tenantId,
          clientId: p.heartbeat.clientId,
          status: p.heartbeat.status,
          previousStatus,
          at: new Date(p.receivedAt).toISOString(),
        });
      }
    });
    for (const failed of retry) this.stats.shed += this.pending.restore(failed);
    this.behind = failures === 0 && taken >= this.maxPerRun && this.pending.size > 0;
    if (
      this.closing ||
      this.activity.size >= this.activityLimit ||
      (this.activity.size > 0 && Date.now() - this.activityWrittenAt >= this.activityFlushMs)
    )
      await this.writeActivity();
    if (failures > 0) {
      this.stats.failedWrites += failures;
      if (Date.now() - this.lastErrorLogAt > 10_000) {
        this.lastErrorLogAt = Date.now();
        this.logger.warn(`${failures} heartbeat write(s) failed, kept for retry: ${firstError}`);
      }
    }
  }

  /**
   * Writes the added-up per-client figures, ACTIVITY_CLIENTS_PER_CALL clients a call. A call Redis
   * refused is put back for the next write; one that timed out or lost its connection may have
   * run, so its figures are dropped and counted (`unconfirmedActivity`), never added twice.
   */
  private async writeActivity(): Promise<void> {
    this.activityWrittenAt = Date.now();
    const parts: TenantDayActivity[] = [];
    for (const held of this.activity.take()) {
      let clients = new Map<string, Activity>();
      for (const [clientId, figures] of held.clients) {
        clients.set(clientId, figures);
        if (clients.size === ACTIVITY_CLIENTS_PER_CALL) {
          parts.push({ ...held, clients });
          clients = new Map();
        }
      }
      if (clients.size > 0) parts.push({ ...held, clients });
    }
    await Promise.all(
      parts.map(async (part) => {
        try {
          await this.store.addClientActivity(part, this.directory.retentionOf(part.tenantId));
        } catch (err) {
          if (possiblyApplied(err)) this.stats.unconfirmedActivity += part.clients.size;
          else this.activity.restore(part);
        }
      }),
    );
  }

  /**
   * The tenants' rejected heartbeats, with the deliveries no heartbeat call carried: one fenced
   * write per tenant. A write that fails is put back whole for the next run (only that tenant's:
   * the others' were written, and must not be counted twice).
   */
  private async writeRejections(
    pending: Map<string, Map<RejectionReason, number>>,
    delivered: Map<string, Delivered>,
  ): Promise<void> {
    const tenants = new Set([...pending.keys(), ...delivered.keys()]);
    if (tenants.size === 0) return;
    const minute = minuteEpochOf(Date.now());
    const failed = new Map<string, Map<RejectionReason, number>>();
    await Promise.all(
      [...tenants].map(async (tenantId) => {
        const byReason = pending.get(tenantId) ?? new Map<RejectionReason, number>();
        const d = delivered.get(tenantId) ?? NOTHING_DELIVERED;
        try {
          await this.store.addRejections(tenantId, minute, byReason, this.directory.retentionOf(tenantId), d);
        } catch (err) {
          // Counters are kept across an outage: put them back for the next run, unless Redis may
          // have applied them (deltas: sent again they would count twice).
          if (possiblyApplied(err)) {
            this.stats.unconfirmedDeliveries += d.messages;
            return;
          }
          failed.set(tenantId, byReason);
          this.deliveries.restore(tenantId, d);
        }
      }),
    );
    if (failed.size > 0) this.rejections.restore(failed);
  }
}

/** Each tenant's batch in chunks of HEARTBEATS_PER_CALL (one Redis slot, one Lua call each). */
function chunkByTenant(batches: TenantBatch[]): TenantBatch[] {
  const chunks: TenantBatch[] = [];
  for (const { tenantId, tier, entries } of batches) {
    if (entries.length <= HEARTBEATS_PER_CALL) chunks.push({ tenantId, tier, entries });
    else
      for (let i = 0; i < entries.length; i += HEARTBEATS_PER_CALL)
        chunks.push({ tenantId, tier, entries: entries.slice(i, i + HEARTBEATS_PER_CALL) });
  }
  return chunks;
}

/**
 * Whether Redis may have run a call that failed: only an error reply says it did not (the script
 * never started, or failed before its first write). A timeout (ioredis' commandTimeout rejects a
 * call Redis still has in its socket) or a lost connection leaves it open.
 */
function possiblyApplied(err: unknown): boolean {
  return !(err instanceof ReplyError);
}

/** Unreferenced: the connections, open until onApplicationShutdown, keep the process alive meanwhile. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
