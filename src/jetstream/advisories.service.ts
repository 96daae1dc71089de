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
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NamedInterval } from '../jobs/named-interval.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
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
import { JETSTREAM_READER, type JetStreamReader } from './jetstream.types.js';

/** Advisories held between flushes (Redis slow or away); beyond, new ones are dropped (counted). */
export const MAX_QUEUED_ADVISORIES = 10_000;
/** Per-consumer fields one window's hash holds (beyond, counts go to `over`). */
export const MAX_CONSUMER_FIELDS = 300;
/** How long the stream → tenant map is used before it is asked again (sooner for a stream it lacks: `flush`). */
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
  /** `off` without a JetStream reader (nothing to attribute advisories with). */
  state: 'off' | 'on';
  counted: number;
  /** Payloads that were no advisory Pulse knows, or malformed. */
  rejected: number;
  /** Advisories of a stream no tenant owns (the operator's, or not polled yet). */
  unmatched: number;
  /** Dropped because MAX_QUEUED_ADVISORIES were waiting. */
  dropped: number;
  lastAt: string | null;
}

interface Queued {
  advisory: Advisory;
  at: number;
}

/**
 * JetStream advisories per tenant (issue #33): Pulse's application connection subscribes to
 * `$JS.EVENT.ADVISORY.>` in the deployment's queue group (each advisory counted by one
 * instance); the handler parses (bounded) and queues, no I/O; every flush interval the queue is
 * attributed to tenants by stream name (`JetStreamReader.owners()`, asked every 5 s, sooner for a
 * stream the map lacks) and counted into a hash per tenant and anomaly window
 * (`AdvisoryKeys.window`) by one fenced Lua call each, so the anomaly job on any instance reads
 * every instance's counts. A stream or consumer created or deleted asks this instance's poller
 * for an early poll (debounced there).
 */
@Injectable()
export class AdvisoriesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdvisoriesService.name);
  private readonly flushTimer: NamedInterval;
  private readonly script: LuaScript;
  private readonly windowMs: number;
  private subscription: Subscription | null = null;
  private queue: Queued[] = [];
  private owners: { map: Map<string, string>; at: number } | null = null;
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
    scheduler: SchedulerRegistry,
    @Optional() @Inject(JETSTREAM_READER) private readonly reader?: JetStreamReader,
    @Optional() private readonly poller?: JetStreamPoller,
  ) {
    this.windowMs = options.anomalyWindowMs;
    this.flushTimer = new NamedInterval(scheduler, 'jetstream-advisories-flush');
    this.script = defineScripts(redis, { pulseJsAdvisories: { lua: COUNT_LUA, keys: 2 } }).pulseJsAdvisories;
  }

  onApplicationBootstrap(): void {
    if (!this.reader) return;
    this.subscription = this.nats.subscribe(ADVISORY_SUBJECT, {
      queue: this.options.nats.queueGroup,
      callback: (err, msg) => {
        if (!err) this.handle(msg);
      },
    });
    this.flushTimer.start(this.options.flushIntervalMs, () => void this.flush().catch(() => undefined));
  }

  async onApplicationShutdown(): Promise<void> {
    this.flushTimer.stop();
    this.subscription?.unsubscribe();
    await this.flush().catch(() => undefined);
  }

  status(): AdvisoriesStatus {
    return {
      state: this.reader ? 'on' : 'off',
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

  /** Attributes and writes what was queued, one Lua call per tenant and window; a failed write is queued again. */
  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    let owners = await this.ownersMap();
    // A stream the map does not name, of an advisory that came after the map was read: the map is
    // read again (once a flush at most), so a stream polled meanwhile (the early poll its creation
    // asked for) is counted, not dropped as unmatched for up to OWNERS_TTL_MS.
    const readAt = this.owners?.at ?? 0;
    if (batch.some((i) => i.at >= readAt && !owners.has(i.advisory.stream))) owners = await this.ownersMap(true);
    const groups = new Map<string, { tenantId: string; window: number; items: Queued[] }>();
    for (const item of batch) {
      const tenantId = owners.get(item.advisory.stream);
      if (tenantId === undefined) {
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
    for (const { tenantId, window, items } of groups.values()) {
      const args = tally(items.map((i) => i.advisory)).flat();
      try {
        const key = this.keys.window(tenantId, window / 1000);
        await this.script([this.keys.shared.tenant(tenantId), key], [keepSeconds, MAX_CONSUMER_FIELDS, ...args]);
        this.counted += items.length;
      } catch (err) {
        this.logger.warn(`JetStream advisories of ${tenantId} kept for a retry: ${(err as Error).message}`);
        const room = MAX_QUEUED_ADVISORIES - this.queue.length;
        this.dropped += Math.max(0, items.length - room);
        this.queue.push(...items.slice(0, Math.max(0, room)));
      }
    }
  }

  /** The counts of the tenant's window starting at `windowStartMs` (every instance's). */
  async read(tenantId: string, windowStartMs: number): Promise<WindowAdvisories> {
    return readWindow(await this.redis.hgetall(this.keys.window(tenantId, Math.floor(windowStartMs / 1000))));
  }

  /** The stream → tenant map, read again when OWNERS_TTL_MS old (or `again`); the last one kept when the read fails. */
  private async ownersMap(again = false): Promise<Map<string, string>> {
    const now = Date.now();
    if (!again && this.owners && now - this.owners.at < OWNERS_TTL_MS) return this.owners.map;
    try {
      this.owners = { map: await this.reader!.owners(), at: now };
    } catch (err) {
      this.logger.warn(`JetStream stream owners not read: ${(err as Error).message}`);
      this.owners ??= { map: new Map(), at: now };
    }
    return this.owners.map;
  }
}
