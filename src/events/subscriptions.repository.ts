import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { EventLog } from './event-log.js';
import type { EventKeys } from './event-keys.js';
import {
  DELIVERY_LOG_KEPT,
  type DeliveryRecord,
  type DeliveryState,
  MAX_SUBSCRIPTIONS,
  type PauseNotice,
  type Subscription,
} from './subscription.js';

/**
 * Keys: tenant record, subscriptions, stream, sequence, state. ARGV: id, JSON, limit. Saves a new
 * subscription unless the tenant is gone (-1) or holds `limit` already (0); its cursor starts at
 * the tenant's newest event, in the same step (it gets what is appended from then on).
 */
const SUBSCRIBE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local newest = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local cursor = '0-0'
if #newest > 0 then cursor = newest[1][1] end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[5], 'cursor', cursor, 'seq', tonumber(redis.call('GET', KEYS[4]) or '0'))
return 1`;

/** Is the subscription (ARGV[1]) still there: its tenant's record (KEYS[1]) and its entry in KEYS[2]. */
const SUBSCRIPTION_HELD = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end`;

/**
 * Keys: tenant record, subscriptions, lease, state. ARGV: id, token, ms. Takes the lease (1) unless
 * another instance holds it or the subscription is gone (erased or deleted): 0. A replay that
 * waited for the batch in flight (`replayCursor`) moves the cursor now, before anything is read.
 */
const LEASE_LUA = `${SUBSCRIPTION_HELD}
if not redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3], 'NX') then return 0 end
local replay = redis.call('HMGET', KEYS[4], 'replayCursor', 'replaySeq')
if replay[1] then
  redis.call('HSET', KEYS[4], 'cursor', replay[1], 'seq', replay[2], 'retryAt', 0)
  redis.call('HDEL', KEYS[4], 'replayCursor', 'replaySeq')
end
return 1`;

/**
 * Keys: tenant record, subscriptions, lease, state, replayed. ARGV: id, cursor, sequence, interval
 * (ms). A replay: {-2, 0} the tenant is gone, {0, 0} the subscription; {-1, ms} one ran less than
 * the interval ago (ms until the next may). Else the cursor moves back now ({1, 0}), or, while a
 * batch is in flight (its lease held), when the lease is next taken ({2, 0}): the batch's ack
 * cannot move the cursor past the replay, and its lease is left alone.
 */
const REPLAY_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-2, 0} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {0, 0} end
if not redis.call('SET', KEYS[5], 1, 'PX', ARGV[4], 'NX') then return {-1, redis.call('PTTL', KEYS[5])} end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[4], 'replayCursor', ARGV[2], 'replaySeq', ARGV[3])
  return {2, 0}
end
redis.call('HSET', KEYS[4], 'cursor', ARGV[2], 'seq', ARGV[3], 'retryAt', 0)
redis.call('HDEL', KEYS[4], 'replayCursor', 'replaySeq')
return {1, 0}`;

/** Keys: tenant record, subscriptions. ARGV: id, JSON. Replaces it: -1 tenant gone, 0 subscription gone. */
const SAVE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/**
 * Keys: tenant record, subscriptions, lease, state, log. ARGV: id, token, cursor, sequence,
 * delivered, dropped, record JSON, kept.
 * A batch delivered (or passed over: nothing in it for the subscription): the cursor moves on,
 * the failures end, the lease is released. 0 when the lease is no longer this instance's.
 */
const ACK_LUA = `${SUBSCRIPTION_HELD}
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[4], 'cursor', ARGV[3], 'seq', ARGV[4], 'failures', 0, 'retryAt', 0, 'lastError', '')
redis.call('HINCRBY', KEYS[4], 'delivered', ARGV[5])
redis.call('HINCRBY', KEYS[4], 'dropped', ARGV[6])
if ARGV[7] ~= '' then
  redis.call('LPUSH', KEYS[5], ARGV[7])
  redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[8]) - 1)
end
redis.call('DEL', KEYS[3])
return 1`;

/**
 * Keys: tenant record, subscriptions, lease, state, log. ARGV: id, token, retry at (ms), error,
 * pause after, record JSON, kept, now (ISO). A failed request: one more failure, the next attempt not before `retry at`; at `pause
 * after` failures in a row the subscription is paused (a notice in `paused`). Returns the
 * failures (0: the lease was lost, or the subscription is gone) and 1 when it paused now.
 */
const FAIL_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {0, 0} end
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return {0, 0} end
local failures = redis.call('HINCRBY', KEYS[4], 'failures', 1)
redis.call('HSET', KEYS[4], 'retryAt', ARGV[3], 'lastError', ARGV[4])
local paused = 0
if failures >= tonumber(ARGV[5]) and not redis.call('HGET', KEYS[4], 'paused') then
  redis.call('HSET', KEYS[4], 'paused', cjson.encode({at = ARGV[8], failures = failures, lastError = ARGV[4]}))
  paused = 1
end
local record = cjson.decode(ARGV[6])
if paused == 1 then record.outcome = 'paused' end
redis.call('LPUSH', KEYS[5], cjson.encode(record))
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[7]) - 1)
redis.call('DEL', KEYS[3])
return {failures, paused}`;

