import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantShard } from '../../src/common/rendezvous.js';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { InstanceRegistry } from '../../src/health/instance-registry.js';
import { presenceSubject } from '../../src/heartbeat/presence-events.publisher.js';
import { HeartbeatSubscriber } from '../../src/heartbeat/heartbeat-subscriber.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { TrafficFlusher } from '../../src/monitoring/traffic-flusher.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { type BuiltExit, type BuiltInstance, startBuilt } from '../support/built-pulse.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniquePrefix,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/** The same deployment (key prefix, queue group) as shard `index` of `count`. */
function shardOf(base: PulseOptions, count: number, index: number): PulseOptions {
  return { ...base, shard: { count, index } };
}

const sorted = (ids: string[]) => [...ids].sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `n` fresh tenant ids spread so that with each of `shardCounts` every shard owns at least two:
 * random ids alone leave a shard empty now and then (3 × (2/3)^12 ≈ 2 % for 12 ids over 3).
 */
function spreadIds(label: string, n: number, shardCounts: number[]): string[] {
  for (;;) {
    const ids = Array.from({ length: n }, () => uniqueTenantId(label));
    const spread = shardCounts.every((count) =>
      Array.from({ length: count }, (_, shard) => ids.filter((id) => tenantShard(id, count) === shard).length).every(
        (owned) => owned >= 2,
      ),
    );
    if (spread) return ids;
  }
}

async function storedMessages(redis: Redis, keys: HistoryKeys, tenantId: string): Promise<number> {
  return Number((await redis.hget(keys.totals(tenantId), 'm')) ?? 0);
}

/**
 * Tenant shards (PULSE_SHARDS): instances of a shard subscribe, count and flush only the tenants
 * rendezvous hashing gives their shard, all in the deployment's one queue group, so a change of
 * the shard count while traffic flows hands every tenant over with nothing lost or counted twice.
 */
