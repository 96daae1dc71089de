import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Notification } from './notification.js';

/** Deliveries a tenant may have queued at once; past it new ones are dropped (logged and counted). */
export const MAX_QUEUED_DELIVERIES = 1000;
/** Marks of raises made once (`alert:once`) kept per tenant: far more than a pass can hand out again. */
export const ONCE_MARKS_KEPT = 1000;
/** Deliveries a claim looks at (blocked ones included) and hands out, at most. */
const CLAIM_SCAN = 100;

/** One notification to one channel, as queued: its id is the webhook-id of every attempt. */
export interface QueuedDelivery {
  id: string;
  channelId: string;
  notification: Notification;
  /** Attempts made so far. */
  attempts: number;
  enqueuedAt: string;
}

/**
 * Every due time and lease end is Redis' clock (TIME, in ms), never an instance's: instances'
 * clocks differ, and a lease end written from one clock and compared with another's re-claimed
 * live leases when the second ran ahead (sent twice). Redis 7 replicates a script's effects, so
 * TIME in a script that writes is allowed.
 */
const REDIS_NOW = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * Keys: tenant record, queue, items, after, last. ARGV: delay (ms), bound, then (id, order key,
 * JSON) triples. `once` adds a sixth key, the tenant's marks of what was raised (ZSET member →
 * when), and two arguments after the bound: the mark and how many marks are kept. A mark already
 * there queues nothing (a repeat of the same raise); else the deliveries are queued and the mark
 * set in the same step, even when there are none. Returns {queued, dropped, due, already}.
 */
function enqueueLua(once: boolean): string {
  const first = once ? 5 : 3;
  return `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0, 0, 0} end
${REDIS_NOW}
${once ? "if redis.call('ZSCORE', KEYS[6], ARGV[3]) then return {0, 0, 0, 1} end" : ''}
local due = now + tonumber(ARGV[1])
local queued, dropped = 0, 0
for i = ${first}, #ARGV, 3 do
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
    dropped = dropped + 1
  else
    local id, order = ARGV[i], ARGV[i + 1]
    local before = redis.call('HGET', KEYS[5], order)
    if before and redis.call('HEXISTS', KEYS[3], before) == 1 then redis.call('HSET', KEYS[4], id, before) end
    redis.call('HSET', KEYS[5], order, id)
    redis.call('HSET', KEYS[3], id, ARGV[i + 2])
    redis.call('ZADD', KEYS[2], due, id)
    queued = queued + 1
  end
end
${
  once
    ? `redis.call('ZADD', KEYS[6], now, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -tonumber(ARGV[4]) - 1)`
    : ''
}
return {queued, dropped, due, 0}`;
}

/** Keys: the due hint. ARGV: limit. Tenants whose queue may have work now. */
const DUE_LUA = `
${REDIS_NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))`;

/**
 * Keys: tenant record, queue, items, leases, after, last. ARGV: lease (ms), token, max. A
 * delivery whose predecessor (same alert, same channel) is still queued waits for it: its score
 * follows the predecessor's. Returns the claimed (id, JSON) pairs, or -1 for a deleted tenant.
 */
