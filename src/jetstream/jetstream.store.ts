import { Inject, Injectable } from '@nestjs/common';
import type { Retention } from '../common/retention.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { type FencedCommand, TenantFence } from '../redis/tenant-fence.js';
import type { ConsumerSample } from './jetstream-figures.js';
import { JetStreamKeys } from './jetstream-keys.js';
import {
  type ConsumerFigures,
  consumerKey,
  type JetStreamHistoryPoint,
  type JetStreamStatus,
  type StreamFigures,
  type TenantJetStream,
  type TenantWorstConsumer,
} from './jetstream.types.js';

/** What one poll writes for one tenant. */
export interface TenantWrite {
  view: TenantJetStream;
  /** Every consumer seen (up to the samples' bound), for the next poll's rates. */
  samples: Map<string, ConsumerSample>;
  retention: Retention;
  /** Entitled to `jetstreamHistory` (enterprise): only then are minute and hour history written. */
  history: boolean;
}

/** The operator's streams (no tenant's), as the admin route lists them. */
export interface UnownedStreams {
  polledAt: string;
  streams: StreamFigures[];
  omitted: number;
}

/** Minutes / hours one history read may span (24 h of minutes, 31 days of hours). */
export const MAX_HISTORY_PERIODS = { minute: 1440, hour: 744 } as const;
const PERIOD_SECONDS = { minute: 60, hour: 3600 } as const;
/** Tenants one `worst` read returns at most. */
export const MAX_WORST_READ = 100;

/**
 * A tenant's score in the ranking (`js:worst`, ascending): minus its worst consumer's pending,
 * less a fraction in (−0.5, 0.5) that grows with the pending's growth, so that equal pending goes
 * to the faster-growing lag and equal scores to the lower tenant id (Redis orders them so).
 */
export function worstScore(c: ConsumerFigures): number {
  return -(c.pending + Math.atan(c.pendingGrowth ?? 0) / Math.PI);
}

/**
 * The JetStream poll's Redis store (ARCHITECTURE.md, JetStream). A poll's writes leave in one
 * batch: one fenced Lua call per tenant (TenantFence: a tenant erased meanwhile gets nothing back),
 * issued together so the client pipelines them, and one MULTI for the deployment's keys (owners,
 * status, the operator's streams, the tenants' ranking by worst consumer).
 */
