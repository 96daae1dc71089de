import { Inject, Injectable } from '@nestjs/common';
import { TrafficAggregator } from '../monitoring/traffic-aggregator.js';
import { TrafficFlusher, type FlushStats } from '../monitoring/traffic-flusher.js';
import { NatsStatus, type NatsStatusSnapshot } from '../nats/nats-status.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module.js';
import { RedisDataWatch } from './redis-data-watch.js';

export interface RedisStatusSnapshot {
  state: string;
  pingMs: number | null;
  error: string | null;
  /** Set once Redis came back without its data (restarted without persistence). */
  dataLossDetectedAt: string | null;
}

export interface PulseStatus {
  nats: NatsStatusSnapshot;
  redis: RedisStatusSnapshot;
  tap: { messages: number; rejected: number; tenants: number };
  flush: FlushStats;
}

const PING_TIMEOUT_MS = 1000;

/** Pulse's own state: its NATS and Redis connections and its message pipeline. */
@Injectable()
export class PulseHealthService {
  constructor(
    private readonly nats: NatsStatus,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly aggregator: TrafficAggregator,
    private readonly flusher: TrafficFlusher,
    private readonly dataWatch: RedisDataWatch,
  ) {}

  async redisStatus(): Promise<RedisStatusSnapshot> {
    const dataLossDetectedAt = this.dataWatch.dataLossDetectedAt();
    if (this.redis.status !== 'ready') return { state: this.redis.status, pingMs: null, error: null, dataLossDetectedAt };
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PONG within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
        }),
      ]);
      return { state: 'ready', pingMs: Number((performance.now() - started).toFixed(2)), error: null, dataLossDetectedAt };
    } catch (err) {
      return { state: this.redis.status, pingMs: null, error: (err as Error).message, dataLossDetectedAt };
    } finally {
      clearTimeout(timer);
    }
  }

  async status(): Promise<PulseStatus> {
    return {
      nats: this.nats.current(),
      redis: await this.redisStatus(),
      tap: this.aggregator.stats(),
      flush: this.flusher.snapshot(),
    };
  }
}
