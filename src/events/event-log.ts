import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AnomalyEvents } from '../anomalies/anomaly-events.js';
import { entitled, TIER_LIMITS } from '../common/entitlements.js';
import { ShutdownClock } from '../common/shutdown-clock.js';
import { DEFAULT_EVENTS, type EventsOptions, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceEventsPublisher } from '../heartbeat/presence-events.publisher.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { redisReady } from '../redis/redis-errors.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { LimitEvents } from '../usage/limit-events.js';
import { EventKeys } from './event-keys.js';
import { fromAnomaly, fromLimit, fromPresence, type NewEvent, type PulseEvent } from './event.js';

/**
 * Events buffered for the next flush at most (every tenant together), and per tenant: a tenant
 * past its own bound loses its own events only. Past the total, a tenant still under its fair
 * share (the total over the tenants buffering) is kept up to twice the total, a hard bound. What
 * is dropped is counted per tenant and written as a gap in the tenant's sequence at its next
 * append: every subscription counts it in its `dropped`, as it counts what the backlog trimmed.
 */
export const MAX_BUFFERED_EVENTS = 100_000;
export const MAX_BUFFERED_EVENTS_PER_TENANT = 10_000;
/** Events per append call at most (a call is one Redis command: kept short). */
export const EVENTS_PER_CALL = 500;
/** Marks of events appended once only kept per tenant: far more than a pass hands out again. */
export const ONCE_MARKS_KEPT = 1000;
/** The final flush gives the last events this long (a Redis that stopped answering must not hold the exit). */
const SHUTDOWN_FLUSH_MS = 6000;
/** The final flush ends once nothing was appended for this long (the presence writer's own final flush is done). */
const SHUTDOWN_QUIET_MS = 500;

/**
 * Appends `(type, client, at, data)` quadruples to the tenant's stream while its record exists and
 * it has a subscription. Keys: tenant record, subscriptions, stream, sequence. ARGV: MAXLEN,
 * MINID (ms), then the quadruples. Returns {appended (-1: no tenant), subscriptions}.
 */
const APPEND_BODY = `
local subs = redis.call('HLEN', KEYS[2])
if subs == 0 then return {0, 0} end
local n = 0
for i = FIRST, #ARGV, 4 do
  local seq = redis.call('INCR', KEYS[4])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[1], '*', 't', ARGV[i], 'c', ARGV[i + 1], 'a', ARGV[i + 2], 's', seq, 'd', ARGV[i + 3])
  n = n + 1
end
redis.call('XTRIM', KEYS[3], 'MINID', '~', ARGV[2])
return {n, subs}`;

/**
 * As APPEND_BODY, once per chunk: KEYS[5] the chunk's token key, ARGV[3] how long it is kept (ms),
 * ARGV[4] events dropped before Redis since the last append (the sequence skips them first).
 * {-2, 0} when the chunk was written before (a call that timed out in Pulse but ran in Redis).
 */
const APPEND_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
if not redis.call('SET', KEYS[5], 1, 'NX', 'PX', ARGV[3]) then return {-2, 0} end
if tonumber(ARGV[4]) > 0 and redis.call('HLEN', KEYS[2]) > 0 then redis.call('INCRBY', KEYS[4], ARGV[4]) end
${APPEND_BODY.replace('FIRST', '5')}`;

/** Events written in one call, under a token fixed when the chunk was formed (kept across retries). */
interface Chunk {
  token: string;
  events: NewEvent[];
}

/**
 * How long a chunk's token is kept: a chunk is sent again at the next flush once Redis answers
 * (100 ms), far sooner. Not the tier's retention: a busy tenant forms ten chunks a second.
 */
const CHUNK_TOKEN_MS = 600_000;

/** As APPEND_LUA, once per mark: KEYS[5] the marks (ZSET), ARGV[3] the mark, ARGV[4] how many are kept. */
const APPEND_ONCE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
if redis.call('ZSCORE', KEYS[5], ARGV[3]) then return {0, 0} end
local clock = redis.call('TIME')
redis.call('ZADD', KEYS[5], tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000), ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[4]) - 1)
${APPEND_BODY.replace('FIRST', '5')}`;

export interface EventLogStats {
  appended: number;
  /** Dropped before Redis: the buffer was full (MAX_BUFFERED_EVENTS). */
  dropped: number;
  failedWrites: number;
  buffered: number;
}