@Injectable()
export class JetStreamStore {
  readonly keys: JetStreamKeys;
  /** Expiry of the current view and the samples: long enough to outlive a slow poll, never forever. */
  private readonly currentSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly fence: TenantFence,
  ) {
    this.keys = new JetStreamKeys(options.redis.keyPrefix);
    this.currentSeconds = Math.max(3600, Math.ceil((10 * (options.jetstream?.pollIntervalMs ?? 15_000)) / 1000));
  }

  /** The last poll's samples of each tenant's consumers (one batch). */
  async samples(tenantIds: string[]): Promise<Map<string, Map<string, ConsumerSample>>> {
    const hashes = await Promise.all(tenantIds.map((id) => this.redis.hgetall(this.keys.samples(id))));
    const out = new Map<string, Map<string, ConsumerSample>>();
    tenantIds.forEach((id, i) => {
      const samples = new Map<string, ConsumerSample>();
      for (const [key, value] of Object.entries(hashes[i])) {
        const numbers = value.split(' ').map(Number);
        if (numbers.length !== 5 || !numbers.every(Number.isFinite)) continue;
        const [pending, ackFloorSeq, atMs, maxMinute, maxHour] = numbers;
        samples.set(key, { pending, ackFloorSeq, atMs, maxMinute, maxHour });
      }
      out.set(id, samples);
    });
    return out;
  }

  /** Writes a poll: every tenant's view, samples and history, then owners, status and the operator's streams. */
  async write(
    tenants: TenantWrite[],
    owners: Map<string, string>,
    unowned: UnownedStreams,
    status: JetStreamStatus,
    nowMs: number,
  ): Promise<void> {
    const written = await Promise.all(
      tenants.map((t) => this.fence.write(t.view.tenantId, this.tenantCommands(t, nowMs))),
    );
    // The console's ranking: every tenant written (not erased) that has a consumer, by its worst.
    const ranked = tenants.filter((t, i) => written[i] !== null && t.view.consumers.length > 0).map((t) => t.view);
    const worst = this.keys.shared.jetStreamWorst();
    // One key per DEL: the keys are in slots of their own (Redis Cluster refuses a multi-key DEL across slots).
    const multi = this.redis.multi().del(this.keys.owners()).del(worst.ranking).del(worst.consumers);
    if (owners.size > 0)
      multi.hset(this.keys.owners(), ...[...owners].flat()).expire(this.keys.owners(), this.currentSeconds);
    if (ranked.length > 0) {
      multi.zadd(worst.ranking, ...ranked.flatMap((v) => [worstScore(v.consumers[0]), v.tenantId]));
      multi.hset(
        worst.consumers,
        ...ranked.flatMap((v) => [
          v.tenantId,
          JSON.stringify({ tenantId: v.tenantId, polledAt: v.polledAt, consumer: v.consumers[0] }),
        ]),
      );
    }
    await multi
      .set(this.keys.unowned(), JSON.stringify(unowned), 'EX', this.currentSeconds)
      .set(this.keys.status(), JSON.stringify(status), 'EX', this.currentSeconds)
      .exec();
    // A tenant erased after its fenced write (or before the poll heard of it): its ranking entries
    // and its streams in the owners are taken back (ARCHITECTURE.md, Erasure fence: entries outside
    // the tenant's slot).
    const named = [...new Set([...ranked.map((v) => v.tenantId), ...owners.values()])];
    const exists = await Promise.all(named.map((id) => this.redis.exists(this.keys.shared.tenant(id))));
    const gone = new Set(named.filter((_, i) => exists[i] === 0));
    if (gone.size === 0) return;
    const goneRanked = ranked.filter((v) => gone.has(v.tenantId)).map((v) => v.tenantId);
    const goneStreams = [...owners].filter(([, id]) => gone.has(id)).map(([stream]) => stream);
    await Promise.all([
      goneRanked.length > 0 ? this.redis.zrem(worst.ranking, ...goneRanked) : null,
      goneRanked.length > 0 ? this.redis.hdel(worst.consumers, ...goneRanked) : null,
      goneStreams.length > 0 ? this.redis.hdel(this.keys.owners(), ...goneStreams) : null,
    ]);
  }

  /** The tenants by their worst consumer at the last poll, worst first, at most `limit` (≤ MAX_WORST_READ). */
  async worst(limit: number): Promise<TenantWorstConsumer[]> {
    const n = Math.min(Math.max(0, Math.floor(limit)), MAX_WORST_READ);
    if (n === 0) return [];
    const worst = this.keys.shared.jetStreamWorst();
    const ids = await this.redis.zrange(worst.ranking, '0', String(n - 1));
    if (ids.length === 0) return [];
    const rows = await this.redis.hmget(worst.consumers, ...ids);
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as TenantWorstConsumer);
  }

  /** Writes the status alone (off, or a poll that failed). */
  async writeStatus(status: JetStreamStatus): Promise<void> {
    await this.redis.set(this.keys.status(), JSON.stringify(status), 'EX', this.currentSeconds);
  }

  private tenantCommands(
    { view, samples, retention, history: withHistory }: TenantWrite,
    nowMs: number,
  ): FencedCommand[] {
    const id = view.tenantId;
    const commands: FencedCommand[] = [
      ['SET', this.keys.current(id), JSON.stringify(view), 'EX', this.currentSeconds],
      ['DEL', this.keys.samples(id)],
    ];
    if (samples.size > 0) {
      const fields = [...samples].flatMap(([key, s]) => [
        key,
        `${s.pending} ${s.ackFloorSeq} ${s.atMs} ${s.maxMinute} ${s.maxHour}`,
      ]);
      commands.push(['HSET', this.keys.samples(id), ...fields], ['EXPIRE', this.keys.samples(id), this.currentSeconds]);
    }
    const history = (resolution: 'minute' | 'hour') => [
      ...view.streams.flatMap((s) => [`s:${s.name}`, `${s.messages} ${s.bytes} ${s.fill.worst ?? '-'}`]),
      ...view.consumers.flatMap((c) => {
        const key = consumerKey(c.stream, c.name);
        const sample = samples.get(key);
        const max = sample === undefined ? c.pending : resolution === 'minute' ? sample.maxMinute : sample.maxHour;
        return [`c:${key}`, `${c.pending} ${c.ackPending} ${c.redelivered} ${Math.max(max, c.pending)}`];
      }),
    ];
    // History no route would serve (a tier without `jetstreamHistory`) is not written.
    if (!withHistory) return commands;
    for (const resolution of ['minute', 'hour'] as const) {
      const epoch = Math.floor(nowMs / 1000 / PERIOD_SECONDS[resolution]) * PERIOD_SECONDS[resolution];
      const ttl = resolution === 'minute' ? retention.minuteSeconds : retention.hourSeconds;
      const hash = this.keys.history(id, resolution, epoch);
      const fields = history(resolution);
      // An empty poll still marks the period (a `-` field), so that history shows it had nothing.
      commands.push(['HSET', hash, ...(fields.length > 0 ? fields : ['-', '0'])], ['EXPIRE', hash, ttl]);
    }
    return commands;
  }

  async current(tenantId: string): Promise<TenantJetStream | null> {
    const text = await this.redis.get(this.keys.current(tenantId));
    return text === null ? null : (JSON.parse(text) as TenantJetStream);
  }

  async status(): Promise<JetStreamStatus | null> {
    const text = await this.redis.get(this.keys.status());
    return text === null ? null : (JSON.parse(text) as JetStreamStatus);
  }

  async unowned(): Promise<UnownedStreams | null> {
    const text = await this.redis.get(this.keys.unowned());
    return text === null ? null : (JSON.parse(text) as UnownedStreams);
  }

  async owners(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.keys.owners())));
  }

  /**
   * The periods between the two times (ms) that have figures, oldest first; at most
   * MAX_HISTORY_PERIODS. Those `elsewhere` holds are taken from it, the others from Redis.
   */
  async history(
    tenantId: string,
    fromMs: number,
    toMs: number,
    resolution: 'minute' | 'hour',
    /** The periods it holds of those given, when some are read from elsewhere (the cold store's hours). */
    elsewhere?: (epochs: number[]) => Promise<Map<number, Record<string, string>>>,
  ): Promise<JetStreamHistoryPoint[]> {
    const step = PERIOD_SECONDS[resolution];
    const first = Math.floor(fromMs / 1000 / step) * step;
    const last = Math.floor(toMs / 1000 / step) * step;
    const epochs: number[] = [];
    for (let e = Math.max(first, last - (MAX_HISTORY_PERIODS[resolution] - 1) * step); e <= last; e += step)
      epochs.push(e);
    const found = elsewhere ? await elsewhere(epochs) : new Map<number, Record<string, string>>();
    const read = await Promise.all(
      epochs.map(async (e) => found.get(e) ?? this.redis.hgetall(this.keys.history(tenantId, resolution, e))),
    );
    const points: JetStreamHistoryPoint[] = [];
    epochs.forEach((epoch, i) => {
      if (Object.keys(read[i]).length > 0) points.push(historyPoint(epoch, read[i]));
    });
    return points;
  }
}

/** One period's hash (ARCHITECTURE.md, `js:min`/`js:hour`) as a history point. */
export function historyPoint(epoch: number, hash: Record<string, string>): JetStreamHistoryPoint {
  const point: JetStreamHistoryPoint = {
    timestamp: new Date(epoch * 1000).toISOString(),
    streams: new Map(),
    consumers: new Map(),
  };
  for (const [field, value] of Object.entries(hash)) {
    const [a, b, c, d] = value.split(' ');
    if (field.startsWith('s:')) {
      point.streams.set(field.slice(2), { messages: Number(a), bytes: Number(b), fill: c === '-' ? null : Number(c) });
    } else if (field.startsWith('c:')) {
      const pending = Number(a);
      point.consumers.set(field.slice(2), {
        pending,
        ackPending: Number(b),
        redelivered: Number(c),
        maxPending: Math.max(pending, Number(d) || 0),
      });
    }
  }
  return point;
}
