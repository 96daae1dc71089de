import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { withTimeout } from '../common/with-timeout.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { TrafficFlusher } from '../monitoring/traffic-flusher.js';
import { NatsStatus } from '../nats/nats-status.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantShards } from '../tenants/tenant-shards.js';

/** How often each instance reports; an instance silent for three reports is no longer listed. */
export const INSTANCE_REPORT_MS = 10_000;
const SEEN_WITHIN_MS = 3 * INSTANCE_REPORT_MS;
const FORGET_AFTER_MS = 10 * 60_000;

export interface InstanceReport {
  id: string;
  startedAt: string;
  reportedAt: string;
  nats: string;
  backlogMessages: number;
  lastFlushAt: string | null;
  flushes: number;
  /** Its tenant shard (0-based) of `shards` (PULSE_SHARDS); an instance reporting none: 0 of 1. */
  shard: number;
  shards: number;
  /** Active tenants its shard owns (whose traffic and heartbeats it subscribes); null: not reported. */
  tenants: number | null;
}

/**
 * The Pulse instances that share this Redis, for the operator console (with its tenant shard and
 * the number of tenants the shard owns): every instance reports itself every 10 s (one small hash with a TTL and its score in a sorted set, one round trip);
 * those heard from within 30 s are listed. A report that fails (Redis down) is simply skipped.
 */
@Injectable()
export class InstanceRegistry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceRegistry.name);
  private readonly timer: NamedInterval;
  private readonly startedAt = new Date().toISOString();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly flusher: TrafficFlusher,
    private readonly nats: NatsStatus,
    private readonly shards: TenantShards,
    scheduler: SchedulerRegistry,
  ) {
    this.timer = new NamedInterval(scheduler, 'pulse-instance-report');
  }

  onModuleInit(): void {
    void this.report();
    this.timer.start(INSTANCE_REPORT_MS, () => void this.report());
  }

  /** Once the directory's first reconcile has run: the tenants this instance's shard owns, at once. */
  onApplicationBootstrap(): void {
    void this.report();
  }

  /**
   * Leaves the list at once rather than 30 s later, if Redis answers within a second: a Redis
   * that stopped answering must not hold up the shutdown (the entry then simply expires).
   */
  async onApplicationShutdown(): Promise<void> {
    this.timer.stop();
    if (this.redis.status !== 'ready') return;
    await withTimeout(
      Promise.all([
        this.redis.zrem(this.keys.instances(), this.flusher.instanceId),
        this.redis.del(this.keys.instance(this.flusher.instanceId)),
      ]),
      1000,
      'instance deregistration',
    ).catch(() => undefined);
  }

  async report(now = Date.now()): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const id = this.flusher.instanceId;
    const flush = this.flusher.snapshot();
    const key = this.keys.instance(id);
    try {
      await Promise.all([
        this.redis.hset(key, {
          startedAt: this.startedAt,
          reportedAt: new Date(now).toISOString(),
          nats: this.nats.current().state,
          backlogMessages: flush.backlogMessages,
          lastFlushAt: flush.lastFlushAt ?? '',
          flushes: flush.flushes,
          shard: this.shards.index,
          shards: this.shards.count,
          tenants: this.shards.ownedCount(),
        }),
        this.redis.pexpire(key, SEEN_WITHIN_MS),
        this.redis.zadd(this.keys.instances(), now, id),
        this.redis.zremrangebyscore(this.keys.instances(), '-inf', now - FORGET_AFTER_MS),
      ]);
    } catch (err) {
      this.logger.debug(`instance report skipped: ${(err as Error).message}`);
    }
  }

  /** The instances heard from within the last 30 s, by id. */
  async list(now = Date.now()): Promise<InstanceReport[]> {
    const ids = await this.redis.zrangebyscore(this.keys.instances(), now - SEEN_WITHIN_MS, '+inf');
    const rows = await Promise.all(ids.map((id) => this.redis.hgetall(this.keys.instance(id))));
    return ids
      .map((id, i) => ({ id, row: rows[i] }))
      .filter(({ row }) => row.reportedAt)
      .map(({ id, row }) => ({
        id,
        startedAt: row.startedAt,
        reportedAt: row.reportedAt,
        nats: row.nats,
        backlogMessages: Number(row.backlogMessages),
        lastFlushAt: row.lastFlushAt || null,
        flushes: Number(row.flushes),
        shard: Number(row.shard ?? 0),
        shards: Number(row.shards ?? 1),
        tenants: row.tenants === undefined ? null : Number(row.tenants),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