/** A stream entry's fields as ioredis answers them, as an event. */
export function eventOf(tenantId: string, id: string, fields: string[]): PulseEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
  return {
    id,
    type: f.get('t') as PulseEvent['type'],
    tenantId,
    clientId: f.get('c') || null,
    at: f.get('a') ?? '',
    sequence: Number(f.get('s') ?? 0),
    data: JSON.parse(f.get('d') ?? '{}') as Record<string, unknown>,
  };
}

/**
 * The tenants' event log (issue #38): one Redis stream per tenant, the source of every
 * subscription's deliveries and replays. Presence transitions and connection events arrive
 * through PresenceEventsPublisher (after the presence writer's or the NATS events' own batched
 * write), are buffered here without I/O and written every flush interval, one Lua call per tenant,
 * all in one pipeline; anomalies and limit crossings (outboxes that may hand the same change out
 * again) are appended at once, once per change. Only tenants whose tier has subscriptions and
 * that have one are appended to.
 */
@Injectable()
export class EventLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventLog.name);
  readonly keys: EventKeys;
  private readonly options: EventsOptions;
  private readonly scripts: Record<'pulseEventsAppend' | 'pulseEventsAppendOnce', LuaScript>;
  private readonly timer: NamedInterval;
  private pending = new Map<string, NewEvent[]>();
  /** Chunks whose call failed (it may have run): sent again as they are, ahead of `pending`. */
  private retry = new Map<string, Chunk[]>();
  private size = 0;
  /** Events buffered per tenant (pending and kept for a retry). */
  private readonly sizes = new Map<string, number>();
  /** Events dropped per tenant, not yet written as a gap in its sequence. */
  private readonly lost = new Map<string, number>();
  private running: Promise<void> | null = null;
  private lastAppendAt = 0;
  private readonly stats = { appended: 0, dropped: 0, failedWrites: 0 };
  /** Tenants whose due hint failed to be set. */
  private readonly unhinted = new Set<string>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly directory: TenantDirectory,
    scheduler: SchedulerRegistry,
    presence: PresenceEventsPublisher,
    anomalies: AnomalyEvents,
    limits: LimitEvents,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() private readonly clock: ShutdownClock = new ShutdownClock(),
  ) {
    this.keys = new EventKeys(options.redis.keyPrefix);
    this.options = options.events ?? DEFAULT_EVENTS;
    this.timer = new NamedInterval(scheduler, 'pulse-events-flush');
    this.scripts = defineScripts(redis, {
      pulseEventsAppend: { lua: APPEND_LUA, keys: 5 },
      pulseEventsAppendOnce: { lua: APPEND_ONCE_LUA, keys: 5 },
    });
    presence.subscribe((e) => this.append(fromPresence(e)));
    anomalies.subscribe({
      changed: (tenantId, event, a) => this.appendOnce(`anomaly:${a.id}:${event}`, fromAnomaly(tenantId, event, a)),
    });
    limits.subscribe({ crossed: (c) => this.appendOnce(`limit:${c.id}:${c.event}`, fromLimit(c)) });
  }

  onApplicationBootstrap(): void {
    this.timer.start(this.options.flushIntervalMs, () => void this.flush());
  }

  /**
   * The final flush, in `onApplicationShutdown`: after the presence writer's final flush has
   * published its last transitions (HeartbeatSubscriber, `beforeApplicationShutdown`) and after the
   * tap's and the heartbeats' flushes, which matter more and so come first; before Redis closes
   * (RedisModule, a global module's hook, runs last). Writes until nothing was appended for
   * SHUTDOWN_QUIET_MS and the buffer is empty, or SHUTDOWN_FLUSH_MS has passed, or the shutdown's
   * bound (ShutdownClock).
   */
  async onApplicationShutdown(): Promise<void> {
    this.timer.stop();
    const deadline = this.clock.deadline(SHUTDOWN_FLUSH_MS);
    this.lastAppendAt = Math.max(this.lastAppendAt, Date.now());
    while (Date.now() < deadline) {
      await Promise.race([this.flush(), delay(Math.max(0, deadline - Date.now()))]);
      if (this.size === 0 && !this.running && Date.now() - this.lastAppendAt >= SHUTDOWN_QUIET_MS) return;
      await delay(Math.min(this.options.flushIntervalMs, Math.max(0, deadline - Date.now())));
    }
    if (this.size > 0) this.logger.error(`shutting down with ${this.size} event(s) not written to Redis`);
  }

  /** Buffers an event for the next flush (no I/O); tenants whose tier has no subscriptions are skipped. */
  append(event: NewEvent): void {
    const tenant = this.directory.get(event.tenantId);
    if (!tenant || !entitled(tenant.tier, 'eventSubscriptions')) return;
    const held = this.sizes.get(event.tenantId) ?? 0;
    if (!this.hasRoom(held)) {
      this.stats.dropped++;
      this.lost.set(event.tenantId, (this.lost.get(event.tenantId) ?? 0) + 1);
      return;
    }
    let list = this.pending.get(event.tenantId);
    if (!list) this.pending.set(event.tenantId, (list = []));
    list.push(event);
    this.size++;
    this.sizes.set(event.tenantId, held + 1);
    this.lastAppendAt = Date.now();
  }

  /** Whether a tenant holding `held` buffered events may buffer one more (MAX_BUFFERED_EVENTS). */
  private hasRoom(held: number): boolean {
    if (held >= MAX_BUFFERED_EVENTS_PER_TENANT) return false;
    if (this.size < MAX_BUFFERED_EVENTS) return true;
    return this.size < 2 * MAX_BUFFERED_EVENTS && held < MAX_BUFFERED_EVENTS / Math.max(1, this.sizes.size);
  }

  /** Appends the event now, unless an event of the same mark was appended before (a repeat of the same change). */
  async appendOnce(mark: string, event: NewEvent): Promise<void> {
    const tenant = this.directory.get(event.tenantId);
    if (!tenant || !entitled(tenant.tier, 'eventSubscriptions')) return;
    const [appended, subscriptions] = (await this.scripts.pulseEventsAppendOnce(
      [...this.appendKeys(event.tenantId), this.keys.once(event.tenantId)],
      [...this.trimArgs(event.tenantId), mark, ONCE_MARKS_KEPT, ...fieldsOf(event)],
    )) as [number, number];
    if (appended > 0) {
      this.stats.appended += appended;
      if (subscriptions > 0) await this.markDue([event.tenantId]);
    }
  }

  /** Writes what is buffered; concurrent callers share the run in progress. */
  flush(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  snapshot(): EventLogStats {
    return { ...this.stats, buffered: this.size };
  }

  /** Up to `count` of the tenant's events after `afterId` (exclusive; '-' from the oldest kept), oldest first. */
  async read(tenantId: string, afterId: string, count: number): Promise<PulseEvent[]> {
    const start = afterId === '-' || afterId === '0-0' ? '-' : `(${afterId}`;
    const entries = (await this.redis.xrange(this.keys.stream(tenantId), start, '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
    return entries.map(([id, fields]) => eventOf(tenantId, id, fields));
  }

  /** Up to `count` of the tenant's events from `fromMs` on (inclusive), oldest first. */
  async readFrom(tenantId: string, fromMs: number, count: number): Promise<PulseEvent[]> {
    const entries = (await this.redis.xrange(this.keys.stream(tenantId), String(fromMs), '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
    return entries.map(([id, fields]) => eventOf(tenantId, id, fields));
  }

  /** The id and sequence of the tenant's newest event, or null when its stream is empty. */
  async newest(tenantId: string): Promise<{ id: string; sequence: number } | null> {
    const [entry] = (await this.redis.xrevrange(this.keys.stream(tenantId), '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return entry ? { id: entry[0], sequence: eventOf(tenantId, entry[0], entry[1]).sequence } : null;
  }

  /** Marks the tenants' subscriptions as having work now (the delivery workers' hint). */
  async markDue(tenantIds: string[]): Promise<void> {
    if (tenantIds.length === 0) return;
    const now = Date.now();
    await this.redis.zadd(this.keys.due(), 'LT', ...tenantIds.flatMap((t) => [now, t]));
  }

  private appendKeys(tenantId: string): string[] {
    return [
      this.keys.shared.tenant(tenantId),
      this.keys.subscriptions(tenantId),
      this.keys.stream(tenantId),
      this.keys.sequence(tenantId),
    ];
  }

  /** MAXLEN and MINID: the backlog bound and the tenant's tier's retention. */
  private trimArgs(tenantId: string): [number, number] {
    const tier = this.directory.get(tenantId)?.tier ?? 'basic';
    return [this.options.backlogMax, Math.max(0, Date.now() - TIER_LIMITS[tier].eventRetentionHours * 3_600_000)];
  }

  private async run(): Promise<void> {
    if ((this.size === 0 && this.unhinted.size === 0) || !redisReady(this.redis)) return;
    const batch = this.pending;
    const retry = this.retry;
    this.pending = new Map();
    this.retry = new Map();
    this.size = 0;
    this.sizes.clear();
    const tenants = new Set([...retry.keys(), ...batch.keys()]);
    const due: string[] = [];
    // Each tenant's calls in order, the tenants' issued together (auto-pipelined: one round trip
    // for most flushes). A call holds at most EVENTS_PER_CALL events (a burst of transitions is
    // never one huge command); a tenant without a subscription stops after its first call.
    await Promise.all(
      [...tenants].map(async (tenantId) => {
        const chunks = [...(retry.get(tenantId) ?? []), ...chunksOf(batch.get(tenantId) ?? [])];
        let at = 0;
        try {
          for (; at < chunks.length; at++) {
            const chunk = chunks[at];
            // The events dropped before this flush go with the first chunk, as a gap before it.
            const lost = this.lost.get(tenantId) ?? 0;
            this.lost.delete(tenantId);
            const [appended, subscriptions] = (await this.scripts
              .pulseEventsAppend(
                [...this.appendKeys(tenantId), this.keys.chunk(tenantId, chunk.token)],
                [...this.trimArgs(tenantId), CHUNK_TOKEN_MS, lost, ...chunk.events.flatMap(fieldsOf)],
              )
              .catch((err: Error) => {
                this.lost.set(tenantId, (this.lost.get(tenantId) ?? 0) + lost);
                throw err;
              })) as [number, number];
            if (appended === -2) continue; // written by a call that timed out here
            if (appended <= 0) break; // no subscription (or no tenant): the rest would not be kept either
            this.stats.appended += appended;
            if (subscriptions > 0 && !due.includes(tenantId)) due.push(tenantId);
          }
        } catch (err) {
          // The chunks not written (or maybe written: their tokens tell) are kept as they are for
          // the next flush, ahead of what came since (per-client order), within the bound.
          const rest = chunks.slice(at);
          const count = rest.reduce((n, c) => n + c.events.length, 0);
          this.stats.failedWrites += count;
          let room = Math.max(
            0,
            Math.min(MAX_BUFFERED_EVENTS - this.size, MAX_BUFFERED_EVENTS_PER_TENANT - (this.sizes.get(tenantId) ?? 0)),
          );
          const kept: Chunk[] = [];
          for (let i = rest.length - 1; i >= 0 && rest[i].events.length <= room; i--) {
            kept.unshift(rest[i]);
            room -= rest[i].events.length;
          }
          const keptCount = kept.reduce((n, c) => n + c.events.length, 0);
          this.stats.dropped += count - keptCount;
          if (count > keptCount) this.lost.set(tenantId, (this.lost.get(tenantId) ?? 0) + count - keptCount);
          this.retry.set(tenantId, kept);
          this.size += keptCount;
          this.sizes.set(tenantId, (this.sizes.get(tenantId) ?? 0) + keptCount);
          this.logger.warn(`events of ${tenantId} not written, kept for the next flush: ${(err as Error).message}`);
        }
      }),
    );
    // A hint not set is set with the next flush (and the workers' sweep finds the tenant anyway).
    const hinted = [...new Set([...this.unhinted, ...due])];
    this.unhinted.clear();
    await this.markDue(hinted).catch((err: Error) => {
      for (const t of hinted) this.unhinted.add(t);
      this.logger.warn(`events due hint not set, kept for the next flush: ${err.message}`);
    });
  }
}

/** The events in calls of at most EVENTS_PER_CALL, each with its token. */
function chunksOf(events: NewEvent[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = 0; at < events.length; at += EVENTS_PER_CALL)
    chunks.push({ token: randomBytes(12).toString('base64url'), events: events.slice(at, at + EVENTS_PER_CALL) });
  return chunks;
}

function fieldsOf(e: NewEvent): string[] {
  return [e.type, e.clientId ?? '', e.at, JSON.stringify(e.data)];
}

/** Unreferenced: the connections keep the process alive meanwhile. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
