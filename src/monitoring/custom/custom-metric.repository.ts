import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../../redis/redis-client.js';
import { TenantFence } from '../../redis/tenant-fence.js';
import { RedisKeys } from '../../redis/redis-keys.js';
import { BoundedHashes } from '../../redis/bounded-hash.js';
import { batchHashReader, HASHES_PER_CALL } from '../../redis/hash-batch.js';
import type { CustomMetricDefinition } from './definition.js';

/** A stored figures hash of one custom metric for one minute or day, as Redis returns it. */
export type StoredFigures = Record<string, string>;

/** Custom metric definitions (one hash per tenant) and their stored figures. */
@Injectable()
export class CustomMetricRepository {
  private readonly hashes: (keys: string[]) => Promise<StoredFigures[]>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly bounded: BoundedHashes,
    private readonly fence: TenantFence,
  ) {
    this.hashes = batchHashReader(redis);
  }

  async list(tenantId: string): Promise<CustomMetricDefinition[]> {
    const raw = await this.redis.hgetall(this.keys.customMetrics(tenantId));
    return Object.values(raw)
      .map((v) => JSON.parse(v) as CustomMetricDefinition)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async find(tenantId: string, id: string): Promise<CustomMetricDefinition | null> {
    const raw = await this.redis.hget(this.keys.customMetrics(tenantId), id);
    return raw ? (JSON.parse(raw) as CustomMetricDefinition) : null;
  }

  /**
   * Saves a new definition unless the tenant has `limit` already (checked and written at once):
   * false then; null when the tenant was erased meanwhile (nothing written).
   */
  create(tenantId: string, definition: CustomMetricDefinition, limit: number): Promise<boolean | null> {
    return this.bounded.setWithin(
      tenantId,
      this.keys.customMetrics(tenantId),
      definition.id,
      JSON.stringify(definition),
      limit,
    );
  }

  async save(tenantId: string, definition: CustomMetricDefinition): Promise<void> {
    // Fenced: a request that passed its key check before an erasure writes nothing after it.
    await this.fence.write(tenantId, [
      ['HSET', this.keys.customMetrics(tenantId), definition.id, JSON.stringify(definition)],
    ]);
  }

  /** Deletes the definition and every figures key it wrote; false when there was none. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.keys.customMetrics(tenantId), id);
    const index = this.keys.customFigureKeys(tenantId, id);
    const written = await this.redis.zrange(index, '0', '-1');
    for (let i = 0; i < written.length; i += 500) await this.redis.del(...written.slice(i, i + 500));
    await this.redis.del(index);
    return removed > 0;
  }

  /** One metric's figures for each period (minute epochs, `h<hourEpoch>` or `d<yyyymmdd>`), in batches. */
  figuresOf(tenantId: string, id: string, periods: (string | number)[]): Promise<StoredFigures[]> {
    return this.hashes(periods.map((p) => this.keys.customFigures(tenantId, id, p)));
  }

  /**
   * Each metric's figures for the same periods (one array a metric), read one batch of
   * HASHES_PER_CALL after another rather than all at once: a large read (an export) leaves Redis
   * to other clients between its calls.
   */
  async figuresOfEach(tenantId: string, ids: string[], periods: (string | number)[]): Promise<StoredFigures[][]> {
    const keys = ids.flatMap((id) => periods.map((p) => this.keys.customFigures(tenantId, id, p)));
    const read: StoredFigures[] = [];
    for (let i = 0; i < keys.length; i += HASHES_PER_CALL)
      read.push(...(await this.hashes(keys.slice(i, i + HASHES_PER_CALL))));
    return ids.map((_, i) => read.slice(i * periods.length, (i + 1) * periods.length));
  }

  /** The figures of each metric for one period (a minute epoch, or `d<yyyymmdd>`), in batches. */
  figures(tenantId: string, ids: string[], period: string | number): Promise<StoredFigures[]> {
    return this.hashes(ids.map((id) => this.keys.customFigures(tenantId, id, period)));
  }
}
