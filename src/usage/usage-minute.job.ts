import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { minuteEpochOf } from '../common/time.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { HistoryKeys } from '../history/history-keys.js';
import { JETSTREAM_READER, type JetStreamReader } from '../jetstream/jetstream.types.js';
import { JobFailures } from '../jobs/job-failures.js';
import { LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { Timings } from '../jobs/timings.js';
import { SERVER_USAGE_READER, type ServerSnapshot, type ServerUsageReader } from '../nats-events/server-usage.types.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisLock } from '../redis/redis-lock.js';
import type { Tenant } from '../tenants/tenant.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { jetstreamUseOf } from './limit-utilisation.js';
import { UsageKeys } from './usage-keys.js';

/** How often the job runs: three passes a minute, so a minute is counted even when a pass is late or skipped. */
export const USAGE_PASS_MS = 20_000;
/** The claim outlives the minute it names by far; a lost claim only lets a later minute through. */
const CLAIM_SECONDS = 3600;
/** Tenants whose snapshots are read at once (their writes are then sent together). */
const BATCH = 200;
/** NATS_SYSTEM_POLL_SECONDS' default, for a reader without configured options. */
const DEFAULT_POLL_MS = 30_000;

/**
 * One tenant's minute. KEYS: the tenant record (the erasure's fence), the claim
 * (UsageKeys.minuteClaim), the minute hash. ARGV: minute (epoch s), connections, subscriptions,
 * JetStream bytes, the minute hash's TTL (s), the claim's TTL (s). The peaks (`cn_pk`, `sub_pk`)
 * are kept at the maximum on every pass; connection-minutes (`cn_min`) and JetStream byte-minutes
 * (`js_bmin`) are added once per minute: only by the pass that moves the claim forward to it, so
 * two instances, or two passes in one minute, never count a minute twice. Returns 1 when this call
 * counted the minute, 0 when the minute was counted already, -1 when the tenant is gone (nothing
 * written).
 */
export const USAGE_MINUTE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local minute = tonumber(ARGV[1])
local connections, subscriptions, bytes = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function keepMax(field, v)
  local current = tonumber(redis.call('HGET', KEYS[3], field) or '-1')
  if v > current then redis.call('HSET', KEYS[3], field, v) end
end
keepMax('${F.connectionsPeak}', connections)
keepMax('${F.subscriptionsPeak}', subscriptions)
local counted = 0
if minute > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], minute, 'EX', ARGV[6])
  if connections > 0 then redis.call('HINCRBY', KEYS[3], '${F.connectionMinutes}', connections) end
  if bytes > 0 then redis.call('HINCRBY', KEYS[3], '${F.jetstreamByteMinutes}', bytes) end
  counted = 1
