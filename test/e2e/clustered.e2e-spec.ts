import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { NatsStatus } from '../../src/nats/nats-status.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { type CreatedTenant, createTenant, realtimeTotal, request } from '../support/http.js';
import { type ServerProcess, startNatsCluster, startRedisCluster } from '../support/processes.js';
import { type RunningPulse, startPulse, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';
import { Cluster } from 'ioredis';

/**
 * Pulse on the engines it is meant to scale on: a 3-node NATS cluster and a 3-master Redis
 * Cluster, with two Pulse instances connected to different NATS nodes.
 */
describe('clustered NATS and Redis, two Pulse instances', () => {
  let nats: { nodes: ServerProcess[]; urls: string[] };
  let redis: { nodes: ServerProcess[]; seeds: string[] };
  let a: RunningPulse;
  let b: RunningPulse;
  let t: CreatedTenant;
  let keyPrefix: string;

  const total = () => realtimeTotal(b.url, t.apiKey);

  beforeAll(async () => {
    // One after the other: ports are picked free, then bound; two pickers at once could collide.
    redis = await startRedisCluster();
    nats = await startNatsCluster();
    const base = testOptions({
      redis: { url: 'redis://unused', clusterNodes: redis.seeds, keyPrefix: 'clustered', connectTimeoutMs: 5000 },
    });
    keyPrefix = base.redis.keyPrefix;
    a = await startPulse({ ...base, nats: { ...base.nats, servers: [nats.urls[0], nats.urls[1], nats.urls[2]] } });
    b = await startPulse({ ...base, nats: { ...base.nats, servers: [nats.urls[1], nats.urls[2], nats.urls[0]] } });
    t = await createTenant(a.url, uniqueTenantId('clustered'), 'professional');
    await waitFor(async () => [a, b].every((p) => p.app.get(MessageTap).subscribedTenants().includes(t.id)), Boolean, {
      timeoutMs: 5000,
    });
  }, 90_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const n of [...(nats?.nodes ?? []), ...(redis?.nodes ?? [])]) await n.kill();
  });

  it('counts exactly once across the cluster, with presence and rollups', async () => {
    const nc = await publisher([nats.urls[2]]);
    try {
      await publishMany(nc, 10_000, (i) => `tenant.${t.id}.s${i % 8}`, 64);
      for (let c = 0; c < 5; c++) sendHeartbeat(nc, t.id, `c${c}`);
      await nc.flush();
    } finally {
      await nc.close();
    }
    expect(await waitFor(total, (n) => n === 10_000)).toBe(10_000);
    const shares = [a, b].map((p) => p.app.get(TrafficAggregator).stats().messages);
    expect(shares[0] + shares[1]).toBe(10_000);
    const presence = await waitFor(
      async () =>
        (await request<{ summary: { online: number } }>(b.url, 'GET', '/api/v1/metrics/presence', { key: t.apiKey }))
          .body.summary.online,
      (n) => n === 5,
    );
    expect(presence).toBe(5);
    expect(
      await waitFor(
        () => a.app.get(RollupJob).run(),
        (r) => r !== null,
      ),
    ).not.toBeNull();
    const cluster = new Cluster(redis.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
    try {
      const hour = Math.floor(Date.now() / 3_600_000) * 3600;
      const rolled = Number(await cluster.hget(new HistoryKeys(keyPrefix).hour(t.id, hour), 'm'));
      const previous = Number((await cluster.hget(new HistoryKeys(keyPrefix).hour(t.id, hour - 3600), 'm')) ?? 0);
      expect(rolled + previous).toBe(10_000);
    } finally {
      cluster.disconnect();
    }
  });

  it('survives the loss of one NATS node: the instance on it fails over, nothing more is lost', async () => {
    await nats.nodes[0].kill(); // a's node
    const status = a.app.get(NatsStatus);
    await waitFor(
      async () => status.current().reconnects,
      (n) => n >= 1,
      { timeoutMs: 15_000 },
    );
    expect(status.current().state).toBe('connected');
    await new Promise((r) => setTimeout(r, 500));
    const nc = await publisher([nats.urls[2]]);
    try {
      await publishMany(nc, 5_000, (i) => `tenant.${t.id}.s${i % 8}`, 64);
    } finally {
      await nc.close();
    }
    expect(await waitFor(total, (n) => n === 15_000, { timeoutMs: 15_000 })).toBe(15_000);
  });
});
