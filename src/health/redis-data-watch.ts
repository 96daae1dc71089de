import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { REDIS_CLIENT, redisReady, type RedisClient } from '../redis/redis.module.js';
import { RedisKeys } from '../redis/redis-keys.js';

const CHECK_MS = 5000;

/**
 * Detects a Redis that came back empty (restarted without persistence, or flushed): Pulse keeps a
 * marker key there; when Redis answers but the marker is gone, the data (tenant registry, API
 * keys, history) was lost. Health reports it from then on, and the log says how to run Redis
 * durably.
 */
@Injectable()
export class RedisDataWatch implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisDataWatch.name);
  private timer: NodeJS.Timeout | null = null;
  private lossDetectedAt: string | null = null;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.set(this.keys.dataMarker(), randomBytes(8).toString('hex'), 'NX').catch(() => undefined);
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
    try {
      const created = await this.redis.set(this.keys.dataMarker(), randomBytes(8).toString('hex'), 'NX');
      if (created === 'OK') {
        this.lossDetectedAt = new Date().toISOString();
        this.logger.error('Redis came back without its data (tenant registry, API keys, history lost): run Redis with appendonly yes');
      }
    } catch {
      // Unreachable again: the next check tries.
    }
  }
}
