import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { entitled } from '../common/entitlements.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { AdvisoryKeys } from './advisories-keys.js';
import {
  ADVISORY_SUBJECT,
  type Advisory,
  type AdvisoryKind,
  parseAdvisory,
  readWindow,
  tally,
  type WindowAdvisories,
} from './advisories.js';
import { JetStreamPoller } from './jetstream.poller.js';
import { consumerKey, JETSTREAM_READER, type JetStreamReader } from './jetstream.types.js';

/** Advisories held between flushes (Redis slow or away); beyond, new ones are dropped (counted). */
export const MAX_QUEUED_ADVISORIES = 10_000;
/** Per-consumer fields one window's hash holds (beyond, counts go to `over`). */
export const MAX_CONSUMER_FIELDS = 300;
/**
 * How long the stream → tenant map (and each tenant's consumers) is used before it is asked again
 * (sooner for a stream or consumer it lacks: `ownersOf`).
 */
const OWNERS_TTL_MS = 5000;
/** Advisories that change the inventory: each asks the poller for an early poll. */
const INVENTORY_KINDS: ReadonlySet<AdvisoryKind> = new Set<AdvisoryKind>([
  'stream_created',
  'stream_deleted',
  'consumer_created',
  'consumer_deleted',
]);
/** A window's hash outlives the window by this much at least (a takeover judges missed windows). */
const MIN_KEEP_SECONDS = 3600;

/**
 * KEYS[1] the tenant's record (the erasure's fence: without it nothing is written, -1), KEYS[2]
 * the window's hash. ARGV[1] expiry (s), ARGV[2] most fields, then (op, field, value) triples:
 * `i` adds, `s` sets. `k:` fields always have room; another new field beyond the bound is not
 * written (an add goes to `over`).
 */
