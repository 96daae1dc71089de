import { Inject, Injectable, Optional } from '@nestjs/common';
import { COLD_STORE, type ColdStore } from '../coldstore/cold-store.js';
import { TrafficAggregator } from '../monitoring/traffic-aggregator.js';
import { TrafficFlusher, type FlushStats } from '../monitoring/traffic-flusher.js';
import { NatsStatus, type NatsStatusSnapshot } from '../nats/nats-status.js';
import { Cluster } from 'ioredis';
import { withTimeout } from '../common/with-timeout.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisDataWatch } from './redis-data-watch.js';

export interface RedisClusterSnapshot {
  /** `cluster_state` as the masters that answer report it: `fail` when not every slot is served and the cluster requires full coverage (Redis' default). */
  state: string;
  slotsOk: number;
  /** Slots whose master is suspected (pfail) or agreed (fail) to be down. */
  slotsFailing: number;
  /** Masters this instance cannot reach now (`host:port`). */
  unreachableMasters: string[];
}

export interface RedisStatusSnapshot {
  state: string;
  pingMs: number | null;
  error: string | null;
  /** Set once Redis came back without its data (restarted without persistence). */
  dataLossDetectedAt: string | null;
  /** Redis Cluster only: what the cluster says of itself, and which masters do not answer. */
  cluster?: RedisClusterSnapshot;
}

/** The cold store's state: off (COLD_STORE unset), ok, or degraded since its calls began failing. */
export interface ColdStoreSnapshot {
  state: 'off' | 'ok' | 'degraded';
  since: string | null;
  error: string | null;
}

export interface PulseStatus {
  nats: NatsStatusSnapshot;
  redis: RedisStatusSnapshot;
  coldStore: ColdStoreSnapshot;
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
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {}

  async redisStatus(): Promise<RedisStatusSnapshot> {
    const dataLossDetectedAt = this.dataWatch.dataLossDetectedAt();
    if (this.redis.status !== 'ready')
      return { state: this.redis.status, pingMs: null, error: null, dataLossDetectedAt };
    if (this.redis instanceof Cluster) return { ...(await this.clusterStatus(this.redis)), dataLossDetectedAt };
    const started = performance.now();
    try {
      await withTimeout(this.redis.ping(), PING_TIMEOUT_MS, 'no PONG');
      return { state: 'ready', pingMs: round(performance.now() - started), error: null, dataLossDetectedAt };
    } catch (err) {
      return { state: this.redis.status, pingMs: null, error: (err as Error).message, dataLossDetectedAt };
    }
  }

  /**
   * Every master is asked for CLUSTER INFO (a PING would reach one random node and miss a lost
   * shard): the slowest answer is the ping; masters that do not answer, or that the cluster
   * flags as failing, are listed.
   */
  private async clusterStatus(cluster: Cluster): Promise<Omit<RedisStatusSnapshot, 'dataLossDetectedAt'>> {
    const replies = await Promise.all(
      cluster.nodes('master').map(async (node) => {
        const started = performance.now();
        const address = `${node.options.host}:${node.options.port}`;
        try {
          const info = String(await withTimeout(node.cluster('INFO'), PING_TIMEOUT_MS, 'no answer'));
          const ms = performance.now() - started;
          // The master's own view of the others (a suspicion, fail?, is per node).
          const view = await withTimeout(node.cluster('NODES'), PING_TIMEOUT_MS, 'no answer').then(String, () => '');
          return { address, info, view, ms };
        } catch (err) {
          return { address, error: (err as Error).message };
        }
      }),
    );
    const answered = replies.filter((r) => r.info !== undefined);
    if (answered.length === 0)
      return { state: cluster.status, pingMs: null, error: replies[0]?.error ?? 'no master known' };
    // ioredis drops a master from its pool once the others report its slots unserved: the
    // cluster's own view (CLUSTER NODES flags fail / fail?) names it from then on.
    const unreachable = new Set(replies.filter((r) => r.info === undefined).map((r) => r.address));
    for (const line of answered
      .map((r) => r.view)
      .join('\n')
      .split('\n')) {
      const [, address, flags] = line.split(' ');
      if (flags?.includes('master') && /(^|,)fail\??(,|$)/.test(flags)) unreachable.add(address.split('@')[0]);
    }
    const unreachableMasters = [...unreachable].sort();
    const infos = answered.map((r) => parseInfo(r.info));
    const states = infos.map((i) => i.cluster_state ?? 'unknown');
    return {
      state: 'ready',
      pingMs: round(Math.max(...answered.map((r) => r.ms))),
      error: null,
      cluster: {
        state: states.includes('fail') ? 'fail' : states[0],
        slotsOk: Math.min(...infos.map((i) => Number(i.cluster_slots_ok ?? 0))),
        slotsFailing: Math.max(
          ...infos.map((i) => Number(i.cluster_slots_pfail ?? 0) + Number(i.cluster_slots_fail ?? 0)),
        ),
        unreachableMasters,
      },
    };
  }

  coldStoreStatus(): ColdStoreSnapshot {
    if (!this.cold) return { state: 'off', since: null, error: null };
    const s = this.cold.status();
    return { state: s.state, since: s.since ?? null, error: s.error ?? null };
  }

  /**
   * The cold store's state after asking it (within its deadline): a store that stopped answering
   * is degraded even while nothing else calls it. For a background job, which may wait.
   */
  async checkColdStore(): Promise<ColdStoreSnapshot> {
    await this.cold?.probe();
    return this.coldStoreStatus();
  }

  /**
   * The cold store's last known state, a probe started in the background (at most one every 5 s):
   * readiness answers at once instead of waiting up to COLD_STORE_TIMEOUT_MS for a silent store,
   * which shows degraded once a probe has been out longer than that.
   */
  coldStoreNow(): ColdStoreSnapshot {
    void this.cold?.probe();
    return this.coldStoreStatus();
  }

  async status(): Promise<PulseStatus> {
    return {
      nats: this.nats.current(),
      redis: await this.redisStatus(),
      coldStore: this.coldStoreStatus(),
      tap: this.aggregator.stats(),
      flush: this.flusher.snapshot(),
    };
  }
}

function round(ms: number): number {
  return Number(ms.toFixed(2));
}

/** `name:value` lines of an INFO-style reply. */
function parseInfo(text: string): Record<string, string> {
  const pairs = text.split(/\r?\n/).map((line) => line.split(':'));
  return Object.fromEntries(pairs.filter((kv): kv is [string, string] => kv.length === 2));
}
