import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys, TENANT_INCARNATION_FIELD } from '../redis/redis-keys.js';
import { partitionOf } from './cold-store.js';

/** Erased partitions remembered per tenant id (the newest; older ones were cleaned long since). */
const ERASED_KEPT = 10;

/**
 * Which cold-store partition a tenant's items are in: its current incarnation's, read from its
 * record (ARCHITECTURE.md, Erasure fence), and those of its erased incarnations, remembered so
 * that a DELETE of an erased id finds what a writer left there.
 */
@Injectable()
export class ColdPartitions {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

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

  /** Remembers an erased incarnation's partition (before its record goes). */
  async rememberErased(tenantId: string, partition: string): Promise<void> {
    const kept = [partition, ...(await this.erased(tenantId)).filter((p) => p !== partition)].slice(0, ERASED_KEPT);
    await this.redis.hset(this.keys.erasedPartitions(), tenantId, JSON.stringify(kept));
  }
}