describe('tenant shards (real NATS and Redis)', () => {
  let nc: NatsConnection;
  let redis: Redis;

  beforeAll(async () => {
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await nc?.close();
    redis?.disconnect();
  });

  describe('three shards of one instance each', () => {
    const base = testOptions();
    const history = new HistoryKeys(base.redis.keyPrefix);
    const keys = new RedisKeys(base.redis.keyPrefix);
    let pulses: RunningPulse[] = [];
    let tenants: CreatedTenant[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 3; i++) pulses.push(await startPulse(shardOf(base, 3, i)));
      for (const id of spreadIds('shard', 12, [3])) tenants.push(await createTenant(pulses[0].url, id));
    }, 90_000);

    afterAll(async () => {
      for (const p of pulses) await p.close();
      pulses = [];
      tenants = [];
      await deletePrefix(SHARED_REDIS, base.redis.keyPrefix);
    });

    it('each instance counts and flushes only its shard’s tenants; every tenant’s total is exact', async () => {
      const owner = new Map(tenants.map((t) => [t.id, tenantShard(t.id, 3)]));
      const ownedBy = (i: number) => sorted(tenants.filter((t) => owner.get(t.id) === i).map((t) => t.id));
      // The announcement reaches every instance; each subscribes its shard's tenants, and only those.
      for (const [i, p] of pulses.entries()) {
        const tap = p.app.get(MessageTap);
        const heartbeats = p.app.get(HeartbeatSubscriber);
        const both = await waitFor(
          async () => [sorted(tap.subscribedTenants()), sorted(heartbeats.subscribedTenants())],
          ([messages, beats]) =>
            JSON.stringify(messages) === JSON.stringify(ownedBy(i)) &&
            JSON.stringify(beats) === JSON.stringify(ownedBy(i)),
        );
        expect(both, `instance of shard ${i}`).toEqual([ownedBy(i), ownedBy(i)]);
      }
      // The heartbeat connection's subscriptions are not flushed by the admin call: give them a moment.
      await sleep(300);

      const published = new Map(tenants.map((t, k) => [t.id, 300 + 17 * k]));
      for (const t of tenants) await publishMany(nc, published.get(t.id)!, (i) => `tenant.${t.id}.s${i % 3}`, 50);
      for (const t of tenants) for (let c = 0; c < 3; c++) sendHeartbeat(nc, t.id, `c${c}`);
      await nc.flush();

      for (const t of tenants) {
        const stored = await waitFor(
          () => storedMessages(redis, history, t.id),
          (n) => n >= published.get(t.id)!,
        );
        expect(stored, t.id).toBe(published.get(t.id));
      }
      for (const [i, p] of pulses.entries()) {
        const mine = ownedBy(i);
        const expected = mine.reduce((sum, id) => sum + published.get(id)!, 0);
        expect(p.app.get(TrafficAggregator).stats().messages, `messages counted by shard ${i}`).toBe(expected);
        const beats = await waitFor(
          async () => p.app.get(HeartbeatSubscriber).receivedCount(),
          (n) => n >= mine.length * 3,
        );
        expect(beats, `heartbeats received by shard ${i}`).toBe(mine.length * 3);
        // The flush writes only what the instance counted: a tenant's flush sequence key exists for
        // its owner's instance and for no other.
        const instanceId = p.app.get(TrafficFlusher).instanceId;
        for (const t of tenants) {
          const flushed = await redis.exists(history.flushSequence(t.id, instanceId));
          expect(flushed, `${t.id} flushed by shard ${i}`).toBe(owner.get(t.id) === i ? 1 : 0);
        }
      }
      for (const t of tenants) {
        const online = await waitFor(
          () => redis.zcard(keys.onlineClients(t.id)),
          (n) => n >= 3,
        );
        expect(online, `${t.id} online clients`).toBe(3);
      }
      // Settle: nothing more arrives later.
      await sleep(3 * base.flushIntervalMs);
      for (const t of tenants) expect(await storedMessages(redis, history, t.id)).toBe(published.get(t.id));
    }, 90_000);

    it('reports the shard and its tenants: the operator overview and Prometheus, per instance', async () => {
      for (const p of pulses) await p.app.get(InstanceRegistry).report();
      const overview = await request<{
        pulse: { instances: { id: string; shard: number; shards: number; tenants: number | null }[] };
      }>(pulses[0].url, 'GET', '/api/v1/admin/overview', { key: ADMIN_KEY });
      expect(overview.status).toBe(200);
      const rows = new Map(overview.body.pulse.instances.map((r) => [r.id, r]));
      for (const [i, p] of pulses.entries()) {
        const owned = tenants.filter((t) => tenantShard(t.id, 3) === i).length;
        expect(rows.get(p.app.get(TrafficFlusher).instanceId)).toMatchObject({ shard: i, shards: 3, tenants: owned });
        const metrics = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const text = await metrics.text();
        expect(text).toContain(`pulse_shard_info{shard="${i}",shards="3"} 1`);
        expect(text).toMatch(new RegExp(`^pulse_shard_tenants ${owned}$`, 'm'));
      }
    });
  });

  describe('a shard-count change while traffic flows (1 → 2 → 3 shards)', () => {
    const base = testOptions();
    const history = new HistoryKeys(base.redis.keyPrefix);
    const keys = new RedisKeys(base.redis.keyPrefix);
    const started: RunningPulse[] = [];

    afterAll(async () => {
      for (const p of started) await p.close();
      await deletePrefix(SHARED_REDIS, base.redis.keyPrefix);
    });

    async function start(count: number, index: number): Promise<RunningPulse> {
      const pulse = await startPulse(shardOf(base, count, index));
      started.push(pulse);
      return pulse;
    }

    it('every tenant’s stored total is what was published, and every heartbeat arrived once', async () => {
      const one = await start(1, 0);
      const tenants: CreatedTenant[] = [];
      // Spread so that each generation's every shard owns tenants (and some tenants change hands).
      for (const id of spreadIds('move', 8, [2, 3])) tenants.push(await createTenant(one.url, id));
      await waitFor(
        async () => one.app.get(MessageTap).subscribedTenants().length,
        (n) => n === tenants.length,
      );

      // The publisher: every 5 ms one message per tenant and one heartbeat per tenant from a new
      // client (so every heartbeat that arrives is its own client in the tenant's index).
      const published = new Map(tenants.map((t) => [t.id, 0]));
      let heartbeats = 0;
      const payload = new Uint8Array(40).fill(120);
      const ticker = setInterval(() => {
        for (const t of tenants) {
          nc.publish(`tenant.${t.id}.orders`, payload);
          published.set(t.id, published.get(t.id)! + 1);
          sendHeartbeat(nc, t.id, `c${heartbeats++}`);
        }
      }, 5);
      const counted = (p: RunningPulse) => p.app.get(TrafficAggregator).stats().messages;
      const beats = (p: RunningPulse) => p.app.get(HeartbeatSubscriber).receivedCount();
      try {
        await waitFor(
          async () => counted(one),
          (n) => n >= 400,
        );
        // Two shards start and subscribe (ready means subscribed) while the one-shard instance runs.
        const two = [await start(2, 0), await start(2, 1)];
        // Overlap: both generations subscribe every tenant in the one queue group. The server gives
        // each message to one of them; both get a share.
        const before = [one, ...two].map((p) => [counted(p), beats(p)]);
        await waitFor(
          async () => [one, ...two].map((p, i) => [counted(p) - before[i][0], beats(p) - before[i][1]]),
          (d) => d[0][0] > 0 && d[0][1] > 0 && d[1][0] + d[2][0] > 0 && d[1][1] + d[2][1] > 0,
        );
        const during = [one, ...two].map((p, i) => [counted(p) - before[i][0], beats(p) - before[i][1]]);
        expect(during[0][0], 'old instance took messages during the overlap').toBeGreaterThan(0);
        expect(during[1][0] + during[2][0], 'new instances took messages during the overlap').toBeGreaterThan(0);
        expect(during[0][1], 'old instance took heartbeats during the overlap').toBeGreaterThan(0);
        expect(during[1][1] + during[2][1], 'new instances took heartbeats during the overlap').toBeGreaterThan(0);
        // The old instance stops as on SIGTERM: it drains, flushes and leaves.
        await one.close();
        await waitFor(
          async () => counted(two[0]) + counted(two[1]),
          (n) => n >= during[1][0] + during[2][0] + 400,
        );

        // Then 2 → 3: the three start, and the two-shard instances stop one after the other.
        const three = [await start(3, 0), await start(3, 1), await start(3, 2)];
        await waitFor(
          async () => three.map(counted),
          (c) => c.every((n) => n > 0),
        );
        await two[1].close();
        await sleep(300);
        await two[0].close();
        const after = three.map(counted);
        await waitFor(
          async () => three.map(counted),
          (c) => c.every((n, i) => n > after[i] + 50),
        );
      } finally {
        clearInterval(ticker);
      }
      await nc.flush();

      const all = started;
      const total = [...published.values()].reduce((a, b) => a + b, 0);
      for (const t of tenants) {
        const stored = await waitFor(
          () => storedMessages(redis, history, t.id),
          (n) => n >= published.get(t.id)!,
          { timeoutMs: 15_000 },
        );
        expect(stored, `${t.id}: stored = published (less: lost, more: counted twice)`).toBe(published.get(t.id));
      }
      // Every message was delivered once to one instance of the queue group, whichever generation.
      await waitFor(
        async () => all.map(counted).reduce((a, b) => a + b, 0),
        (n) => n >= total,
      );
      expect(all.map(counted).reduce((a, b) => a + b, 0)).toBe(total);
      await waitFor(
        async () => all.map(beats).reduce((a, b) => a + b, 0),
        (n) => n >= heartbeats,
      );
      expect(
        all.map(beats).reduce((a, b) => a + b, 0),
        'heartbeats received, all instances',
      ).toBe(heartbeats);
      // …and each one reached Redis: one client per heartbeat in the tenant's index.
      const perTenant = heartbeats / tenants.length;
      for (const t of tenants) {
        const clients = await waitFor(
          () => redis.zcard(keys.clientIndex(t.id)),
          (n) => n >= perTenant,
        );
        expect(clients, `${t.id} clients`).toBe(perTenant);
      }
      // Settle: nothing doubled later.
      await sleep(3 * base.flushIntervalMs);
      for (const t of tenants) expect(await storedMessages(redis, history, t.id)).toBe(published.get(t.id));
    }, 120_000);
  });
  /**
   * The StatefulSet's rolling update, as README (Tenant shards, On Kubernetes) says to change the
   * count: built processes, SIGTERM and the exit awaited before the successor starts (a
   * StatefulSet never surges), the next pod only once its successor is ready. 2 → 3 shards by the
   * documented steps: 2 × 2 pods, replicas raised to 2 × max(2, 3) = 6 under the old count, then
   * pods 5, 4, …, 0 (highest index first) restarted one at a time with PULSE_SHARDS=3. Messages
   * and heartbeats flow throughout; the heartbeat timeout is 2 s, so a tenant left without a
   * subscriber for longer marks its clients offline.
   */
  describe('a rolling stop-then-start of every pod, 2 → 3 shards on 2 × max(2, 3) pods (built processes, SIGTERM)', () => {
    const prefix = uniquePrefix();
    const history = new HistoryKeys(prefix);
    const keys = new RedisKeys(prefix);
    // The documented change: k × FROM pods (k = 2), raised to 2 × max(FROM, TO), rolled to TO.
    const [FROM, TO] = [2, 3];
    const BEFORE = 2 * FROM;
    const REPLICAS = 2 * Math.max(FROM, TO);
    const pods: (BuiltInstance | null)[] = [];
    const env = (shards: number, ordinal: number): Record<string, string> => ({
      ADMIN_API_KEY: ADMIN_KEY,
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      FLUSH_INTERVAL_MS: '200',
      TENANT_SYNC_INTERVAL_MS: '1000',
      HEARTBEAT_TIMEOUT_SECONDS: '2',
      OFFLINE_CHECK_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'warn',
      PULSE_SHARDS: String(shards),
      PULSE_INSTANCE_ORDINAL: String(ordinal),
    });
    /** Pod `ordinal` under `shards`, once ready (/health/ready 200, the StatefulSet's readiness probe). */
    async function startPod(shards: number, ordinal: number): Promise<BuiltInstance> {
      // A loaded machine (two cores, several test runs) can take tens of seconds to start one.
      const pod = await startBuilt(env(shards, ordinal), 60_000);
      pods[ordinal] = pod;
      await waitFor(
        () =>
          fetch(`${pod.url}/health/ready`)
            .then((r) => r.status)
            .catch(() => 0),
        (status) => status === 200,
        { timeoutMs: 30_000 },
      );
      return pod;
    }

    const timers: NodeJS.Timeout[] = [];

    afterAll(async () => {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(pods.filter((p) => p !== null).map((p) => p.terminate()));
      await deletePrefix(SHARED_REDIS, prefix);
    });

    it('every tenant’s total is exact, every heartbeat reached Redis, and no steadily heartbeating client went offline', async () => {
      // podManagementPolicy: Parallel — the set's pods start together (an update still rolls one at a time).
      await Promise.all(Array.from({ length: BEFORE }, (_, k) => startPod(FROM, k)));
      const tenants: CreatedTenant[] = [];
      for (const id of spreadIds('roll', 8, [FROM, TO])) tenants.push(await createTenant(pods[0]!.url, id));
      // Every pod learns the new tenants (announcement, or the next sync) and subscribes its shard's.
      await sleep(1500);

      // Presence events: an offline one for a steady client is a client falsely offline.
      const offline = new Map(tenants.map((t) => [t.id, new Set<string>()]));
      const watchers = tenants.map((t) =>
        nc.subscribe(presenceSubject(t.id), {
          callback: (_err, msg) => {
            const event = msg.json<{ type: string; clientId: string }>();
            if (event.type === 'offline') offline.get(t.id)!.add(event.clientId);
          },
        }),
      );
      await nc.flush();

      // Three steady clients per tenant heartbeat every 200 ms until the checks are done: an
      // offline event for one of them is a client falsely offline.
      const steady = setInterval(() => {
        for (const t of tenants)
          for (let c = 0; c < 3; c++) sendHeartbeat(nc, t.id, `steady-${c}`, heartbeat(t.id, `steady-${c}`));
      }, 200);
      timers.push(steady);
      try {
        // Every 20 ms one message per tenant and one heartbeat from a client of its own (so every
        // heartbeat that arrives is one client in the tenant's index; those go offline 2 s later).
        const published = new Map(tenants.map((t) => [t.id, 0]));
        let oneShot = 0;
        const payload = new Uint8Array(40).fill(120);
        const ticker = setInterval(() => {
          for (const t of tenants) {
            nc.publish(`${prefix}.${t.id}.orders`, payload);
            published.set(t.id, published.get(t.id)! + 1);
            sendHeartbeat(nc, t.id, `once-${oneShot++}`);
          }
        }, 20);
        timers.push(ticker);
        // Each restart: the old pod's stop (SIGTERM to exit) and the time without it (exit to the
        // successor ready), for the failure messages.
        const steps: { pod: number; stopMs: number; downMs: number }[] = [];
        const exits: BuiltExit[] = [];
        try {
          await sleep(3000);
          // Raise replicas to 2 × max(FROM, TO) under the old count (pods 4 and 5: shards 0 and 1 of 2).
          await Promise.all(Array.from({ length: REPLICAS - BEFORE }, (_, i) => startPod(FROM, BEFORE + i)));
          await sleep(1000);
          // Change PULSE_SHARDS: the StatefulSet replaces pods from the highest index, each stopped
          // (SIGTERM, its drain and flush, the exit) before its successor starts, the next only
          // once that one is ready.
          for (let k = REPLICAS - 1; k >= 0; k--) {
            const signalled = Date.now();
            exits.push(await pods[k]!.terminate());
            const exited = Date.now();
            pods[k] = null;
            await startPod(TO, k);
            steps.push({ pod: k, stopMs: exited - signalled, downMs: Date.now() - exited });
            await sleep(500);
          }
          await sleep(3000);
        } finally {
          clearInterval(ticker);
        }
        await nc.flush();
        const roll = JSON.stringify(steps);

        for (const [k, exit] of exits.entries()) {
          // A clean stop: exit 0, or SIGTERM re-raised after the shutdown hooks (process.e2e-spec).
          const clean = exit.code === 0 || exit.signal === 'SIGTERM';
          expect(clean, `pod ${steps[k].pod} exit: ${exit.output.slice(-1500)}`).toBe(true);
        }
        for (const t of tenants) {
          const stored = await waitFor(
            () => storedMessages(redis, history, t.id),
            (n) => n >= published.get(t.id)!,
            { timeoutMs: 15_000 },
          );
          const shards = `shard ${tenantShard(t.id, FROM)} of ${FROM} → ${tenantShard(t.id, TO)} of ${TO}`;
          const what = `${t.id} (${shards}): stored = published (less: lost, more: counted twice); roll ${roll}`;
          expect(stored, what).toBe(published.get(t.id));
        }
        const perTenant = oneShot / tenants.length;
        for (const t of tenants) {
          const clients = await waitFor(
            () => redis.zcard(keys.clientIndex(t.id)),
            (n) => n >= perTenant + 3,
          );
          expect(clients, `${t.id}: clients (one a heartbeat, plus the 3 steady); roll ${roll}`).toBe(perTenant + 3);
        }
        // The offline detector ran throughout: the one-heartbeat clients went offline…
        const gone = [...offline.values()].reduce((n, ids) => n + ids.size, 0);
        expect(gone, 'offline events of one-heartbeat clients').toBeGreaterThan(tenants.length * 50);
        // …and no steady client did, at any moment.
        for (const t of tenants) {
          const falsely = [...offline.get(t.id)!].filter((id) => id.startsWith('steady-'));
          expect(falsely, `${t.id}: steady clients marked offline; roll ${roll}`).toEqual([]);
          for (let c = 0; c < 3; c++) {
            const [status, offlineAt] = await redis.hmget(keys.client(t.id, `steady-${c}`), 'status', 'offlineAt');
            expect([status, offlineAt], `${t.id} steady-${c}`).toEqual(['healthy', null]);
          }
        }
        // Settle: nothing doubled later.
        await sleep(1000);
        for (const t of tenants) expect(await storedMessages(redis, history, t.id)).toBe(published.get(t.id));
      } finally {
        clearInterval(steady);
        for (const w of watchers) w.unsubscribe();
      }
    }, 420_000);
  });
});
