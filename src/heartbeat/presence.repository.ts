import { Inject, Injectable, Optional } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { dayDataLate, hotSecondsOf } from '../history/history-tiers.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { dayOf, minuteEpochOf } from '../common/time.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HistoryKeys } from '../history/history-keys.js';
import { COUNTER_FIELDS as F, rejectionField } from '../history/counter-schema.js';
import { type FencedCommand, TenantFence } from '../redis/tenant-fence.js';
import type { Retention } from '../common/retention.js';
import type { PresenceStatus } from './heartbeat.dto.js';
import type { Heartbeat } from './heartbeat-parser.js';
import { type Delivered, NOTHING_DELIVERED } from './heartbeat-deliveries.js';
import type { TenantDayActivity } from './client-activity.js';
import {
  CLIENT_ACTIVITY_LUA,
  CLIENT_LIMIT_REFUSAL,
  CLIENT_ROWS_LUA,
  FORGET_CLIENTS_LUA,
  HEARTBEATS_LUA,
  MARK_OFFLINE_LUA,
} from './presence-scripts.js';

/** Clients per CLIENT_ACTIVITY_LUA call (six arguments and five commands each). */
export const ACTIVITY_CLIENTS_PER_CALL = 500;

export const PRESENCE_STATUSES = ['healthy', 'degraded', 'unhealthy', 'offline'] as const;

/** Most distinct clients a tenant may have (MAX_CLIENTS_PER_TENANT): new ones beyond are refused. */
export const DEFAULT_MAX_CLIENTS_PER_TENANT = 100_000;

/** Per-client behaviour history (enterprise analytics): on or off, and the offline timeout. */
export interface ClientTracking {
  enabled: boolean;
  heartbeatTimeoutMs: number;
}
const NO_TRACKING: ClientTracking = { enabled: false, heartbeatTimeoutMs: 0 };

/** A heartbeat of a batch that changed its client's presence (an event to publish). */
export interface HeartbeatTransition {
  /** Its position in the batch. */
  index: number;
  transition: 'online' | 'status_changed';
  previousStatus: PresenceStatus | null;
}

/** What a batch did: nothing when the tenant is gone, else the transitions it made. */
export interface HeartbeatsApplied {
  gone: boolean;
  transitions: HeartbeatTransition[];
  /**
   * Positions in the batch of heartbeats refused: new clients of a tenant at its client limit
   * (MAX_CLIENTS_PER_TENANT), not written.
   */
  refused: number[];
  /** The UTC day the batch's client figures belong to. */
  day: string;
  /**
   * Tracked only: five integers per heartbeat applied: its position in the batch, the sent,
   * received and error deltas and the seconds online it adds (for `addClientActivity`).
   */
  activity: number[];
}

export interface PresenceSummary {
  online: number;
  healthy: number;
  degraded: number;
  unhealthy: number;
  offline: number;
  total: number;
}

export interface ClientPresence {
  clientId: string;
  status: PresenceStatus;
  online: boolean;
  lastSeen: string | null;
  connectedSince: string | null;
  metrics: { messagesSent: number; messagesReceived: number; errors: number; uptimeSeconds: number };
}

const CLIENT_FIELDS = ['status', 'lastSeen', 'connectedSince', 'sent', 'received', 'errors', 'uptime'] as const;

/** Client presence in Redis: one hash per client, sorted sets by last seen and by status. */
@Injectable()
export class PresenceRepository {
  private readonly scripts: Record<
    'pulseHeartbeats' | 'pulseMarkOffline' | 'pulseForgetClients' | 'pulseClientRows' | 'pulseClientActivity',
    LuaScript
  >;

  /** The cold store's hot window (s), 0 without one: a day's client data is archived then. */
  private readonly hotSeconds: number;

  /** Where the history counters and client days this repository writes live. */
  private readonly history: HistoryKeys;

