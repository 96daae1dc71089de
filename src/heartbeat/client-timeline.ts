import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { endedBy, ShutdownClock } from '../common/shutdown-clock.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { PresenceStatus } from './heartbeat.dto.js';
import { type ConnectionEvent, PresenceEventsPublisher, type PresenceEvent } from './presence-events.publisher.js';

/** Entries one client's timeline keeps (the latest). */
export const CLIENT_TIMELINE_KEPT = 200;
/** Entries held between flushes, every tenant together; beyond, new ones are dropped and counted. */
const MAX_BUFFERED = 50_000;
/** Clients written per Lua call at most. */
export const CLIENTS_PER_CALL = 500;
const DEFAULT_FLUSH_MS = 1000;
/** The final flush's own deadline (within the shutdown's bound, ShutdownClock). */
const SHUTDOWN_FLUSH_MS = 2000;

/**
 * Appends each client's entries, while the tenant's record exists (the erasure fence) and only
 * for a client with a presence hash: a connection event names its client from the connection's
 * name alone, so a made-up name must not leave a key. KEYS[1]: the tenant record, then per client
 * its timeline and its presence hash. ARGV[1] the ttl, ARGV[2] the entries kept, then per client
 * its number of entries and the entries (oldest first). Replies the number of timelines written,
 * or false without the record.
 */
const APPEND_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ttl, kept = tonumber(ARGV[1]), tonumber(ARGV[2])
local written, a, k = 0, 3, 2
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  if redis.call('EXISTS', KEYS[k + 1]) == 1 then
    redis.call('LPUSH', KEYS[k], unpack(ARGV, a + 1, a + n))
    redis.call('LTRIM', KEYS[k], 0, kept - 1)
    redis.call('EXPIRE', KEYS[k], ttl)
    written = written + 1
  end
  a = a + n + 1
  k = k + 2