/**
 * Keys: tenant record, subscriptions, state. ARGV: id, notice JSON ('': resume). Pauses (with the
 * notice) or resumes (failures forgotten, due now) a subscription still there (1); 0 when it is gone
 * (erased or deleted): a DELETE under way is never undone by a state written back.
 */
const PAUSE_LUA = `${SUBSCRIPTION_HELD}
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[3], 'paused', ARGV[2])
else
  redis.call('HDEL', KEYS[3], 'paused')
  redis.call('HSET', KEYS[3], 'failures', 0, 'retryAt', 0)
end
return 1`;

/** Keys: lease. ARGV: token. Releases the lease if it is still this instance's. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The tenants' subscriptions, their delivery state, leases and logs (all in the tenant's slot). */
@Injectable()
export class SubscriptionsRepository {
  readonly keys: EventKeys;
  private readonly scripts: Record<
    | 'pulseEventsSubscribe'
    | 'pulseEventsLease'
    | 'pulseEventsSave'
    | 'pulseEventsAck'
    | 'pulseEventsFail'
    | 'pulseEventsRelease'
    | 'pulseEventsReplay'
    | 'pulseEventsPause',
    LuaScript
  >;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly fence: TenantFence,
    log: EventLog,
  ) {
    this.keys = log.keys;
    this.scripts = defineScripts(redis, {
      pulseEventsSubscribe: { lua: SUBSCRIBE_LUA, keys: 5 },
      pulseEventsLease: { lua: LEASE_LUA, keys: 4 },
      pulseEventsSave: { lua: SAVE_LUA, keys: 2 },
      pulseEventsAck: { lua: ACK_LUA, keys: 5 },
      pulseEventsFail: { lua: FAIL_LUA, keys: 5 },
      pulseEventsRelease: { lua: RELEASE_LUA, keys: 1 },
      pulseEventsReplay: { lua: REPLAY_LUA, keys: 5 },
      pulseEventsPause: { lua: PAUSE_LUA, keys: 3 },
    });
  }

  /** Saves a new subscription: null when the tenant is gone, false when it holds MAX_SUBSCRIPTIONS. */
  async create(tenantId: string, s: Subscription): Promise<boolean | null> {
    const reply = await this.scripts.pulseEventsSubscribe(
      [
        this.keys.shared.tenant(tenantId),
        this.keys.subscriptions(tenantId),
        this.keys.stream(tenantId),
        this.keys.sequence(tenantId),
        this.keys.cursor(tenantId, s.id),
      ],
      [s.id, JSON.stringify(s), MAX_SUBSCRIPTIONS],
    );
    return reply === -1 ? null : reply === 1;
  }

  /** Replaces a subscription that exists: null when the tenant is gone, false when the subscription is. */
  async save(tenantId: string, s: Subscription): Promise<boolean | null> {
    const reply = await this.scripts.pulseEventsSave(this.held(tenantId), [s.id, JSON.stringify(s)]);
    return reply === -1 ? null : reply === 1;
  }

  /** The keys that say whether a subscription is still there: the tenant's record, its subscriptions. */
  private held(tenantId: string): string[] {
    return [this.keys.shared.tenant(tenantId), this.keys.subscriptions(tenantId)];
  }

  async find(tenantId: string, id: string): Promise<Subscription | null> {
    const raw = await this.redis.hget(this.keys.subscriptions(tenantId), id);
    return raw ? (JSON.parse(raw) as Subscription) : null;
  }

  async list(tenantId: string): Promise<Subscription[]> {
    const raw = await this.redis.hvals(this.keys.subscriptions(tenantId));
    return raw.map((r) => JSON.parse(r) as Subscription).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Removes the subscription with its state, lease and log; false when there was none. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.keys.subscriptions(tenantId), id);
    await this.redis.del(
      this.keys.cursor(tenantId, id),
      this.keys.lease(tenantId, id),
      this.keys.log(tenantId, id),
      this.keys.replayed(tenantId, id),
    );
    return removed === 1;
  }

  async state(tenantId: string, id: string): Promise<DeliveryState> {
    return this.stateToSend(tenantId, id).then((state) => state ?? this.toState({}));
  }

  /** The delivery state, or null when it is gone (the subscription deleted or erased): nothing to send. */
  async stateToSend(tenantId: string, id: string): Promise<DeliveryState | null> {
    const h = await this.redis.hgetall(this.keys.cursor(tenantId, id));
    return Object.keys(h).length === 0 ? null : this.toState(h);
  }

  private toState(h: Record<string, string>): DeliveryState {
    return {
      cursor: h.cursor || '0-0',
      sequence: Number(h.seq ?? 0),
      failures: Number(h.failures ?? 0),
      retryAt: Number(h.retryAt ?? 0),
      paused: h.paused ? (JSON.parse(h.paused) as PauseNotice) : null,
      delivered: Number(h.delivered ?? 0),
      dropped: Number(h.dropped ?? 0),
      lastError: h.lastError || null,
    };
  }

  /** Pauses (with a notice) or resumes (failures forgotten, due now) a subscription: false when it is gone. */
  async setPaused(tenantId: string, id: string, notice: PauseNotice | null): Promise<boolean> {
    const reply = await this.scripts.pulseEventsPause(
      [...this.held(tenantId), this.keys.cursor(tenantId, id)],
      [id, notice ? JSON.stringify(notice) : ''],
    );
    return reply === 1;
  }

  /**
   * Moves the cursor back to just before `fromMs` (the replay) at most once per `intervalMs`: now,
   * or, while a batch is in flight, when its lease is next taken (REPLAY_LUA). `throttled`: ms
   * until the next replay may run.
   */
  async rewind(
    tenantId: string,
    id: string,
    fromMs: number,
    sequenceBefore: number,
    intervalMs: number,
  ): Promise<'done' | 'tenant-gone' | 'subscription-gone' | { throttledMs: number }> {
    const [reply, ms] = (await this.scripts.pulseEventsReplay(
      [
        ...this.held(tenantId),
        this.keys.lease(tenantId, id),
        this.keys.cursor(tenantId, id),
        this.keys.replayed(tenantId, id),
      ],
      [id, `${Math.max(0, fromMs - 1)}-18446744073709551615`, sequenceBefore, intervalMs],
    )) as [number, number];
    if (reply === -2) return 'tenant-gone';
    if (reply === 0) return 'subscription-gone';
    if (reply === -1) return { throttledMs: Math.max(1, ms) };
    return 'done';
  }

  /**
   * Takes the subscription's lease for `ms` (false: another instance holds it). The tenant is
   * marked due at the lease's end first (an earlier mark is kept): the claim removed its mark, and
   * an instance killed holding the lease never marks it again; another one looks when it expires,
   * not at the next sweep. A batch that ends marks it with its own time (earlier).
   */
  async lease(tenantId: string, id: string, token: string, ms: number): Promise<boolean> {
    await this.redis.zadd(this.keys.due(), 'LT', Date.now() + ms, tenantId);
    return (
      (await this.scripts.pulseEventsLease(
        [...this.held(tenantId), this.keys.lease(tenantId, id), this.keys.cursor(tenantId, id)],
        [id, token, ms],
      )) === 1
    );
  }

  /** The keys of the delivery scripts: the subscription's fence, then its lease, state and log. */
  private deliveryKeys(tenantId: string, id: string): string[] {
    return [
      ...this.held(tenantId),
      this.keys.lease(tenantId, id),
      this.keys.cursor(tenantId, id),
      this.keys.log(tenantId, id),
    ];
  }

  async release(tenantId: string, id: string, token: string): Promise<void> {
    await this.scripts.pulseEventsRelease([this.keys.lease(tenantId, id)], [token]);
  }

  /** The batch is done (delivered, or nothing in it for the subscription): false when the lease was lost. */
  async ack(
    tenantId: string,
    id: string,
    token: string,
    to: { cursor: string; sequence: number; delivered: number; dropped: number },
    record: DeliveryRecord | null,
  ): Promise<boolean> {
    const reply = await this.scripts.pulseEventsAck(this.deliveryKeys(tenantId, id), [
      id,
      token,
      to.cursor,
      to.sequence,
      to.delivered,
      to.dropped,
      record ? JSON.stringify(record) : '',
      DELIVERY_LOG_KEPT,
    ]);
    return reply === 1;
  }

  /** A failed request: its failures in a row (0: the lease was lost), and whether it paused now. */
  async fail(
    tenantId: string,
    id: string,
    token: string,
    retryAt: number,
    pauseAfter: number,
    record: DeliveryRecord,
  ): Promise<{ failures: number; paused: boolean }> {
    const [failures, paused] = (await this.scripts.pulseEventsFail(this.deliveryKeys(tenantId, id), [
      id,
      token,
      retryAt,
      record.error ?? '',
      pauseAfter,
      JSON.stringify(record),
      DELIVERY_LOG_KEPT,
      record.at,
    ])) as [number, number];
    return { failures, paused: paused === 1 };
  }

  /** Adds a record to the log (a test send). */
  async log(tenantId: string, id: string, record: DeliveryRecord): Promise<void> {
    const key = this.keys.log(tenantId, id);
    await this.fence.write(tenantId, [
      ['LPUSH', key, JSON.stringify(record)],
      ['LTRIM', key, 0, DELIVERY_LOG_KEPT - 1],
    ]);
  }

  async deliveries(tenantId: string, id: string, limit: number): Promise<DeliveryRecord[]> {
    return (await this.redis.lrange(this.keys.log(tenantId, id), 0, limit - 1)).map(
      (r) => JSON.parse(r) as DeliveryRecord,
    );
  }
}