end
redis.call('EXPIRE', KEYS[3], ARGV[5])
return counted
`;

/** What one pass did. */
export interface UsageMinuteResult {
  /** Tenants whose snapshot was fresh enough to count. */
  fresh: number;
  /** Tenants whose minute this pass counted (the others' was counted already, or they are gone). */
  counted: number;
}

/**
 * What a minute of one tenant adds: its connections and subscriptions (the snapshot's) and the
 * JetStream bytes it stores (accounts: the account's memory and file storage as the server
 * reports them; subjects: the bytes of its attributed streams at the JetStream poll, 0 without one).
 */
export function minuteFigures(
  snapshot: ServerSnapshot,
  attributedBytes: number | null,
): { connections: number; subscriptions: number; jetstreamBytes: number } {
  const whole = (v: number) => (Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
  const bytes = snapshot.jetstream
    ? snapshot.jetstream.storage + snapshot.jetstream.memory
    : snapshot.shape === 'subjects'
      ? (attributedBytes ?? 0)
      : 0;
  return {
    connections: whole(snapshot.connections),
    subscriptions: whole(snapshot.subscriptions),
    jetstreamBytes: whole(bytes),
  };
}

/** A snapshot counts while it is at most two poll intervals old (a poll missed, not a poller gone). */
export const isFresh = (snapshot: ServerSnapshot, nowMs: number, pollIntervalMs: number): boolean =>
  nowMs - snapshot.at <= 2 * pollIntervalMs;

/**
 * The usage minute (`usage-minute`, a LockedJob every USAGE_PASS_MS): for each active tenant whose
 * server snapshot is fresh, one fenced Lua call writes into the history's minute hash the
 * connection-minutes (`cn_min` += connections), the JetStream byte-minutes (`js_bmin` += bytes
 * stored) and the peaks (`cn_pk`, `sub_pk`), so the rollups fold them into hours and days like
 * every other counter (the connection-minutes and byte-hours of the billing export, the gauges'
 * forecast series). Without SERVER_USAGE_READER, or with server figures off, it writes nothing.
 */
@Injectable()
export class UsageMinuteJob extends LockedJobService<UsageMinuteResult> {
  private readonly logger = new Logger(UsageMinuteJob.name);
  protected readonly job: LockedJob<UsageMinuteResult>;
  private readonly script: LuaScript;
  private readonly pollIntervalMs: number;
  /**
   * Tenant → the last minute a pass of this instance found counted (by it or another instance):
   * later passes of that minute only raise the peaks and skip reading the tenant's JetStream.
   */
  private readonly counted = new Map<string, number>();

  constructor(
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly keys: UsageKeys,
    private readonly history: HistoryKeys,
    private readonly directory: TenantDirectory,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(SERVER_USAGE_READER) private readonly server: ServerUsageReader,
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstream: JetStreamReader | null = null,
  ) {
    super();
    this.pollIntervalMs = options.natsSystem?.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.script = defineScripts(redis, { pulseUsageMinute: { lua: USAGE_MINUTE_LUA, keys: 3 } }).pulseUsageMinute;
    this.job = new LockedJob(
      { lock, scheduler, failures, logger: this.logger, timings },
      { name: 'usage-minute', intervalMs: USAGE_PASS_MS, lockTtlMs: 30_000, work: (_held, now) => this.pass(now) },
    );
  }

  /** Started only where the server's figures are gathered (a system account): without them there is nothing to count. */
  override onModuleInit(): void {
    if (this.server.status().state !== 'off') super.onModuleInit();
  }

  private async pass(now: number): Promise<UsageMinuteResult> {
    const result: UsageMinuteResult = { fresh: 0, counted: 0 };
    const server = this.server;
    if (!server || server.status().state === 'off') return result;
    const tenants = this.directory.list();
    if (this.counted.size > 2 * tenants.length) this.counted.clear();
    for (let i = 0; i < tenants.length; i += BATCH) {
      const batch = tenants.slice(i, i + BATCH);
      const snapshots = await Promise.all(batch.map((t) => server.snapshot(t.id)));
      const fresh = batch.flatMap((tenant, j): [Tenant, ServerSnapshot][] => {
        const s = snapshots[j];
        return s !== null && isFresh(s, now, this.pollIntervalMs) ? [[tenant, s]] : [];
      });
      result.fresh += fresh.length;
      // Every tenant's call is issued at once: the client pipelines them.
      const replies = await Promise.all(fresh.map(([tenant, snapshot]) => this.count(tenant, snapshot, now)));
      result.counted += replies.filter((r) => r === 1).length;
    }
    return result;
  }

  private async count(tenant: Tenant, snapshot: ServerSnapshot, now: number): Promise<number> {
    const minute = minuteEpochOf(now);
    const known = this.counted.get(tenant.id) === minute;
    const view =
      !known && snapshot.shape === 'subjects' && this.jetstream ? await this.jetstream.current(tenant.id) : null;
    const attributed = view ? jetstreamUseOf(view) : null;
    const figures = minuteFigures(snapshot, attributed ? attributed.memory + attributed.storage : null);
    const reply = await this.script(
      [this.history.shared.tenant(tenant.id), this.keys.minuteClaim(tenant.id), this.history.minute(tenant.id, minute)],
      [
        minute,
        figures.connections,
        figures.subscriptions,
        figures.jetstreamBytes,
        this.directory.retentionOf(tenant.id).minuteSeconds,
        CLAIM_SECONDS,
      ],
    );
    const counted = Number(reply);
    if (counted >= 0) this.counted.set(tenant.id, minute);
    return counted;
  }
}