const COUNT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local most = tonumber(ARGV[2])
for i = 3, #ARGV, 3 do
  local op, field, v = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if string.sub(field, 1, 2) == 'k:' or redis.call('HEXISTS', KEYS[2], field) == 1 or redis.call('HLEN', KEYS[2]) < most then
    if op == 'i' then redis.call('HINCRBY', KEYS[2], field, v) else redis.call('HSET', KEYS[2], field, v) end
  elseif op == 'i' then
    redis.call('HINCRBY', KEYS[2], 'over', v)
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
`;

export interface AdvisoriesStatus {
  /**
   * `off` without a JetStream reader or with JETSTREAM_MONITORING=false (nothing subscribed);
   * `error` when the server refused the subscription (a permission).
   */
  state: 'off' | 'on' | 'error';
  counted: number;
  /** Payloads that were no advisory Pulse knows, or malformed. */
  rejected: number;
  /**
   * Advisories not counted for any tenant: of a stream no tenant owns (the operator's, or not
   * polled yet), of a consumer the tenant's last poll did not list (new, beyond the kept ones, or
   * forged), or of a tenant whose tier has no anomalies (the only reader).
   */
  unmatched: number;
  /** Dropped because MAX_QUEUED_ADVISORIES were waiting. */
  dropped: number;
  lastAt: string | null;
}

interface Queued {
  advisory: Advisory;
  at: number;
}

/** The stream → tenant map and, per tenant asked, the consumers its last poll listed. */
interface Owners {
  map: Map<string, string>;
  consumers: Map<string, Set<string>>;
  at: number;
}

/** A refused advisories subscription is tried again after this many poll intervals (as the poll after a refusal). */
export const SUBSCRIBE_RETRY_POLLS = 20;

/**
 * JetStream advisories per tenant (issue #33): Pulse's application connection subscribes to
 * `$JS.EVENT.ADVISORY.>` in the deployment's queue group (each advisory counted by one
 * instance); the handler parses (bounded) and queues, no I/O; every flush interval the queue is
 * attributed to tenants by stream name (`JetStreamReader.owners()`, asked every 5 s, sooner for a
 * stream or consumer the map lacks) and counted into a hash per tenant and anomaly window
 * (`AdvisoryKeys.window`) by one fenced Lua call each, so the anomaly job on any instance reads
 * every instance's counts. A stream or consumer created or deleted asks this instance's poller
 * for an early poll (debounced there).
 *
 * In a shared account any user allowed to publish `$JS.EVENT.>` can forge an advisory; Pulse
 * cannot tell it from the server's (README, JetStream: what tenant users must not do). What it
 * can, it does: a consumer advisory counts only when the consumer is one the tenant's last poll
 * listed, and only tenants entitled to anomalies (their only reader) get counts.
 */
@Injectable()
export class AdvisoriesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdvisoriesService.name);
  private readonly flushTimer: NamedInterval;
  private readonly script: LuaScript;
  private readonly windowMs: number;
  private subscription: Subscription | null = null;
  private queue: Queued[] = [];
  private owners: Owners | null = null;
  private flushing: Promise<void> | null = null;
  /** A flush failed (Redis away): said once, quiet until a flush succeeds. */
  private failing = false;
  /** The server refused the subscription; a retry is scheduled (`resubscribe`). */
  private subscriptionFailed = false;
  private resubscribe: NodeJS.Timeout | null = null;
  private stopped = false;
  private counted = 0;
  private rejected = 0;
  private unmatched = 0;
  private dropped = 0;
  private lastAt: number | null = null;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: AdvisoryKeys,
    @Inject(TenantDirectory) private readonly directory: Pick<TenantDirectory, 'get'>,
    scheduler: SchedulerRegistry,
    @Optional() @Inject(JETSTREAM_READER) private readonly reader?: JetStreamReader,
    @Optional() private readonly poller?: JetStreamPoller,
  ) {
    this.windowMs = options.anomalyWindowMs;
    this.flushTimer = new NamedInterval(scheduler, 'jetstream-advisories-flush');
    this.script = defineScripts(redis, { pulseJsAdvisories: { lua: COUNT_LUA, keys: 2 } }).pulseJsAdvisories;
  }

  private enabled(): boolean {
    return this.reader !== undefined && this.options.jetstream?.enabled !== false;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled()) return;
    this.subscribe();
    this.flushTimer.start(this.options.flushIntervalMs, () => void this.flush().catch(() => undefined));
  }

  /**
   * Subscribes to the advisories. A refused subscription (the permission missing; nats closes it)
   * is said once and tried again every SUBSCRIBE_RETRY_POLLS poll intervals until the server
   * accepts it (the state is `error` meanwhile, `on` once a retry is accepted).
   */
  private subscribe(): void {
    let refused = false;
    const subscription = this.nats.subscribe(ADVISORY_SUBJECT, {
      queue: this.options.nats.queueGroup,
      callback: (err, msg) => {
        if (!err) return this.handle(msg);
        refused = true;
        if (!this.subscriptionFailed)
          this.logger.warn(`JetStream advisories not received: ${err.message} (README, JetStream: least privilege)`);
        this.subscriptionFailed = true;
        this.scheduleResubscribe();
      },
    });
    this.subscription = subscription;
    if (!this.subscriptionFailed) return;
    // A retry: accepted when the server answered the round trip after it without refusing it.
    void this.nats.flush().then(
      () => {
        if (!refused && this.subscription === subscription) this.subscriptionFailed = false;
      },
      () => undefined,
    );
  }

  private scheduleResubscribe(): void {
    if (this.resubscribe || this.stopped) return;
    const interval = this.options.jetstream?.pollIntervalMs ?? 0;
    this.resubscribe = setTimeout(() => {
      this.resubscribe = null;
      if (!this.stopped) this.subscribe();
    }, SUBSCRIBE_RETRY_POLLS * interval);
    this.resubscribe.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.resubscribe) clearTimeout(this.resubscribe);
    this.resubscribe = null;
    this.flushTimer.stop();
    this.subscription?.unsubscribe();
    await this.flush().catch(() => undefined);
  }

  status(): AdvisoriesStatus {
    return {
      state: !this.enabled() ? 'off' : this.subscriptionFailed ? 'error' : 'on',
      counted: this.counted,
      rejected: this.rejected,
      unmatched: this.unmatched,
      dropped: this.dropped,
      lastAt: this.lastAt === null ? null : new Date(this.lastAt).toISOString(),
    };
  }

  /** One advisory: parsed (bounded) and queued with its arrival time. No I/O; never throws. */
  handle(msg: Pick<Msg, 'subject' | 'data'>): void {
    const advisory = parseAdvisory(msg.subject, msg.data);
    if (advisory === 'ignored') return;
    if (advisory === null) {
      this.rejected++;
      return;
    }
    if (INVENTORY_KINDS.has(advisory.kind)) this.poller?.requestPoll();
    const at = Date.now();
    this.lastAt = at;
    if (this.queue.length >= MAX_QUEUED_ADVISORIES) {
      this.dropped++;
      return;
    }
    this.queue.push({ advisory, at });
  }

  /**
   * Attributes and writes what was queued, one Lua call per tenant and window; a failed write is
   * queued again, and so is all of it while the owners cannot be read. One flush at a time (the
   * timer does not wait for a slow Redis): a call while one runs joins it.
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    let owners: Owners;
    try {
      owners = await this.ownersOf(batch);
    } catch (err) {
      this.failed('stream owners not read', err);
      this.requeue(batch);
      return;
    }
    const groups = new Map<string, { tenantId: string; window: number; items: Queued[] }>();
    for (const item of batch) {
      const tenantId = this.tenantOf(item.advisory, owners);
      if (tenantId === null) {
        this.unmatched++;
        continue;
      }
      const window = Math.floor(item.at / this.windowMs) * this.windowMs;
      const id = `${tenantId}\n${window}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { tenantId, window, items: [] }));
      group.items.push(item);
    }
    const keepSeconds = Math.max(MIN_KEEP_SECONDS, Math.ceil((4 * this.windowMs) / 1000));
    let failed = false;
    for (const { tenantId, window, items } of groups.values()) {
      const args = tally(items.map((i) => i.advisory)).flat();
      try {
        const key = this.keys.window(tenantId, window / 1000);
        await this.script([this.keys.shared.tenant(tenantId), key], [keepSeconds, MAX_CONSUMER_FIELDS, ...args]);
        this.counted += items.length;
      } catch (err) {
        failed = true;
        this.failed('advisories kept for a retry', err);
        this.requeue(items);
      }
    }
    if (!failed) this.failing = false;
  }

  /** Puts advisories back in the queue, within its bound (the rest are dropped, counted). */
  private requeue(items: Queued[]): void {
    const room = Math.max(0, MAX_QUEUED_ADVISORIES - this.queue.length);
    this.dropped += Math.max(0, items.length - room);
    this.queue.push(...items.slice(0, room));
  }

  /** Warns of a failed flush once per outage; Redis away is the health check's to report, not a warning per flush. */
  private failed(what: string, err: unknown): void {
    if (!this.failing && !isRedisUnavailable(err)) this.logger.warn(`JetStream ${what}: ${(err as Error).message}`);
    this.failing = true;
  }

  /**
   * The tenant an advisory counts for, or null: its stream's owner, entitled to anomalies, and
   * for a consumer's advisory a consumer that owner's last poll listed.
   */
  private tenantOf(advisory: Advisory, owners: Owners): string | null {
    const tenantId = owners.map.get(advisory.stream);
    if (tenantId === undefined) return null;
    const tier = this.directory.get(tenantId)?.tier;
    if (tier === undefined || !entitled(tier, 'anomalies')) return null;
    if (advisory.consumer === null) return tenantId;
    return owners.consumers.get(tenantId)?.has(consumerKey(advisory.stream, advisory.consumer)) ? tenantId : null;
  }

  /** The counts of the tenant's window starting at `windowStartMs` (every instance's). */
  async read(tenantId: string, windowStartMs: number): Promise<WindowAdvisories> {
    return readWindow(await this.redis.hgetall(this.keys.window(tenantId, Math.floor(windowStartMs / 1000))));
  }

  /**
   * The owners map (asked every OWNERS_TTL_MS) and the consumers of each tenant the batch names
   * with a consumer (its last poll's, asked once per refresh; at most one set per tenant owning a
   * stream). An advisory that came after the map was read and names a stream or consumer it lacks
   * has it read again (once a flush at most): a stream or consumer polled meanwhile (the early
   * poll its creation asked for) is counted, not dropped as unmatched for up to OWNERS_TTL_MS.
   * Throws when they cannot be read: the caller keeps the batch for later.
   */
  private async ownersOf(batch: readonly Queued[]): Promise<Owners> {
    const now = Date.now();
    let owners = this.owners;
    if (!owners || now - owners.at >= OWNERS_TTL_MS) owners = await this.readOwners(now);
    await this.readConsumers(owners, batch);
    const { at } = owners;
    if (at < now && batch.some((i) => i.at >= at && !this.known(i.advisory, owners!))) {
      owners = await this.readOwners(now);
      await this.readConsumers(owners, batch);
    }
    this.owners = owners;
    return owners;
  }

  /** Whether the map names the advisory's stream and, for a consumer's, that tenant's consumer. */
  private known(advisory: Advisory, owners: Owners): boolean {
    const tenantId = owners.map.get(advisory.stream);
    if (tenantId === undefined) return false;
    if (advisory.consumer === null) return true;
    return owners.consumers.get(tenantId)?.has(consumerKey(advisory.stream, advisory.consumer)) ?? true;
  }

  private async readOwners(now: number): Promise<Owners> {
    return { map: await this.reader!.owners(), consumers: new Map(), at: now };
  }

  /** The last poll's consumers of each tenant (with anomalies) the batch names a consumer of, not yet read. */
  private async readConsumers(owners: Owners, batch: readonly Queued[]): Promise<void> {
    for (const { advisory } of batch) {
      if (advisory.consumer === null) continue;
      const tenantId = owners.map.get(advisory.stream);
      if (tenantId === undefined || owners.consumers.has(tenantId)) continue;
      const tier = this.directory.get(tenantId)?.tier;
      if (tier === undefined || !entitled(tier, 'anomalies')) continue;
      const view = await this.reader!.current(tenantId);
      owners.consumers.set(tenantId, new Set((view?.consumers ?? []).map((c) => consumerKey(c.stream, c.name))));
    }
  }
}
