import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { entitled } from '../common/entitlements.js';
import { DEFAULT_JETSTREAM, type JetStreamOptions, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { JobFailures } from '../jobs/job-failures.js';
import { LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { streamOwnerOf } from './jetstream-attribution.js';
import {
  compareConsumers,
  compareStreams,
  type ConsumerSample,
  consumerFigures,
  type RawConsumer,
  type RawStream,
  sampleOf,
  streamFigures,
  worst,
} from './jetstream-figures.js';
import { finished, planTenant, pollDeadline, rotate, uniqueStreams } from './jetstream-poll-plan.js';
import { JetStreamStore, type TenantWrite } from './jetstream.store.js';
import { consumerKey, type ConsumerFigures, type JetStreamStatus, type StreamFigures } from './jetstream.types.js';

/** Consumer lists asked at once. */
const CONSUMER_LISTS_AT_ONCE = 8;
/** The operator's streams kept for the admin route; the rest are counted. */
export const MAX_UNOWNED_KEPT = 1000;
/** Samples kept per tenant for rates, as a multiple of the consumers kept. */
const SAMPLES_PER_KEPT = 10;
/** Polls skipped after the server refused a request for want of a permission (it is said once, not every poll). */
const POLLS_SKIPPED_AFTER_REFUSAL = 20;
/** An early poll waits this long after the advisory that asked for it (a stream and its consumers created together make one poll). */
export const EARLY_POLL_DELAY_MS = 500;
/** Early polls start at least this far apart: a burst of creations and deletions makes one every 2 s at most. */
export const EARLY_POLL_GAP_MS = 2000;
/** And at least this many times the last poll's duration apart, so constant churn costs ≤ ~10 % of the poller's time. */
export const EARLY_POLL_COST_FACTOR = 10;

/** The least time between two early polls, given how long the last poll took. */
export function earlyPollGap(lastPollMs: number): number {
  return Math.max(EARLY_POLL_GAP_MS, EARLY_POLL_COST_FACTOR * lastPollMs);
}

/** What one poll saw. */
export interface JetStreamPollResult {
  state: JetStreamStatus['state'];
  streams: number;
  consumers: number;
  unowned: number;
}

/** True when the error says the account (or server) has no JetStream. */
export function isJetStreamOff(err: unknown): boolean {
  const e = err as { name?: string; code?: number; message?: string };
  return (
    e?.name === 'JetStreamNotEnabled' ||
    e?.code === 10039 ||
    e?.code === 10076 ||
    /jetstream (is )?not enabled/i.test(e?.message ?? '')
  );
}

/** True when the server refused a request for want of a permission (README, JetStream: least privilege). */
export function isPermissionRefusal(err: unknown): boolean {
  return /permissions violation/i.test((err as { message?: string } | undefined)?.message ?? '');
}

/**
 * The JetStream reconcile (ARCHITECTURE.md, JetStream): every poll interval one instance (the
 * LockedJob `jetstream-poll`) lists the streams and their consumers of Pulse's application account
 * (paged, every request with a deadline), attributes each stream to a tenant by its subjects,
 * computes the figures against the previous poll's samples and writes each tenant's view and
 * history in one batch. A stream or consumer created or deleted (its advisory) asks for an early
 * poll (`requestPoll`), so it shows within seconds; the periodic poll reconciles whatever an
 * early poll missed.
 */
@Injectable()
export class JetStreamPoller extends LockedJobService<JetStreamPollResult> {
  private readonly logger = new Logger(JetStreamPoller.name);
  protected readonly job: LockedJob<JetStreamPollResult>;
  private readonly config: JetStreamOptions;
  private jsm: JetStreamManager | null = null;
  private lastStatus: JetStreamStatus;
  /** Polls still skipped after a permission refusal. */
  private skip = 0;
  private lastRefusal: string | null = null;
  /** Polls run: where the next starts in the tenant list (rotate). */
  private polls = 0;
  /** The early poll scheduled (one at a time), and when the last one ended. */
  private early: NodeJS.Timeout | null = null;
  private lastEarlyAt = 0;
  /** An early poll is running; a request meanwhile is scheduled when it ends. */
  private earlyRunning = false;
  private earlyAsked = false;
  /** How long the last poll took, failed or not (ms). */
  private lastPollMs = 0;
  private stopped = false;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly directory: TenantDirectory,
    private readonly store: JetStreamStore,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
  ) {
    super();
    this.config = options.jetstream ?? DEFAULT_JETSTREAM;
    this.lastStatus = this.config.enabled
      ? { state: 'ok', lastPollAt: null, unowned: 0 }
      : { state: 'off', detail: 'JETSTREAM_MONITORING=false', lastPollAt: null, unowned: 0 };
    this.job = new LockedJob(
      { lock, scheduler, failures, logger: this.logger },
      {
        name: 'jetstream-poll',
        intervalMs: this.config.pollIntervalMs,
        lockTtlMs: Math.max(30_000, 2 * this.config.pollIntervalMs),
        work: (_held, now) => this.poll(now),
      },
    );
  }

  override onModuleInit(): void {
    if (this.config.enabled) super.onModuleInit();
  }

  override beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.early) clearTimeout(this.early);
    this.early = null;
    super.beforeApplicationShutdown();
  }

  /**
   * Asks for a poll soon (a stream or consumer was created or deleted): one timer at most, run
   * EARLY_POLL_DELAY_MS after the first request and `earlyPollGap` (2 s, or 10 times the last
   * poll's duration, failed or not) after the last early poll ended at the soonest; requests
   * meanwhile join it. None while the permission-refusal back-off lasts (early polls would use it
   * up). The poll runs on this instance through the lock: when another instance holds it, this one
   * skips and the periodic poll reconciles. Each instance that receives advisories schedules its
   * own. No I/O here.
   */
  requestPoll(): void {
    if (!this.config.enabled || this.stopped || this.early || this.skip > 0) return;
    if (this.earlyRunning) {
      this.earlyAsked = true;
      return;
    }
    const wait = Math.max(EARLY_POLL_DELAY_MS, this.lastEarlyAt + earlyPollGap(this.lastPollMs) - Date.now());
    this.early = setTimeout(() => {
      this.early = null;
      this.earlyRunning = true;
      // run() never rejects (LockedJob catches); the gap counts from the poll's end, and a request
      // made meanwhile is scheduled then.
      void this.run().finally(() => {
        this.lastEarlyAt = Date.now();
        this.earlyRunning = false;
        if (!this.earlyAsked) return;
        this.earlyAsked = false;
        this.requestPoll();
      });
    }, wait);
    this.early.unref();
  }

  /** This instance's last poll (`ok` with no lastPollAt before one; `off` when disabled); other instances read the stored status. */
  status(): JetStreamStatus {
    return this.lastStatus;
  }

  private async poll(now: number): Promise<JetStreamPollResult> {
    const polledAt = new Date(now).toISOString();
    if (this.skip > 0) {
      this.skip--;
      return { state: this.lastStatus.state, streams: 0, consumers: 0, unowned: 0 };
    }
    const started = performance.now();
    try {
      const result = await this.reconcile(now, polledAt);
      this.lastRefusal = null;
      return result;
    } catch (err) {
      const off = isJetStreamOff(err);
      const refused = !off && isPermissionRefusal(err);
      const message = (err as Error).message;
      this.lastStatus = {
        state: off ? 'off' : 'error',
        detail: off
          ? 'the account has no JetStream'
          : refused
            ? `${message}: grant Pulse's NATS user the permissions in README, JetStream (or set JETSTREAM_MONITORING=false)`
            : message,
        lastPollAt: polledAt,
        unowned: 0,
      };
      await this.store.writeStatus(this.lastStatus);
      // No JetStream is a state, not a failure: said in the status, never a warning per poll.
      if (off) return { state: 'off', streams: 0, consumers: 0, unowned: 0 };
      if (refused) {
        // Every refused request is also an error on the connection: asked again only every
        // POLLS_SKIPPED_AFTER_REFUSAL polls, warned once.
        if (this.lastRefusal !== message) this.logger.warn(this.lastStatus.detail);
        this.lastRefusal = message;
        this.skip = POLLS_SKIPPED_AFTER_REFUSAL;
        return { state: 'error', streams: 0, consumers: 0, unowned: 0 };
      }
      throw err;
    } finally {
      // A slow failing poll spaces the early polls as much as a slow successful one.
      this.lastPollMs = performance.now() - started;
    }
  }

  private async reconcile(now: number, polledAt: string): Promise<JetStreamPollResult> {
    // No account-info check (that would need one more permission): the first list says whether
    // JetStream answers. Every request has the deadline.
    this.jsm ??= await jetstreamManager(this.nc, {
      checkAPI: false,
      timeout: Math.min(5000, this.config.pollIntervalMs),
    });
    const jsm = this.jsm;
    const deadline = pollDeadline(Date.now(), this.config.pollIntervalMs);
    const tenants = this.directory.list();
    const known = new Set(tenants.map((t) => t.id));
    const watched = new Set(tenants.filter((t) => entitled(t.tier, 'jetstream')).map((t) => t.id));
    const withHistory = new Set(tenants.filter((t) => entitled(t.tier, 'jetstreamHistory')).map((t) => t.id));
    const owners = new Map<string, string>();
    const byTenant = new Map<string, RawStream[]>();
    const unowned: StreamFigures[] = [];
    let streamCount = 0;
    for await (const raw of uniqueStreams(jsm.streams.list())) {
      streamCount++;
      const owner = streamOwnerOf(raw.config, this.options.tenantSubjectPrefix, (id) => known.has(id));
      if (owner === null) {
        unowned.push(streamFigures(raw));
        continue;
      }
      owners.set(raw.config.name, owner);
      if (!watched.has(owner)) continue;
      let list = byTenant.get(owner);
      if (!list) byTenant.set(owner, (list = []));
      list.push(raw);
    }
    const plans = rotate([...watched], this.polls++).map((id) =>
      planTenant(id, byTenant.get(id) ?? [], this.config.maxStreamsPerTenant),
    );
    const consumers = await this.consumersOf(
      jsm,
      plans.flatMap((p) => p.toList),
      deadline,
    );
    // A tenant not finished by the deadline keeps its previous view whole (its polledAt says how
    // old): writing part of it would drop consumers and make open anomalies resolve and reopen.
    const done = plans.filter((p) => finished(p, consumers));
    if (done.length < plans.length)
      this.logger.warn(
        `JetStream poll deadline passed: ${plans.length - done.length} tenants keep their previous view`,
      );
    const samples = await this.store.samples(done.map((p) => p.tenantId));
    const writes: TenantWrite[] = [];
    let consumerCount = 0;
    for (const { tenantId, streams, toList, consumersOmitted } of done) {
      const previous = samples.get(tenantId) ?? new Map<string, ConsumerSample>();
      const figures: ConsumerFigures[] = [];
      for (const name of toList) {
        for (const c of consumers.get(name) ?? []) {
          figures.push(consumerFigures(c, previous.get(consumerKey(c.stream_name, c.name)), now));
        }
      }
      consumerCount += figures.length;
      const keptConsumers = worst(figures, this.config.maxConsumersPerTenant, compareConsumers);
      const sampled = figures
        .sort(compareConsumers)
        .slice(0, SAMPLES_PER_KEPT * this.config.maxConsumersPerTenant)
        .map((c): [string, ConsumerSample] => {
          const key = consumerKey(c.stream, c.name);
          return [key, sampleOf(c, previous.get(key), now)];
        });
      writes.push({
        view: {
          tenantId,
          polledAt,
          streams: streams.kept,
          consumers: keptConsumers.kept,
          omitted: { streams: streams.omitted, consumers: keptConsumers.omitted + consumersOmitted },
        },
        samples: new Map(sampled),
        retention: this.directory.retentionOf(tenantId),
        history: withHistory.has(tenantId),
      });
    }
    const keptUnowned = worst(unowned, MAX_UNOWNED_KEPT, compareStreams);
    this.lastStatus = { state: 'ok', lastPollAt: polledAt, unowned: unowned.length };
    await this.store.write(
      writes,
      owners,
      { polledAt, streams: keptUnowned.kept, omitted: keptUnowned.omitted },
      this.lastStatus,
      now,
    );
    return { state: 'ok', streams: streamCount, consumers: consumerCount, unowned: unowned.length };
  }

  /**
   * Stream name → its consumers, CONSUMER_LISTS_AT_ONCE lists at a time, in the order given; a
   * stream deleted meanwhile has none. Past the deadline no list is started: those streams are absent.
   */
  private async consumersOf(
    jsm: JetStreamManager,
    streams: string[],
    deadline: number,
  ): Promise<Map<string, RawConsumer[]>> {
    const out = new Map<string, RawConsumer[]>();
    let next = 0;
    const worker = async () => {
      while (next < streams.length && Date.now() < deadline) {
        const name = streams[next++];
        const list: RawConsumer[] = [];
        try {
          for await (const c of jsm.consumers.list(name)) list.push(c);
        } catch (err) {
          if ((err as { code?: number }).code !== 10059) throw err;
        }
        out.set(name, list);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONSUMER_LISTS_AT_ONCE, streams.length) }, worker));
    return out;
  }
}
