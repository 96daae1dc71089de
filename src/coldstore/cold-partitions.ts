import { Inject, Injectable, Optional } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys, TENANT_INCARNATION_FIELD } from '../redis/redis-keys.js';
import { partitionOf } from './cold-store.js';

/** Injection token for a smaller bound than ERASED_IDS_KEPT (tests). */
export const ERASED_IDS_KEPT_TOKEN = Symbol('ERASED_IDS_KEPT');

/** Erased partitions remembered per tenant id (the newest; older ones were cleaned long since). */
const ERASED_KEPT = 10;
/** Erased ids remembered (the newest, as many as erasure receipts are kept): the map stays bounded. */
export const ERASED_IDS_KEPT = 10_000;

/**
 * Which cold-store partition a tenant's items are in: its current incarnation's, read from its
 * record (ARCHITECTURE.md, Erasure fence), and those of its erased incarnations, remembered so
 * that a DELETE of an erased id finds what a writer left there.
 */
@Injectable()
export class ColdPartitions {
  private readonly idsKept: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    @Optional() @Inject(ERASED_IDS_KEPT_TOKEN) idsKept: number | null = null,
  ) {
    this.idsKept = idsKept ?? ERASED_IDS_KEPT;
  }

  /** The partition of the tenant's current incarnation; null when the tenant does not exist. */
  async of(tenantId: string): Promise<string | null> {
    const [id, incarnation] = await this.redis.hmget(this.keys.tenant(tenantId), 'id', TENANT_INCARNATION_FIELD);
    if (!id) return null;
    return partitionOf(this.keys.prefix, tenantId, incarnation);
  }

  /** Partitions of the id's erased incarnations, newest first. */
  async erased(tenantId: string): Promise<string[]> {
    const raw = await this.redis.hget(this.keys.erasedPartitions(), tenantId);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  /**
   * Remembers an erased incarnation's partition (before its record goes). Only the ids erased
   * last are kept: the oldest id's are forgotten beyond that (its items expire with their
   * retention; only one a writer failed to remove after the erasure was still to be found).
   */
  async rememberErased(tenantId: string, partition: string, now = Date.now()): Promise<void> {
    const kept = [partition, ...(await this.erased(tenantId)).filter((p) => p !== partition)].slice(0, ERASED_KEPT);
    await this.redis.hset(this.keys.erasedPartitions(), tenantId, JSON.stringify(kept));
    await this.redis.zadd(this.keys.erasedOrder(), now, tenantId);
    const over = (await this.redis.zcard(this.keys.erasedOrder())) - this.idsKept;
    if (over <= 0) return;
    const oldest = await this.redis.zpopmin(this.keys.erasedOrder(), over);
    // ZPOPMIN answers member, score pairs; one field per command (a bounded number).
    for (let i = 0; i < oldest.length; i += 2) await this.redis.hdel(this.keys.erasedPartitions(), oldest[i]);
  }
}