  /** Most distinct clients per tenant (its client index); a new client beyond is refused. */
  private readonly maxClients: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly fence: TenantFence,
    @Optional() @Inject(PULSE_OPTIONS) options: PulseOptions | null = null,
  ) {
    this.history = new HistoryKeys(keys.prefix);
    this.hotSeconds = hotSecondsOf(options);
    this.maxClients = options?.maxClientsPerTenant ?? DEFAULT_MAX_CLIENTS_PER_TENANT;
    this.scripts = defineScripts(redis, {
      pulseHeartbeats: HEARTBEATS_LUA,
      pulseMarkOffline: MARK_OFFLINE_LUA,
      pulseForgetClients: FORGET_CLIENTS_LUA,
      pulseClientRows: CLIENT_ROWS_LUA,
      pulseClientActivity: { lua: CLIENT_ACTIVITY_LUA, keys: 3 },
    });
  }

  private statusKeys(tenantId: string): string[] {
    return PRESENCE_STATUSES.map((s) => this.keys.clientsInStatus(tenantId, s));
  }

  /**
   * Applies heartbeats of one tenant (at most one per client) in one Lua call; returns the
   * transitions they made and the heartbeats refused (new clients beyond the tenant's client
   * limit), by position in `batch`. `delivered`: the tenant's heartbeats the server delivered to this
   * instance since the last write (`pd_m`/`pd_b` of the minute and the totals, in the same call).
   */
  async applyHeartbeats(
    tenantId: string,
    batch: { heartbeat: Heartbeat; receivedAt: number }[],
    retention: Retention,
    tracking: ClientTracking = NO_TRACKING,
    delivered: Delivered = NOTHING_DELIVERED,
  ): Promise<HeartbeatsApplied> {
    if (batch.length === 0) return { gone: false, transitions: [], refused: [], day: dayOf(Date.now()), activity: [] };
    const k = this.keys;
    let latest = 0;
    for (const b of batch) if (b.receivedAt > latest) latest = b.receivedAt;
    const minute = minuteEpochOf(latest);
    // Heartbeats held past the archive of their day's client data (a long Redis outage) count
    // for the day they are written: the archived day's keys would never be read again.
    const now = Date.now();
    const day = dayDataLate(dayOf(latest), now / 1000, this.hotSeconds) ? dayOf(now) : dayOf(latest);
    const keys = [
      k.onlineClients(tenantId),
      k.clientsBySeen(tenantId),
      k.clientIndex(tenantId),
      ...this.statusKeys(tenantId),
      this.history.minute(tenantId, minute),
      k.tenant(tenantId),
      this.history.clientDay(tenantId, day),
      this.history.totals(tenantId),
      this.history.clientTraffic(tenantId, day),
      this.history.clientsSeenDay(tenantId, day),
    ];
    const args: (string | number)[] = [
      retention.clientSeconds,
      retention.minuteSeconds,
      tracking.enabled ? 1 : 0,
      retention.daySeconds,
      tracking.heartbeatTimeoutMs,
      delivered.messages,
      delivered.bytes,
      this.maxClients,
    ];
    for (const { heartbeat: hb, receivedAt } of batch) {
      keys.push(k.client(tenantId, hb.clientId));
      args.push(hb.clientId, receivedAt, hb.status, hb.sent, hb.received, hb.errors, hb.uptimeSeconds, hb.timestamp);
    }
    const flat = (await this.scripts.pulseHeartbeats(keys, args)) as (string | number)[];
    const transitions: HeartbeatTransition[] = [];
    const refused: number[] = [];
    if (flat[0] === 'gone') return { gone: true, transitions, refused, day, activity: [] };
    const end = 2 + 3 * Number(flat[1]);
    for (let i = 2; i + 2 < end; i += 3) {
      if (flat[i + 1] === CLIENT_LIMIT_REFUSAL) {
        refused.push(Number(flat[i]) - 1);
        continue;
      }
      transitions.push({
        index: Number(flat[i]) - 1,
        transition: flat[i + 1] as HeartbeatTransition['transition'],
        previousStatus: flat[i + 2] ? (flat[i + 2] as PresenceStatus) : null,
      });
    }
    const activity = flat.length > end ? (flat.slice(end) as number[]) : [];
    for (let i = 0; i < activity.length; i += 5) activity[i] -= 1;
    return { gone: false, transitions, refused, day, activity };
  }

  /**
   * Writes a tenant's added-up client figures of one day (client-day `s`/`r`/`e`/`on`, traffic
   * zset) in one call (the caller gives at most ACTIVITY_CLIENTS_PER_CALL clients). A day whose client data is
   * archived by now goes to today's keys, as late heartbeats do. Nothing when the tenant is gone.
   */
  async addClientActivity({ tenantId, day, clients }: TenantDayActivity, retention: Retention): Promise<void> {
    const now = Date.now();
    const into = dayDataLate(day, now / 1000, this.hotSeconds) ? dayOf(now) : day;
    const keys = [
      this.keys.tenant(tenantId),
      this.history.clientDay(tenantId, into),
      this.history.clientTraffic(tenantId, into),
    ];
    const args: string[] = [String(retention.daySeconds)];
    for (const [clientId, [sent, received, errors, online]] of clients)
      args.push(clientId, String(sent), String(received), String(errors), String(online), String(sent + received));
    await this.scripts.pulseClientActivity(keys, args);
  }

  /**
   * Marks offline up to `limit` online clients whose last heartbeat is at or before `cutoff`,
   * found and marked in one call; returns [clientId, previousStatus] pairs (fewer than `limit`:
   * none is left).
   */
  async markExpired(
    tenantId: string,
    cutoff: number,
    now: number,
    limit: number,
    retention: Retention,
    tracking: ClientTracking = NO_TRACKING,
  ): Promise<[string, PresenceStatus | null][]> {
    const k = this.keys;
    const keys = [
      k.onlineClients(tenantId),
      ...this.statusKeys(tenantId),
      this.history.clientDay(tenantId, dayOf(now)),
      this.history.offlineDay(tenantId, dayOf(now)),
      k.client(tenantId, ''),
    ];
    const flat = (await this.scripts.pulseMarkOffline(keys, [
      cutoff,
      now,
      retention.clientSeconds,
      tracking.enabled ? 1 : 0,
      retention.daySeconds,
      limit,
    ])) as string[];
    const pairs: [string, PresenceStatus | null][] = [];
    for (let i = 0; i < flat.length; i += 2)
      pairs.push([flat[i], flat[i + 1] ? (flat[i + 1] as PresenceStatus) : null]);
    return pairs;
  }

  /** Clients last seen at or before `cutoff` (candidates for forgetting). */
  staleClients(tenantId: string, cutoff: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.clientsBySeen(tenantId), '-inf', cutoff, 'LIMIT', 0, limit);
  }

  async forget(tenantId: string, clientIds: string[], cutoff: number): Promise<number> {
    if (clientIds.length === 0) return 0;
    const k = this.keys;
    const keys = [
      k.clientsBySeen(tenantId),
      k.clientIndex(tenantId),
      k.onlineClients(tenantId),
      ...this.statusKeys(tenantId),
      ...clientIds.map((id) => k.client(tenantId, id)),
    ];
    return (await this.scripts.pulseForgetClients(keys, [cutoff, ...clientIds])) as number;
  }

  /**
   * Adds rejected-heartbeat counts of one tenant, by reason: to its all-time hash (kept as long as
   * the tenant's longest history, then forgotten like the rest) and to the minute's bucket. With
   * them, `delivered`: heartbeats the server delivered that no `applyHeartbeats` call carried (a
   * tenant with only rejected heartbeats in the batch), to the minute's and the totals' `pd_m`/`pd_b`.
   */
  async addRejections(
    tenantId: string,
    minuteEpoch: number,
    byReason: ReadonlyMap<string, number>,
    retention: Retention,
    delivered: Delivered = NOTHING_DELIVERED,
  ): Promise<void> {
    if (byReason.size === 0 && delivered.messages === 0 && delivered.bytes === 0) return;
    const total = this.keys.heartbeatRejections(tenantId);
    const minute = this.history.minute(tenantId, minuteEpoch);
    const totals = this.history.totals(tenantId);
    const commands: FencedCommand[] = [...byReason].flatMap(([reason, n]): FencedCommand[] => [
      ['HINCRBY', total, reason, n],
      ['HINCRBY', minute, rejectionField(reason), n],
    ]);
    if (byReason.size > 0) commands.push(['EXPIRE', total, retention.daySeconds]);
    for (const [field, n] of [
      [F.pulseDeliveredMessages, delivered.messages],
      [F.pulseDeliveredBytes, delivered.bytes],
    ] as const) {
      if (n > 0) commands.push(['HINCRBY', minute, field, n], ['HINCRBY', totals, field, n]);
    }
    commands.push(['EXPIRE', minute, retention.minuteSeconds]);
    // Gathered before the write: fenced, so a tenant erased meanwhile gets nothing back.
    await this.fence.write(tenantId, commands);
  }

  /** Rejected heartbeats on the tenant's subjects, by reason, all instances, all time. */
  async rejections(tenantId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.keys.heartbeatRejections(tenantId));
    return Object.fromEntries(Object.entries(raw).map(([reason, n]) => [reason, Number(n)]));
  }

  async summary(tenantId: string): Promise<PresenceSummary> {
    const [healthy, degraded, unhealthy, offline] = await Promise.all(
      this.statusKeys(tenantId).map((key) => this.redis.zcard(key)),
    );
    const online = healthy + degraded + unhealthy;
    return { online, healthy, degraded, unhealthy, offline, total: online + offline };
  }

  /** One client's presence, or null when the tenant has no such client. */
  async client(tenantId: string, clientId: string): Promise<ClientPresence | null> {
    const row = await this.redis.hmget(this.keys.client(tenantId, clientId), ...CLIENT_FIELDS);
    return row[0] === null ? null : toClient(clientId, row);
  }

  /**
   * One page of clients in id order after `after` (exclusive), from one or more lexical sets
   * (several sets are merged, e.g. the three online statuses). Returns at most `limit` clients
   * and the last id returned when more may follow.
   */
  async listClients(
    tenantId: string,
    statuses: readonly string[] | null,
    limit: number,
    after: string | null,
  ): Promise<{ clients: ClientPresence[]; last: string | null }> {
    const { ids, more } = await this.clientIds(tenantId, statuses, limit, after);
    const clients = await this.rows(tenantId, ids);
    return { clients, last: more && ids.length > 0 ? ids[ids.length - 1] : null };
  }

  /** Up to `count` client ids after `after` in id order, from the sets (null: every client), and whether more follow. */
  async clientIds(
    tenantId: string,
    statuses: readonly string[] | null,
    count: number,
    after: string | null,
  ): Promise<{ ids: string[]; more: boolean }> {
    const sets = statuses
      ? statuses.map((s) => this.keys.clientsInStatus(tenantId, s))
      : [this.keys.clientIndex(tenantId)];
    const min = after === null ? '-' : `(${after}`;
    const pages = await Promise.all(sets.map((key) => this.redis.zrangebylex(key, min, '+', 'LIMIT', 0, count + 1)));
    const merged = [...new Set(pages.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { ids: merged.slice(0, count), more: merged.length > count };
  }

  /** Up to `count` client ids, most recently seen first, from `offset` in that order. */
  recentlySeen(tenantId: string, offset: number, count: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.clientsBySeen(tenantId), offset, offset + count - 1);
  }

  /** The presence of each client id, in order (one Lua call). */
  async rows(tenantId: string, ids: string[]): Promise<ClientPresence[]> {
    if (ids.length === 0) return [];
    const flat = (await this.scripts.pulseClientRows(
      ids.map((id) => this.keys.client(tenantId, id)),
      CLIENT_FIELDS as unknown as string[],
    )) as (string | null)[];
    const width = CLIENT_FIELDS.length;
    return ids.map((clientId, i) => toClient(clientId, flat.slice(i * width, (i + 1) * width)));
  }
}

function toClient(clientId: string, row: (string | null)[]): ClientPresence {
  const [status, lastSeen, connectedSince, sent, received, errors, uptime] = row;
  const s = (status ?? 'offline') as PresenceStatus;
  const iso = (ms: string | null) => (ms ? new Date(Number(ms)).toISOString() : null);
  return {
    clientId,
    status: s,
    online: s !== 'offline',
    lastSeen: iso(lastSeen),
    connectedSince: s === 'offline' ? null : iso(connectedSince),
    metrics: {
      messagesSent: Number(sent ?? 0),
      messagesReceived: Number(received ?? 0),
      errors: Number(errors ?? 0),
      uptimeSeconds: Number(uptime ?? 0),
    },
  };
}
