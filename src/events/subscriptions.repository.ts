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

/**
 * Keys: lease, state, log. ARGV: token, cursor, sequence, delivered, dropped, record JSON, kept.
 * A batch delivered (or passed over: nothing in it for the subscription): the cursor moves on,
 * the failures end, the lease is released. 0 when the lease is no longer this instance's.
 */
const ACK_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 'cursor', ARGV[2], 'seq', ARGV[3], 'failures', 0, 'retryAt', 0, 'lastError', '')
redis.call('HINCRBY', KEYS[2], 'delivered', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'dropped', ARGV[5])
if ARGV[6] ~= '' then
  redis.call('LPUSH', KEYS[3], ARGV[6])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[7]) - 1)
end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * Keys: lease, state, log. ARGV: token, retry at (ms), error, pause after, record JSON, kept, now
 * (ISO). A failed request: one more failure, the next attempt not before `retry at`; at `pause
 * after` failures in a row the subscription is paused (a notice in `paused`). Returns the
 * failures (0: the lease was lost) and 1 when it paused now.
 */
const FAIL_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0, 0} end
local failures = redis.call('HINCRBY', KEYS[2], 'failures', 1)
redis.call('HSET', KEYS[2], 'retryAt', ARGV[2], 'lastError', ARGV[3])
local paused = 0
if failures >= tonumber(ARGV[4]) and not redis.call('HGET', KEYS[2], 'paused') then
  redis.call('HSET', KEYS[2], 'paused', cjson.encode({at = ARGV[7], failures = failures, lastError = ARGV[3]}))
  paused = 1
end
local record = cjson.decode(ARGV[5])
if paused == 1 then record.outcome = 'paused' end
redis.call('LPUSH', KEYS[3], cjson.encode(record))
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
redis.call('DEL', KEYS[1])
return {failures, paused}`;

/** Keys: lease. ARGV: token. Releases the lease if it is still this instance's. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The tenants' subscriptions, their delivery state, leases and logs (all in the tenant's slot). */
@Injectable()
export class SubscriptionsRepository {
  readonly keys: EventKeys;
  private readonly scripts: Record<
    'pulseEventsSubscribe' | 'pulseEventsAck' | 'pulseEventsFail' | 'pulseEventsRelease',
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
      pulseEventsAck: { lua: ACK_LUA, keys: 3 },
      pulseEventsFail: { lua: FAIL_LUA, keys: 3 },
      pulseEventsRelease: { lua: RELEASE_LUA, keys: 1 },
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

  /** Replaces a subscription that exists (fenced); false when the tenant is gone. */
  async save(tenantId: string, s: Subscription): Promise<boolean> {
    const reply = await this.fence.write(tenantId, [
      ['HSET', this.keys.subscriptions(tenantId), s.id, JSON.stringify(s)],
    ]);
    return reply !== null;
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
    await this.redis.del(this.keys.cursor(tenantId, id), this.keys.lease(tenantId, id), this.keys.log(tenantId, id));
    return removed === 1;
  }

  async state(tenantId: string, id: string): Promise<DeliveryState> {
    const h = await this.redis.hgetall(this.keys.cursor(tenantId, id));
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

  /** Pauses (with a notice) or resumes (failures forgotten, due now) a subscription (fenced). */
  async setPaused(tenantId: string, id: string, notice: PauseNotice | null): Promise<void> {
    const key = this.keys.cursor(tenantId, id);
    await this.fence.write(
      tenantId,
      notice
        ? [['HSET', key, 'paused', JSON.stringify(notice)]]
        : [
            ['HDEL', key, 'paused'],
            ['HSET', key, 'failures', 0, 'retryAt', 0],
          ],
    );
  }

  /**
   * Moves the cursor back to just before `fromMs` (the replay), dropping the lease so that a batch
   * under way does not move it on; its events are sent again from there.
   */
  async rewind(tenantId: string, id: string, fromMs: number, sequenceBefore: number): Promise<boolean> {
    const reply = await this.fence.write(tenantId, [
      ['HSET', this.keys.cursor(tenantId, id), 'cursor', `${Math.max(0, fromMs - 1)}-18446744073709551615`],
      ['HSET', this.keys.cursor(tenantId, id), 'seq', sequenceBefore, 'retryAt', 0],
      ['DEL', this.keys.lease(tenantId, id)],
    ]);
    return reply !== null;
  }

  /** Takes the subscription's lease for `ms` (false: another instance holds it). */
  async lease(tenantId: string, id: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lease(tenantId, id), token, 'PX', ms, 'NX')) === 'OK';
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
    const reply = await this.scripts.pulseEventsAck(
      [this.keys.lease(tenantId, id), this.keys.cursor(tenantId, id), this.keys.log(tenantId, id)],
      [
        token,
        to.cursor,
        to.sequence,
        to.delivered,
        to.dropped,
        record ? JSON.stringify(record) : '',
        DELIVERY_LOG_KEPT,
      ],
    );
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
    const [failures, paused] = (await this.scripts.pulseEventsFail(
      [this.keys.lease(tenantId, id), this.keys.cursor(tenantId, id), this.keys.log(tenantId, id)],
      [token, retryAt, record.error ?? '', pauseAfter, JSON.stringify(record), DELIVERY_LOG_KEPT, record.at],
    )) as [number, number];
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
