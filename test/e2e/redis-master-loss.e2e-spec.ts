import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficFlusher } from '../../src/monitoring/traffic-flusher.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { hashApiKey } from '../../src/tenants/api-key.service.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import { HttpReceiver } from '../support/receivers.js';
import {
  type RedisClusterOptions,
  type ServerProcess,
  startNatsCluster,
  startRedisCluster,
} from '../support/processes.js';
import {
  ADMIN_KEY,
  type OptionOverrides,
  type RunningPulse,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

interface RedisReadiness {
  status: string;
  details: {
    redis: {
      status: string;
      dataLossDetectedAt?: string | null;
      cluster?: { state: string; slotsFailing: number; unreachableMasters: number };
    };
  };
}

/**
 * One master of a replica-less 3-master Redis Cluster is killed under two Pulse instances (on a
 * 3-node NATS cluster, as in clustered.e2e-spec.ts). Its
 * slots are gone until it returns; how much of Pulse keeps working depends on the cluster's
 * `cluster-require-full-coverage` and on whether the master comes back with its data.
 */
class MasterLossFixture {
  redis!: { nodes: ServerProcess[]; seeds: string[] };
  nats!: { nodes: ServerProcess[]; urls: string[] };
  pulses: RunningPulse[] = [];
  keys!: RedisKeys;
  victim!: ServerProcess;
  /** A tenant whose data lives on the victim. */
  lost!: CreatedTenant;
  /** A tenant whose data lives elsewhere, but whose API key's entry lives on the victim. */
  kept!: CreatedTenant;
  /** A tenant with nothing on the victim, created after `lost`. */
  intact!: CreatedTenant;
  admin!: Cluster;

  async start(options: RedisClusterOptions, alerting: OptionOverrides['alerting'] = {}): Promise<void> {
    // One after the other: ports are picked free, then bound; two pickers at once could collide.
    this.redis = await startRedisCluster(options);
    this.nats = await startNatsCluster();
    const base = testOptions({
      redis: { url: 'redis://unused', clusterNodes: this.redis.seeds, keyPrefix: 'masterloss', connectTimeoutMs: 5000 },
      alerting,
    });
    this.keys = new RedisKeys(base.redis.keyPrefix);
    // Each instance on its own node of the NATS cluster; traffic comes in through the third.
    this.pulses = [
      await startPulse({ ...base, nats: { ...base.nats, servers: [this.nats.urls[0]] } }),
      await startPulse({ ...base, nats: { ...base.nats, servers: [this.nats.urls[1]] } }),
    ];
    this.admin = new Cluster(this.redis.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    await this.admin.ping();
    // The victim: the master holding the tenant registry's index (the hardest case).
    const masterOf = (key: string) => this.admin.slots[calculateSlot(key)][0];
    const victimAddress = masterOf(this.keys.tenants());
    this.victim = this.redis.nodes.find((n) => `127.0.0.1:${n.port}` === victimAddress)!;
    for (let i = 0; i < 60 && !(this.lost && this.kept && this.intact); i++) {
      const t = await createTenant(this.url, uniqueTenantId('loss'), 'professional');
      if (masterOf(this.keys.tenant(t.id)) === victimAddress) this.lost ??= t;
      else if (masterOf(this.keys.apiKey(hashApiKey(t.apiKey))) === victimAddress) this.kept ??= t;
      // Created after `lost`, so it comes after it in every instance's tenant order (jobs go in that order).
      else if (this.lost) this.intact ??= t;
    }
    if (!this.lost || !this.kept || !this.intact) throw new Error('no tenant layout found for the test');
    await waitFor(
      async () =>
        this.pulses.every((p) => this.tenants.every((t) => p.app.get(MessageTap).subscribedTenants().includes(t.id))),
      Boolean,
      { timeoutMs: 5000 },
    );
  }

  async stop(): Promise<void> {
    this.admin?.disconnect();
    for (const p of this.pulses) await p.close();
    for (const n of [...(this.redis?.nodes ?? []), ...(this.nats?.nodes ?? [])]) await n.kill();
  }

  get tenants(): CreatedTenant[] {
    return [this.lost, this.kept, this.intact];
  }

  get url(): string {
    return this.pulses[0].url;
  }

  /** Messages and heartbeats (one per client) for every tenant. */
  async traffic(messages: number, clients: string[]): Promise<void> {
    const nc = await publisher([this.nats.urls[2]]);
    try {
      for (const t of this.tenants) {
        await publishMany(nc, messages, (i) => `tenant.${t.id}.s${i % 4}`, 64);
        for (const c of clients) sendHeartbeat(nc, t.id, c);
      }
      await nc.flush();
    } finally {
      await nc.close();
    }
  }

  /** Realtime total as the second instance answers it, or the HTTP status when not 200. */
  async total(t: CreatedTenant): Promise<number | string> {
    const res = await request<{ messages?: { total: number } }>(this.pulses[1].url, 'GET', '/api/v1/metrics/realtime', {
      key: t.apiKey,
    });
    return res.status === 200 ? res.body.messages!.total : `HTTP ${res.status}`;
  }

  async online(t: CreatedTenant): Promise<number | string> {
    const res = await request<{ summary: { online: number } }>(this.pulses[1].url, 'GET', '/api/v1/metrics/presence', {
      key: t.apiKey,
    });
    return res.status === 200 ? res.body.summary.online : `HTTP ${res.status}`;
  }

  /** Waits until the tenant reads all 3,000 messages (up to `timeoutMs`), then both clients online. */
  async expectWhole(t: CreatedTenant, timeoutMs: number): Promise<void> {
    expect(
      await waitFor(
        () => this.total(t),
        (n) => n === 3000,
        { timeoutMs },
      ),
    ).toBe(3000);
    expect(
      await waitFor(
        () => this.online(t),
        (n) => n === 2,
      ),
    ).toBe(2);
  }

  async readiness(): Promise<{ http: number; body: RedisReadiness }> {
    const res = await request<RedisReadiness>(this.url, 'GET', '/health/ready');
    return { http: res.status, body: res.body };
  }

  /** Messages counted by the instances but not yet in Redis. */
  backlog(): number {
    return this.pulses.reduce((sum, p) => sum + p.app.get(TrafficFlusher).snapshot().backlogMessages, 0);
  }
}

describe('a replica-less Redis Cluster master lost, cluster-require-full-coverage no, AOF', () => {
  const f = new MasterLossFixture();
  const operator = new HttpReceiver();
  const operatorTexts = () => operator.on('/operator').map((r) => JSON.parse(r.body).text as string);
  const operatorSummaries = () => operator.on('/operator').map((r) => JSON.stringify(JSON.parse(r.body).blocks));
  beforeAll(async () => {
    await operator.start();
    const alerting = {
      operatorSlackWebhookUrl: `${operator.url}/operator`,
      operatorIncidentAfterMs: 300,
      operatorCheckIntervalMs: 200,
      retryBaseMs: 50,
    };
    await f.start({ persistent: true, requireFullCoverage: false }, alerting);
  }, 90_000);
  afterAll(async () => {
    await f.stop();
    await operator.stop();
  });

  it("serves the other slots meanwhile, keeps the lost slots' counts in memory and writes them when the master returns", async () => {
    await f.traffic(1000, ['c1']);
    for (const t of f.tenants)
      expect(
        await waitFor(
          () => f.total(t),
          (n) => n === 1000,
        ),
      ).toBe(1000);

    await f.victim.kill();
    const victim = `127.0.0.1:${f.victim.port}`;
    const down = await waitFor(
      () => f.readiness(),
      (r) => r.body.details.redis.cluster?.unreachableMasters === 1 && r.body.details.redis.cluster.slotsFailing > 0,
      { timeoutMs: 15_000 },
    );
    // Degraded, not down: every instance shares this Redis, taking one out of service helps no one.
    expect(down.http).toBe(200);
    expect(down.body.details.redis.status).toBe('degraded');
    expect(down.body.details.redis.cluster!.unreachableMasters).toBe(1); // a public probe: a count, no addresses
    expect(down.body.details.redis.cluster!.slotsFailing).toBeGreaterThan(5000); // a third of 16,384
    const metrics = await fetch(`${f.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((r) =>
      r.text(),
    );
    expect(Number(/^pulse_redis_cluster_slots_failing (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(5000);
    // The operator hears of it (each instance reports its own incidents).
    const paged = await waitFor(
      async () => operatorSummaries(),
      (t) => t.some((x) => x.includes(`master unreachable: ${victim}`)),
      { timeoutMs: 5000 },
    );
    expect(paged.some((x) => x.includes(`master unreachable: ${victim}`))).toBe(true);
    expect(operatorTexts().some((x) => /Alert: redis master unreachable/.test(x))).toBe(true);

    await f.traffic(2000, ['c2']);
    // The tenant whose slots survive is fully served, although its API key's entry is on the lost
    // master (the key was confirmed before) and the rate-limit counters may be too.
    for (const t of [f.kept, f.intact]) {
      await f.expectWhole(t, 15_000);
    }
    // The other one cannot be read: 503, and exactly its 2,000 new messages wait in memory.
    expect(await f.total(f.lost)).toBe('HTTP 503');
    expect(
      await waitFor(
        async () => f.backlog(),
        (n) => n === 2000,
      ),
    ).toBe(2000);
    // Scheduled jobs go on for the tenants Redis can serve (the pass itself is reported failed).
    expect(await f.pulses[0].app.get(RollupJob).run()).toBeNull();
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    const rolled = await Promise.all(
      [hour, hour - 3600].map(async (h) =>
        Number((await f.admin.hget(new HistoryKeys(f.keys.prefix).hour(f.intact.id, h), 'm')) ?? 0),
      ),
    );
    expect(rolled[0] + rolled[1]).toBe(3000);

    await f.victim.start();
    await f.expectWhole(f.lost, 20_000);
    for (const t of [f.kept, f.intact]) expect(await f.total(t)).toBe(3000);
    expect(f.backlog()).toBe(0);
    const up = await waitFor(
      () => f.readiness(),
      (r) => r.body.details.redis.status === 'up',
      { timeoutMs: 15_000 },
    );
    expect(up.body.details.redis).toMatchObject({
      status: 'up',
      cluster: { state: 'ok', slotsFailing: 0, unreachableMasters: 0 },
    });
    expect(up.body.details.redis.dataLossDetectedAt).toBeUndefined();
    const resolved = await waitFor(
      async () => operatorTexts(),
      (t) => t.some((x) => /Resolved: redis master unreachable/.test(x)),
      { timeoutMs: 5000 },
    );
    expect(resolved.some((x) => /Resolved: redis master unreachable/.test(x))).toBe(true);
  }, 90_000);
});

describe('a replica-less Redis Cluster master lost, Redis defaults (full coverage required, no persistence)', () => {
  const f = new MasterLossFixture();
  beforeAll(() => f.start({ persistent: false, requireFullCoverage: true }), 90_000);
  afterAll(() => f.stop());

  it('stops the whole cluster meanwhile; on return the surviving slots get every count, indexes are rebuilt, the lost data is reported', async () => {
    await f.traffic(1000, ['c1']);
    for (const t of f.tenants)
      expect(
        await waitFor(
          () => f.total(t),
          (n) => n === 1000,
        ),
      ).toBe(1000);

    await f.victim.kill();
    // Once the survivors agree the master failed, they refuse every slot: Pulse is not ready.
    const down = await waitFor(
      () => f.readiness(),
      (r) => r.body.details.redis.cluster?.state === 'fail',
      { timeoutMs: 15_000 },
    );
    expect(down.http).toBe(503);
    await f.traffic(2000, ['c2']);
    expect(
      await waitFor(
        () => f.total(f.kept),
        (n) => n === 'HTTP 503',
      ),
    ).toBe('HTTP 503');
    expect(
      await waitFor(
        async () => f.backlog(),
        (n) => n === 6000,
      ),
    ).toBe(6000);

    await f.victim.start(); // same slots, no data
    // A tenant with nothing on the lost master loses nothing: all 3,000.
    await f.expectWhole(f.intact, 20_000);
    // What the master held is gone. A tenant whose registry entry was there: its key opens nothing
    // and its held counts are dropped (nothing to attach them to).
    expect(
      await waitFor(
        () => f.total(f.lost),
        (n) => n === 'HTTP 401',
        { timeoutMs: 20_000 },
      ),
    ).toBe('HTTP 401');
    // A tenant whose record survived but whose API key's index entry (and the registry index) was
    // there: Pulse rebuilds both from the record, so the same key reads all 3,000.
    expect(
      await waitFor(
        () => f.total(f.kept),
        (n) => n === 3000,
        { timeoutMs: 15_000 },
      ),
    ).toBe(3000);
    // The repair goes through the tenants one by one: the registry may still lack a later one
    // at the moment `kept`'s key works again.
    const ids = await waitFor(
      async () =>
        (
          await request<{ tenants: { id: string }[] }>(f.url, 'GET', '/api/v1/admin/tenants', { key: ADMIN_KEY })
        ).body.tenants.map((t) => t.id),
      (listed) => listed.includes(f.kept.id) && listed.includes(f.intact.id),
      { timeoutMs: 15_000 },
    );
    expect(ids).toEqual(expect.arrayContaining([f.kept.id, f.intact.id]));
    expect(ids).not.toContain(f.lost.id);
    // And Pulse says data was lost.
    const ready = await waitFor(
      () => f.readiness(),
      (r) => Boolean(r.body.details.redis.dataLossDetectedAt),
      { timeoutMs: 15_000 },
    );
    expect(ready.http).toBe(200);
    expect(ready.body.details.redis.status).toBe('degraded');
    expect(
      await waitFor(
        async () => f.backlog(),
        (n) => n === 0,
      ),
    ).toBe(0);
  }, 90_000);
});

describe('a Redis Cluster master lost, with a replica each (the recommended setup)', () => {
  const f = new MasterLossFixture();
  beforeAll(() => f.start({ persistent: true, replicas: 1 }), 90_000);
  afterAll(() => f.stop());

  it('fails over: after a short wait every tenant is served again, nothing lost', async () => {
    await f.traffic(1000, ['c1']);
    for (const t of f.tenants)
      expect(
        await waitFor(
          () => f.total(t),
          (n) => n === 1000,
        ),
      ).toBe(1000);

    await f.victim.kill();
    await f.traffic(2000, ['c2']);
    // The replica takes over once the others agree its master failed (node timeout 2 s, then the
    // election); meanwhile the lost slots' counts wait in memory, then go to the new master.
    for (const t of f.tenants) {
      await f.expectWhole(t, 20_000);
    }
    expect(
      await waitFor(
        async () => f.backlog(),
        (n) => n === 0,
      ),
    ).toBe(0);
    const ready = await f.readiness();
    expect(ready.http).toBe(200);
    // Every slot is served; the dead node still counts as an unreachable master (redundancy lost).
    expect(ready.body.details.redis.cluster).toMatchObject({ state: 'ok', slotsFailing: 0 });

    await f.victim.start(); // rejoins as a replica of the promoted one
    const up = await waitFor(
      () => f.readiness(),
      (r) => r.body.details.redis.status === 'up',
      { timeoutMs: 15_000 },
    );
    expect(up.body.details.redis).toMatchObject({
      status: 'up',
      cluster: { state: 'ok', slotsFailing: 0, unreachableMasters: 0 },
    });
    for (const t of f.tenants) expect(await f.total(t)).toBe(3000);
  }, 90_000);
});