const CLAIM_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  return -1
end
${REDIS_NOW}
local leaseEnd = now + tonumber(ARGV[1])
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ${CLAIM_SCAN})
for _, id in ipairs(ids) do
  if #out >= 2 * tonumber(ARGV[3]) then break end
  local raw = redis.call('HGET', KEYS[3], id)
  if not raw then
    redis.call('ZREM', KEYS[2], id)
  else
    local before = redis.call('HGET', KEYS[5], id)
    local waits = before and redis.call('ZSCORE', KEYS[2], before)
    if waits then
      redis.call('ZADD', KEYS[2], math.max(tonumber(waits), now + 1), id)
    else
      if before then redis.call('HDEL', KEYS[5], id) end
      redis.call('ZADD', KEYS[2], leaseEnd, id)
      redis.call('HSET', KEYS[4], id, ARGV[2])
      out[#out + 1] = id
      out[#out + 1] = raw
    end
  end
end
return out`;

/** Keys: queue, items, leases, after, last. ARGV: id, token, order key. Done: removed, if still ours. */
const FINISH_LUA = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('HGET', KEYS[5], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[5], ARGV[3]) end
return 1`;

/**
 * Keys: queue, items, leases. ARGV: id, token, delay (ms), JSON ('' keeps it). Back in the queue,
 * if still ours: returns the due time, or 0 when the lease was lost.
 */
const RESCHEDULE_LUA = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
${REDIS_NOW}
local due = now + tonumber(ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
redis.call('ZADD', KEYS[1], due, ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return due`;

/** What the enqueue did: `tenantGone` when the tenant was deleted (nothing queued). */
export interface EnqueueResult {
  queued: number;
  dropped: number;
  tenantGone: boolean;
}

/** The order key: deliveries of one alert to one channel go out in the order they were raised. */
function orderKey(d: QueuedDelivery): string {
  return `${d.notification.alertKey}|${d.channelId}`;
}

/**
 * The durable alert delivery queue of each tenant (Redis, the tenant's slot) and the global hint
 * of which tenants have work. Every change of a delivery is one Lua call; a lease token makes
 * sure only the instance holding a delivery finishes or reschedules it. Times are Redis' (REDIS_NOW):
 * callers pass durations, never instants.
 */
@Injectable()
export class DeliveryQueueRepository {
  private readonly scripts: Record<
    | 'pulseDeliveryEnqueue'
    | 'pulseDeliveryEnqueueOnce'
    | 'pulseDeliveryDue'
    | 'pulseDeliveryClaim'
    | 'pulseDeliveryFinish'
    | 'pulseDeliveryReschedule',
    LuaScript
  >;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis, {
      pulseDeliveryEnqueue: { lua: enqueueLua(false), keys: 5 },
      pulseDeliveryEnqueueOnce: { lua: enqueueLua(true), keys: 6 },
      pulseDeliveryDue: { lua: DUE_LUA, keys: 1 },
      pulseDeliveryClaim: { lua: CLAIM_LUA, keys: 6 },
      pulseDeliveryFinish: { lua: FINISH_LUA, keys: 5 },
      pulseDeliveryReschedule: { lua: RESCHEDULE_LUA, keys: 3 },
    });
  }

  /**
   * Queues the deliveries (in order), due `delayMs` from now, unless the tenant is deleted; then
   * marks the tenant due.
   */
  async enqueue(tenantId: string, deliveries: QueuedDelivery[], delayMs = 0): Promise<EnqueueResult> {
    if (deliveries.length === 0) return { queued: 0, dropped: 0, tenantGone: false };
    const k = this.keys.alertQueue(tenantId);
    const args: (string | number)[] = [delayMs, MAX_QUEUED_DELIVERIES];
    for (const d of deliveries) args.push(d.id, orderKey(d), JSON.stringify(d));
    const [queued, dropped, due] = (await this.scripts.pulseDeliveryEnqueue(
      [this.keys.tenant(tenantId), k.queue, k.items, k.after, k.last],
      args,
    )) as [number, number, number];
    if (queued < 0) return { queued: 0, dropped: 0, tenantGone: true };
    if (queued > 0) await this.markDue(tenantId, due);
    return { queued, dropped, tenantGone: false };
  }

  /**
   * As `enqueue` (due now), once per `mark`: a mark already among the tenant's (`alert:once`: a
   * repeat of the same raise) queues nothing and answers `already`; else the deliveries (none is
   * fine) are queued and the mark set in the same step. The newest ONCE_MARKS_KEPT marks are kept.
   */
  async enqueueOnce(
    tenantId: string,
    mark: string,
    deliveries: QueuedDelivery[],
  ): Promise<EnqueueResult & { already: boolean }> {
    const k = this.keys.alertQueue(tenantId);
    const args: (string | number)[] = [0, MAX_QUEUED_DELIVERIES, mark, ONCE_MARKS_KEPT];
    for (const d of deliveries) args.push(d.id, orderKey(d), JSON.stringify(d));
    const [queued, dropped, due, already] = (await this.scripts.pulseDeliveryEnqueueOnce(
      [this.keys.tenant(tenantId), k.queue, k.items, k.after, k.last, this.keys.alertOnce(tenantId)],
      args,
    )) as [number, number, number, number];
    if (queued < 0) return { queued: 0, dropped: 0, tenantGone: true, already: false };
    if (queued > 0) await this.markDue(tenantId, due);
    return { queued, dropped, tenantGone: false, already: already === 1 };
  }

  /** Tenants whose queue may have work now (the hint), earliest first, at most `limit`. */
  async dueTenants(limit: number): Promise<string[]> {
    return (await this.scripts.pulseDeliveryDue([this.keys.alertQueuesDue()], [limit])) as string[];
  }

  /**
   * Claims up to `max` due deliveries of the tenant with a lease of `leaseMs`, then sets the
   * tenant's hint to its queue's earliest time. `null` when the tenant was deleted (its queue dropped).
   */
  async claim(tenantId: string, leaseMs: number, token: string, max: number): Promise<QueuedDelivery[] | null> {
    const k = this.keys.alertQueue(tenantId);
    const reply = (await this.scripts.pulseDeliveryClaim(
      [this.keys.tenant(tenantId), k.queue, k.items, k.leases, k.after, k.last],
      [leaseMs, token, max],
    )) as string[] | number;
    // The hint is removed, then set again from the queue as it is after the removal: an enqueue
    // that slipped in between marks the tenant itself (after its own write), so none is missed.
    await this.redis.zrem(this.keys.alertQueuesDue(), tenantId);
    if (reply === -1) return null;
    const first = await this.redis.zrange(k.queue, '0', '0', 'WITHSCORES');
    if (first.length === 2) await this.markDue(tenantId, Number(first[1]));
    const claimed: QueuedDelivery[] = [];
    const pairs = reply as string[];
    for (let i = 0; i < pairs.length; i += 2) claimed.push(JSON.parse(pairs[i + 1]) as QueuedDelivery);
    return claimed;
  }

  /** Removes a delivery that is done (delivered or failed for good); false if the lease was lost. */
  async finish(tenantId: string, d: QueuedDelivery, token: string): Promise<boolean> {
    const k = this.keys.alertQueue(tenantId);
    return (
      (await this.scripts.pulseDeliveryFinish(
        [k.queue, k.items, k.leases, k.after, k.last],
        [d.id, token, orderKey(d)],
      )) === 1
    );
  }

  /**
   * Puts a held delivery back, due `delayMs` from now (a retry, with its attempts counted; or a
   * release at shutdown, due now): false if the lease was lost.
   */
  async reschedule(
    tenantId: string,
    d: QueuedDelivery,
    token: string,
    delayMs: number,
    changed: boolean,
  ): Promise<boolean> {
    const k = this.keys.alertQueue(tenantId);
    const due = (await this.scripts.pulseDeliveryReschedule(
      [k.queue, k.items, k.leases],
      [d.id, token, delayMs, changed ? JSON.stringify(d) : ''],
    )) as number;
    if (due > 0) await this.markDue(tenantId, due);
    return due > 0;
  }

  /** Deliveries queued for the tenant (claimed ones included). */
  size(tenantId: string): Promise<number> {
    return this.redis.zcard(this.keys.alertQueue(tenantId).queue);
  }

  /** The tenant's queue may have work at `at` (never moves an earlier hint later). */
  private async markDue(tenantId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.alertQueuesDue(), 'LT', at, tenantId);
  }
}
