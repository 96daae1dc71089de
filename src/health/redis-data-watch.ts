import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { redisReady } from '../redis/redis-errors.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';

const CHECK_MS = 5000;
/** Tags tried to find a slot of every master (1,024 cover any realistic number of masters). */
const MAX_TAGS = 1024;

/**
 * Detects a Redis that came back empty (restarted without persistence, or flushed): Pulse keeps a
 * marker key there; when Redis answers but a marker this instance saw is gone or was replaced,
 * the data (tenant registry, API keys, history) was lost. Health reports it from then on, and the
 * log says how to run Redis durably. On Redis Cluster every master holds a marker of its own (in
 * a slot it serves), so a single master restarted empty is caught too, whichever slots it held;
 * the tenants whose records survived on the other masters then get their lost index entries back.
 */
@Injectable()
export class RedisDataWatch implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisDataWatch.name);
  private timer: NodeJS.Timeout | null = null;
  private lossDetectedAt: string | null = null;
  /** Marker key → the value this instance last saw there (or put there). */
  private readonly seen = new Map<string, string>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly directory: TenantDirectory,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** When Pulse saw Redis come back without its data, or null. */
  dataLossDetectedAt(): string | null {
    return this.lossDetectedAt;
  }

  async check(): Promise<void> {
    if (!redisReady(this.redis)) return;
    await Promise.all([...this.markers()].map(([key, where]) => this.checkMarker(key, where)));
  }

  /**
   * A marker holds a random value. Gone, or holding a value this instance never saw (another
   * instance noticed first and put a new one), means the data was lost.
   */
  private async checkMarker(key: string, where: string): Promise<void> {
    const remembered = this.seen.get(key);
    try {
      let value = await this.redis.get(key);
      if (value === null) {
        const fresh = randomBytes(8).toString('hex');
        if ((await this.redis.set(key, fresh, 'NX')) !== 'OK') return; // another instance just did: next check
        value = fresh;
      }
      this.seen.set(key, value);
    } catch {
      return; // unreachable (that master, or all of Redis): the next check tries
    }
    if (remembered !== undefined && remembered !== this.seen.get(key)) {
      this.lossDetectedAt ??= new Date().toISOString();
      this.logger.error(
        `${where} came back without its data (tenant registry, API keys, history lost): run Redis with appendonly yes`,
      );
      // What survived elsewhere (a Cluster's other masters) is indexed again.
      await this.directory.repairIndexes();
    }
  }

  /** Marker key → where it lives, for the log. */
  private markers(): Map<string, string> {
    if (!(this.redis instanceof Cluster)) return new Map([[this.keys.dataMarker(), 'Redis']]);
    // slots[slot][0] is the master serving the slot; the first tag hashing into a master's slots names its marker.
    const masters = new Set(this.redis.slots.map((nodes) => nodes[0]).filter(Boolean));
    const markers = new Map<string, string>();
    for (let i = 0; masters.size > 0 && i < MAX_TAGS; i++) {
      const key = this.keys.dataMarker(`m${i}`);
      const master = this.redis.slots[calculateSlot(key)]?.[0];
      if (master && masters.delete(master)) markers.set(key, `Redis Cluster master ${master}`);
    }
    return markers;
  }
}
