import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DEFAULT_JETSTREAM, type JetStreamOptions, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { JetStreamArchive } from './jetstream-archive.js';
import { JetStreamPoller } from './jetstream.poller.js';
import { JetStreamStore } from './jetstream.store.js';
import type {
  JetStreamHistoryPoint,
  JetStreamReader,
  JetStreamStatus,
  TenantJetStream,
  TenantWorstConsumer,
} from './jetstream.types.js';

/**
 * The JetStreamReader of every instance (bound to JETSTREAM_READER): the views, history and
 * owners the poll stored in Redis. `status()` is synchronous: the last status this instance knows,
 * its own poll's or the stored one, read again every poll interval.
 */
@Injectable()
export class RedisJetStreamReader implements JetStreamReader, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly config: JetStreamOptions;
  private stored: JetStreamStatus | null = null;
  private readonly refresh: NamedInterval;

  constructor(
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly store: JetStreamStore,
    private readonly poller: JetStreamPoller,
    scheduler: SchedulerRegistry,
    private readonly archive: JetStreamArchive,
  ) {
    this.config = options.jetstream ?? DEFAULT_JETSTREAM;
    this.refresh = new NamedInterval(scheduler, 'jetstream-status');
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    const read = () => void this.refreshStatus().catch(() => undefined);
    read();
    this.refresh.start(this.config.pollIntervalMs, read);
  }

  onApplicationShutdown(): void {
    this.refresh.stop();
  }

  /** Reads the stored status (the poller's, whichever instance ran it). */
  async refreshStatus(): Promise<JetStreamStatus> {
    this.stored = await this.store.status();
    return this.status();
  }

  /**
   * Null while the status is `off` (a view stored before JetStream went away is not shown), unless
   * `evenWhenOff` (the export).
   */
  current(tenantId: string, read?: { evenWhenOff: boolean }): Promise<TenantJetStream | null> {
    if (this.status().state === 'off' && !read?.evenWhenOff) return Promise.resolve(null);
    return this.store.current(tenantId);
  }

  history(
    tenantId: string,
    fromMs: number,
    toMs: number,
    resolution: 'minute' | 'hour',
  ): Promise<JetStreamHistoryPoint[]> {
    // Hours before the hot window come from the cold store (when on); minutes are always in Redis.
    const now = Date.now();
    const cold = (epochs: number[]) => this.archive.coldHours(tenantId, epochs, now);
    return this.store.history(tenantId, fromMs, toMs, resolution, resolution === 'hour' ? cold : undefined);
  }

  status(): JetStreamStatus {
    const own = this.poller.status();
    if (!this.config.enabled || this.stored === null) return own;
    // The newer of this instance's poll and the stored one.
    return (own.lastPollAt ?? '') >= (this.stored.lastPollAt ?? '') ? own : this.stored;
  }

  owners(): Promise<Map<string, string>> {
    return this.store.owners();
  }

  /**
   * One read of the ranking the poll wrote (`js:worst`), at most MAX_WORST_READ. Empty while `off`;
   * while the poll fails, without the entries polled more than 3 intervals ago (a stale ranking is hidden).
   */
  async worst(limit: number): Promise<TenantWorstConsumer[]> {
    const state = this.status().state;
    if (state === 'off') return [];
    const rows = await this.store.worst(limit);
    if (state === 'ok') return rows;
    const oldest = Date.now() - 3 * this.config.pollIntervalMs;
    return rows.filter((r) => Date.parse(r.polledAt) >= oldest);
  }
}
