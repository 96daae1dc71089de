import { Timings } from '../jobs/timings.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { redisReady } from '../redis/redis-errors.js';
import type { TenantDelta } from './tenant-delta.js';
import { TrafficAggregator } from './traffic-aggregator.js';
import { HistoryWriter } from '../history/history-writer.js';

export interface FlushStats {
  flushes: number;
  failedWrites: number;
  lastFlushAt: string | null;
  lastFlushMs: number;
  /** Tenants whose counts wait in memory for Redis. */
  backlogTenants: number;
  /** Messages counted but not yet in Redis. */
  backlogMessages: number;
}

/**
 * Moves counts from memory to Redis. Per tenant there is at most one delta in flight, retried
 * unchanged (same sequence, so Redis applies it at most once) until Redis acknowledges it, and one
 * pending delta that absorbs new windows meanwhile. While Redis is down nothing is lost and memory
 * grows with tenants × minutes, not with messages.
 */
@Injectable()
export class TrafficFlusher {
  private readonly logger = new Logger(TrafficFlusher.name);
  /** Unique per process: the flush sequence is scoped to it. */
  readonly instanceId = randomBytes(8).toString('hex');
  private sequence = 0;
  private readonly inFlight = new Map<string, TenantDelta>();
  private readonly pending = new Map<string, TenantDelta>();
  private running: Promise<void> | null = null;
  /** The run after the one in progress, which callers during that run share. */
  private next: Promise<void> | null = null;
  private readonly stats: FlushStats = {
    flushes: 0,
    failedWrites: 0,
    lastFlushAt: null,
    lastFlushMs: 0,
    backlogTenants: 0,
    backlogMessages: 0,
  };
  private lastErrorLogAt = 0;

  constructor(
    private readonly aggregator: TrafficAggregator,
    private readonly history: HistoryWriter,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly directory: TenantDirectory,
    private readonly timings: Timings,
  ) {}

  /** One periodic flush; concurrent callers share the run in progress. */
  flush(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * One flush of everything counted before the call (the shutdown's). A run in progress took its
   * counts when it began, so a caller meanwhile gets the run after it (shared by every such
   * caller until it starts): the shutdown's flush, asked for once the drain delivered the last
   * messages, must not be a periodic run that began before them. The periodic timer keeps
   * `flush()`: chaining its ticks too would run flushes back to back.
   */
  flushEverything(): Promise<void> {
    if (!this.running) return this.flush();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.flush();
      });
    return this.next;
  }

  /** True when every counted message is in Redis. */
  get isDrained(): boolean {
    return this.inFlight.size === 0 && this.pending.size === 0;
  }

  snapshot(): FlushStats {
    return { ...this.stats };
  }

  private async run(): Promise<void> {
    const started = performance.now();
    const now = Date.now();
    for (const delta of this.aggregator.drain()) {
      const pending = this.pending.get(delta.tenantId);
      if (pending) pending.mergeFrom(delta, now);
      else this.pending.set(delta.tenantId, delta);
    }
    for (const [tenantId, delta] of this.pending) {
      if (this.inFlight.has(tenantId)) continue;
      delta.seq = ++this.sequence;
      this.inFlight.set(tenantId, delta);
      this.pending.delete(tenantId);
    }
    if (this.inFlight.size > 0 && redisReady(this.redis)) await this.writeInFlight();
    this.updateBacklog();
    this.stats.flushes++;
    this.stats.lastFlushAt = new Date().toISOString();
    this.stats.lastFlushMs = performance.now() - started;
    this.timings.observe('flush', 'traffic', this.stats.lastFlushMs / 1000);
  }

  private async writeInFlight(): Promise<void> {
    const deltas = [...this.inFlight.values()];
    const results = await Promise.allSettled(
      deltas.map((d) =>
        this.history.apply(
          d,
          this.instanceId,
          this.options.subjectsStoredPerDay,
          this.directory.retentionOf(d.tenantId),
        ),
      ),
    );
    let failures = 0;
    let firstError = '';
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        this.inFlight.delete(deltas[i].tenantId);
      } else {
        failures++;
        firstError ||= (result.reason as Error).message;
      }
    });
    if (failures > 0) {
      this.stats.failedWrites += failures;
      if (Date.now() - this.lastErrorLogAt > 10_000) {
        this.lastErrorLogAt = Date.now();
        this.logger.warn(`flush of ${failures} tenant(s) failed, kept in memory for retry: ${firstError}`);
      }
    }
  }

  private updateBacklog(): void {
    let messages = 0;
    const tenants = new Set<string>();
    for (const map of [this.inFlight, this.pending]) {
      for (const [tenantId, delta] of map) {
        messages += delta.messages;
        tenants.add(tenantId);
      }
    }
    this.stats.backlogTenants = tenants.size;
    this.stats.backlogMessages = messages;
  }
}