end
return written
`;

/** One entry of a client's timeline: a presence transition, or its NATS connection opening or closing. */
export interface TimelineEntry {
  type: 'online' | 'status_changed' | 'offline' | 'connected' | 'disconnected';
  status: PresenceStatus | null;
  previousStatus: PresenceStatus | null;
  at: string;
  server?: string;
  rttMs?: number | null;
  reason?: string | null;
}

/** A stretch of time the client was offline: from its offline transition to its next online one (null: still offline). */
export interface OfflinePeriod {
  from: string;
  to: string | null;
  seconds: number | null;
}

/** The offline periods in a timeline (newest first, as stored), newest first. */
export function offlinePeriods(newestFirst: readonly TimelineEntry[], now = Date.now()): OfflinePeriod[] {
  const periods: OfflinePeriod[] = [];
  let backOnline: string | null = null;
  for (const e of newestFirst) {
    if (e.type === 'online') backOnline = e.at;
    else if (e.type === 'offline') {
      const end = backOnline === null ? now : Date.parse(backOnline);
      periods.push({
        from: e.at,
        to: backOnline,
        seconds: backOnline === null ? null : (end - Date.parse(e.at)) / 1000,
      });
      backOnline = null;
    } else if (e.type === 'status_changed') backOnline = null;
  }
  return periods;
}

const isConnection = (e: PresenceEvent | ConnectionEvent): e is ConnectionEvent =>
  e.type === 'connected' || e.type === 'disconnected';

function entryOf(event: PresenceEvent | ConnectionEvent): TimelineEntry | null {
  if (isConnection(event)) {
    const c = event.connection as { server?: unknown; rttMs?: unknown; reason?: unknown };
    return {
      type: event.type,
      status: null,
      previousStatus: null,
      at: event.at,
      server: typeof c.server === 'string' ? c.server.slice(0, 128) : undefined,
      rttMs: typeof c.rttMs === 'number' ? c.rttMs : null,
      reason: typeof c.reason === 'string' ? c.reason.slice(0, 128) : null,
    };
  }
  return { type: event.type, status: event.status, previousStatus: event.previousStatus, at: event.at };
}

/**
 * Keeps each client's status timeline (README, Client and subject pages): the presence events
 * (online, status changed, offline) and its NATS connection's opening and closing, gathered from
 * PresenceEventsPublisher (no I/O there) and written every second, fenced on the tenant, into a
 * LIST per client capped at CLIENT_TIMELINE_KEPT that expires with the tenant's retention; only
 * for clients in the tenant's presence (APPEND_LUA), so connection names cannot add keys.
 *
 * Its final flush (`close`) comes after the presence writer's, whose last writes publish the last
 * transitions: HeartbeatSubscriber, which owns the heartbeat path's shutdown order, calls it. What
 * is added after it (a connection closing while the system connection drains) is written once more
 * in `onApplicationShutdown`, before Redis closes; past the deadline what is left is logged.
 */
@Injectable()
export class ClientTimeline implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClientTimeline.name);
  private buffered = new Map<string, Map<string, TimelineEntry[]>>();
  private count = 0;
  private dropped = 0;
  private readonly timer: NamedInterval;
  private passes: Promise<void> = Promise.resolve();
  /** Entries a pass took and has not yet written or given up on. */
  private inFlight = 0;
  private closed = false;
  private afterClose = 0;
  private readonly append: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly directory: TenantDirectory,
    events: PresenceEventsPublisher,
    scheduler: SchedulerRegistry,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Optional() private readonly clock: ShutdownClock = new ShutdownClock(),
  ) {
    this.append = defineScripts(redis, { pulseTimelineAppend: APPEND_LUA }).pulseTimelineAppend;
    this.timer = new NamedInterval(scheduler, 'client-timeline-flush');
    events.subscribe((event) => this.add(event));
  }

  onModuleInit(): void {
    this.timer.start(
      Math.min(DEFAULT_FLUSH_MS, this.options.flushIntervalMs ?? DEFAULT_FLUSH_MS),
      () => void this.flush(),
    );
  }

  /**
   * The final flush, after the presence writer's (HeartbeatSubscriber calls it): writes what was
   * gathered until SHUTDOWN_FLUSH_MS or the shutdown's bound, then logs what is left.
   */
  async close(): Promise<void> {
    this.timer.stop();
    await this.finalFlush();
  }

  /** What was added since `close` (connection events while NATS drains), before Redis closes. */
  async onApplicationShutdown(): Promise<void> {
    this.timer.stop();
    if (this.count > 0) await this.finalFlush();
    this.closed = true;
  }

  private async finalFlush(): Promise<void> {
    const deadline = this.clock.deadline(SHUTDOWN_FLUSH_MS);
    const done = await endedBy(this.flush(), deadline);
    if (!done && this.count + this.inFlight > 0) {
      this.logger.error(
        `shutting down with ${this.count + this.inFlight} client timeline entries not written to Redis (deadline)`,
      );
    }
  }

  private add(event: PresenceEvent | ConnectionEvent): void {
    if (!event.clientId) return;
    const entry = entryOf(event);
    if (!entry) return;
    if (this.closed) {
      // After the last flush: nothing would write it. Said once; the process is about to exit.
      if (this.afterClose++ === 0) this.logger.warn('client timeline entries after the final flush are not written');
      return;
    }
    if (this.count >= MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    let clients = this.buffered.get(event.tenantId);
    if (!clients) this.buffered.set(event.tenantId, (clients = new Map<string, TimelineEntry[]>()));
    const list = clients.get(event.clientId);
    if (list) list.push(entry);
    else clients.set(event.clientId, [entry]);
    this.count++;
  }

  /** Writes what was gathered up to this call (passes run one after another). */
  flush(): Promise<void> {
    const pass = this.passes.then(() => this.write());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async write(): Promise<void> {
    const gathered = this.buffered;
    this.buffered = new Map();
    this.inFlight += this.count;
    this.count = 0;
    if (this.dropped > 0) {
      this.logger.warn(`${this.dropped} client timeline entries dropped (more than ${MAX_BUFFERED} between flushes)`);
      this.dropped = 0;
    }
    for (const [tenantId, clients] of gathered) {
      const ttl = this.directory.retentionOf(tenantId).clientSeconds;
      const all = [...clients];
      // One call per CLIENTS_PER_CALL clients: a tenant's 100,000 clients coming online at once are
      // 200 short calls, not one that holds Redis while it runs.
      for (let at = 0; at < all.length; at += CLIENTS_PER_CALL) {
        const keyList = [this.keys.tenant(tenantId)];
        const args: (string | number)[] = [ttl, CLIENT_TIMELINE_KEPT];
        let taken = 0;
        for (const [clientId, entries] of all.slice(at, at + CLIENTS_PER_CALL)) {
          taken += entries.length;
          const kept = entries.slice(-CLIENT_TIMELINE_KEPT);
          keyList.push(this.keys.clientTimeline(tenantId, clientId), this.keys.client(tenantId, clientId));
          args.push(kept.length, ...kept.map((e) => JSON.stringify(e)));
        }
        try {
          await this.append(keyList, args);
        } catch (err) {
          this.logger.warn(`client timeline of ${tenantId} not written: ${(err as Error).message}`);
        } finally {
          this.inFlight -= taken;
        }
      }
    }
  }

  /** One client's timeline, newest first, within `sinceMs` (the tier's history). */
  async read(tenantId: string, clientId: string, sinceMs: number): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.keys.clientTimeline(tenantId, clientId), 0, CLIENT_TIMELINE_KEPT - 1);
    const entries: TimelineEntry[] = [];
    for (const r of raw) {
      try {
        const e = JSON.parse(r) as TimelineEntry;
        if (Date.parse(e.at) >= sinceMs) entries.push(e);
      } catch {
        // not one of ours: skipped
      }
    }
    return entries;
  }
}
