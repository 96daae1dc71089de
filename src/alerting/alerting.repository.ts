import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { BoundedHashes } from '../redis/bounded-hash.js';
import type { Channel } from './channel.js';
import { ONCE_MARKS_KEPT } from './delivery-queue.repository.js';

export const ALERT_HISTORY_SECONDS = 30 * 86_400;
const MAX_LOG_ENTRIES = 10_000;

/** Channels, alert history and the delivery log of a tenant. */
@Injectable()
export class AlertingRepository {
  // Every write that can create a key is fenced (TenantFence): a request or an evaluation that
  // passed its tenant check before an erasure must not bring the tenant's keys back after it.
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly bounded: BoundedHashes,
    private readonly fence: TenantFence,
  ) {}

  /**
   * Saves a new channel, rule or silence unless the tenant has `limit` of them already (checked
   * and written at once, so concurrent creates cannot pass the limit); false then, null when the
   * tenant was erased meanwhile (nothing written).
   */
  createWithin(kind: 'channels' | 'rules' | 'silences', tenantId: string, record: { id: string }, limit: number) {
    return this.bounded.setWithin(tenantId, this.hashOf(kind, tenantId), record.id, JSON.stringify(record), limit);
  }

  /** True when `mark` was raised already (the tenant's `alert:once`). */
  async raisedOnce(tenantId: string, mark: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.alertOnce(tenantId), mark)) !== null;
  }

  /**
   * Sets `mark` in the tenant's `alert:once` unless it is there (the newest ONCE_MARKS_KEPT kept, as the delivery queue's once-enqueue keeps them): true when
   * this call set it, false when it was there, null when the tenant is gone (nothing written).
   */
  async markOnce(tenantId: string, mark: string): Promise<boolean | null> {
    const key = this.keys.alertOnce(tenantId);
    const replies = await this.fence.write(tenantId, [
      ['ZADD', key, 'NX', Date.now(), mark],
      ['ZREMRANGEBYRANK', key, 0, -ONCE_MARKS_KEPT - 1],
    ]);
    return replies === null ? null : replies[0] === 1;
  }

  async saveChannel(tenantId: string, channel: Channel): Promise<void> {
    await this.fence.write(tenantId, [
      ['HSET', this.keys.alertChannels(tenantId), channel.id, JSON.stringify(channel)],
    ]);
  }

  async channel(tenantId: string, id: string): Promise<Channel | null> {
    const raw = await this.redis.hget(this.keys.alertChannels(tenantId), id);
    return raw ? (JSON.parse(raw) as Channel) : null;
  }

  async channels(tenantId: string): Promise<Channel[]> {
    const raw = await this.redis.hvals(this.keys.alertChannels(tenantId));
    return raw.map((r) => JSON.parse(r) as Channel).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async deleteChannel(tenantId: string, id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.alertChannels(tenantId), id)) === 1;
  }

  async saveRecord(kind: 'rules' | 'silences', tenantId: string, id: string, value: object): Promise<void> {
    const key = kind === 'rules' ? this.keys.alertRules(tenantId) : this.keys.alertSilences(tenantId);
    await this.fence.write(tenantId, [['HSET', key, id, JSON.stringify(value)]]);
  }

  /** How many channels, rules or silences a tenant has (HLEN: no record is read). */
  count(kind: 'channels' | 'rules' | 'silences', tenantId: string): Promise<number> {
    return this.redis.hlen(this.hashOf(kind, tenantId));
  }

  private hashOf(kind: 'channels' | 'rules' | 'silences', tenantId: string): string {
    return kind === 'channels'
      ? this.keys.alertChannels(tenantId)
      : kind === 'rules'
        ? this.keys.alertRules(tenantId)
        : this.keys.alertSilences(tenantId);
  }

  async records<T>(kind: 'rules' | 'silences', tenantId: string): Promise<T[]> {
    const raw = await this.redis.hvals(
      kind === 'rules' ? this.keys.alertRules(tenantId) : this.keys.alertSilences(tenantId),
    );
    return raw.map((r) => JSON.parse(r) as T);
  }

  async record<T>(kind: 'rules' | 'silences', tenantId: string, id: string): Promise<T | null> {
    const raw = await this.redis.hget(
      kind === 'rules' ? this.keys.alertRules(tenantId) : this.keys.alertSilences(tenantId),
      id,
    );
    return raw ? (JSON.parse(raw) as T) : null;
  }

  async deleteRecord(kind: 'rules' | 'silences', tenantId: string, id: string): Promise<boolean> {
    const key = kind === 'rules' ? this.keys.alertRules(tenantId) : this.keys.alertSilences(tenantId);
    if (kind === 'rules') await this.redis.hdel(this.keys.alertRuleState(tenantId), id);
    return (await this.redis.hdel(key, id)) === 1;
  }

  async ruleStates(tenantId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.alertRuleState(tenantId));
  }

  async saveRuleState(tenantId: string, ruleId: string, state: object): Promise<void> {
    await this.fence.write(tenantId, [['HSET', this.keys.alertRuleState(tenantId), ruleId, JSON.stringify(state)]]);
  }

  async notifiedAt(tenantId: string, alertKey: string): Promise<number | null> {
    const v = await this.redis.hget(this.keys.alertNotified(tenantId), alertKey);
    return v ? Number(v) : null;
  }

  async setNotified(tenantId: string, alertKey: string, at: number | null): Promise<void> {
    if (at === null) await this.redis.hdel(this.keys.alertNotified(tenantId), alertKey);
    else await this.fence.write(tenantId, [['HSET', this.keys.alertNotified(tenantId), alertKey, at]]);
  }

  /** Appends to a 30-day log (alerts or deliveries), newest first, bounded. */
  async log(tenantId: string, kind: 'alerts' | 'deliveries', entry: object): Promise<void> {
    const key = kind === 'alerts' ? this.keys.alertLog(tenantId) : this.keys.deliveryLog(tenantId);
    await this.fence.write(tenantId, [
      ['LPUSH', key, JSON.stringify(entry)],
      ['LTRIM', key, 0, MAX_LOG_ENTRIES - 1],
      ['EXPIRE', key, ALERT_HISTORY_SECONDS],
    ]);
  }

  /** Log entries newer than `since` (ms), newest first. */
  async read<T extends { at: string }>(
    tenantId: string,
    kind: 'alerts' | 'deliveries',
    since: number,
    limit: number,
  ): Promise<T[]> {
    const key = kind === 'alerts' ? this.keys.alertLog(tenantId) : this.keys.deliveryLog(tenantId);
    const raw = await this.redis.lrange(key, 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as T).filter((e) => Date.parse(e.at) >= since);
  }
}
