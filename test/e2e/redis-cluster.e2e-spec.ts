import { jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { JetStreamPoller } from '../../src/jetstream/jetstream.poller.js';
import { JETSTREAM_READER, type JetStreamReader } from '../../src/jetstream/jetstream.types.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import type { AlertRule } from '../../src/alerting/rule.js';
import { HttpReceiver } from '../support/receivers.js';
import { createTenant, request } from '../support/http.js';
import { type ServerProcess, startRedisCluster } from '../support/processes.js';
import {
  ADMIN_KEY,
  type RunningPulse,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/** REDIS_CLUSTER_NODES: Pulse on a 3-master Redis Cluster (failure drills come with the reliability issue). */
describe('Redis Cluster', () => {
  let nodes: ServerProcess[] = [];
  let pulse: RunningPulse;

  beforeAll(async () => {
    const cluster = await startRedisCluster();
    nodes = cluster.nodes;
    pulse = await startPulse(
      testOptions({
        redis: { url: 'redis://unused', clusterNodes: cluster.seeds, keyPrefix: 'cluster', connectTimeoutMs: 5000 },
        alerting: { allowPrivateTargets: true, retryBaseMs: 50 },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await pulse?.close();
    for (const node of nodes) await node.kill();
  });

  it('registers tenants across slots, counts exactly, deletes a tenant with all its keys', async () => {
    const tenants = await Promise.all(
      ['a', 'b', 'c', 'd'].map((l) => createTenant(pulse.url, uniqueTenantId(l), 'professional')),
    );
    await waitFor(
      async () => tenants.every((t) => pulse.app.get(MessageTap).subscribedTenants().includes(t.id)),
      Boolean,
    );
    const nc = await publisher();
    for (const [i, t] of tenants.entries()) await publishMany(nc, 500 * (i + 1), (n) => `tenant.${t.id}.s${n % 4}`, 10);
    await nc.close();
    for (const [i, t] of tenants.entries()) {
      const total = await waitFor(
        async () =>
          (
            await request<{ messages: { total: number }; subjects: { distinct: number } }>(
              pulse.url,
              'GET',
              '/api/v1/metrics/realtime',
              { key: t.apiKey },
            )
          ).body,
        (b) => b.messages.total === 500 * (i + 1),
      );
      expect(total.messages.total).toBe(500 * (i + 1));
      expect(total.subjects.distinct).toBe(4);
    }
    // A series reads its minutes in batched script calls, all keys in the tenant's slot.
    const series = await request<{ series: { messages: number }[] }>(
      pulse.url,
      'GET',
      '/api/v1/metrics/analytics?period=24h',
      { key: tenants[1].apiKey },
    );
    expect(series.status).toBe(200);
    expect(series.body.series.reduce((n, p) => n + p.messages, 0)).toBe(1000);
    // An identity's claim key lives in a slot of its own; a second tenant is refused it.
    const patch = (id: string) =>
      request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, {
        key: ADMIN_KEY,
        body: { natsIdentities: { users: [`u-${tenants[2].id}`] } },
      });
    expect((await patch(tenants[2].id)).status).toBe(200);
    expect((await patch(tenants[3].id)).status).toBe(409);
    const list = await request<{ tenants: unknown[] }>(pulse.url, 'GET', '/api/v1/admin/tenants', { key: ADMIN_KEY });
    expect(list.body.tenants).toHaveLength(4);
    expect(
      (await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${tenants[0].id}`, { key: ADMIN_KEY })).status,
    ).toBe(200);
    expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: tenants[0].apiKey })).status).toBe(401);
  });

  it('alert deliveries go through the durable queue on every slot (Lua in the tenant slot, the due hint on its own)', async () => {
    const http = await new HttpReceiver().start();
    try {
      const tenants = await Promise.all(
        ['qa', 'qb', 'qc', 'qd'].map((l) => createTenant(pulse.url, uniqueTenantId(l), 'enterprise')),
      );
      for (const t of tenants) {
        const res = await request(pulse.url, 'POST', '/api/v1/alerts/channels', {
          key: t.apiKey,
          body: { type: 'webhook', name: 'hook', config: { url: `${http.url}/${t.id}` } },
        });
        expect(res.status).toBe(201);
      }
      http.plan(`/${tenants[0].id}`, [503]); // one retry, put back in the queue
      const alerting = pulse.app.get(AlertingService);
      const now = new Date().toISOString();
      for (const t of tenants) {
        const rule: AlertRule = {
          id: `ru_${t.id}`,
          name: 'cluster',
          metric: 'online_clients',
          operator: 'lt',
          threshold: 1,
          forSeconds: 0,
          severity: 'warning',
          channelIds: [],
          createdAt: now,
          updatedAt: now,
        };
        await alerting.onRule(t.id, rule, 'fire', 0);
      }
      await alerting.settle(tenants.map((t) => t.id));
      for (const t of tenants) expect(http.on(`/${t.id}`).filter((r) => r.status === 200)).toHaveLength(1);
      expect(http.on(`/${tenants[0].id}`).map((r) => r.status)).toEqual([503, 200]);
    } finally {
      await http.stop();
    }
  });

  it('deleting a tenant with several API keys and an alert channel removes everything; the id starts clean', async () => {
    const id = uniqueTenantId('del');
    const t = await createTenant(pulse.url, id, 'enterprise');
    const extra = [];
    for (let i = 0; i < 3; i++)
      extra.push(
        (
          await request<{ apiKey: string }>(pulse.url, 'POST', `/api/v1/admin/tenants/${id}/api-keys`, {
            key: ADMIN_KEY,
          })
        ).body.apiKey,
      );
    const channel = await request(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: t.apiKey,
      body: { type: 'email', name: 'mail', config: { to: ['oncall@example.com'] } },
    });
    expect(channel.status).toBe(201);
    const deleted = await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toMatchObject({ tenantId: id, remaining: 0 });
    for (const key of [t.apiKey, ...extra])
      expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key })).status).toBe(401);
    // Nothing of the tenant is left on any master.
    const left: string[] = [];
    for (const node of nodes) {
      const redis = new Redis({ port: node.port, host: '127.0.0.1' });
      left.push(...(await redis.keys(`cluster:{t:${id}}*`)));
      redis.disconnect();
    }
    expect(left).toEqual([]);
    const again = await createTenant(pulse.url, id, 'enterprise');
    const channels = await request<{ channels: unknown[] }>(pulse.url, 'GET', '/api/v1/alerts/channels', {
      key: again.apiKey,
    });
    expect(channels.body.channels).toEqual([]);
  });

  it("a JetStream poll writes the tenants' views and the deployment's keys (owners, status, ranking) on a Cluster", async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('js'), 'enterprise');
    const nc = await publisher();
    const jsm = await jetstreamManager(nc);
    const stream = `CLUSTER_${t.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    await jsm.streams.add({ name: stream, subjects: [`tenant.${t.id}.jobs.>`] });
    try {
      await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: 'explicit' });
      nc.publish(`tenant.${t.id}.jobs.a`, 'x');
      await nc.flush();
      // The stream's creation advisory may have started an early poll: run until a pass of ours runs.
      const poller = pulse.app.get(JetStreamPoller);
      const result = await waitFor(
        () => poller.run(),
        (r) => r !== null,
      );
      expect(result).toMatchObject({ state: 'ok' });
      const reader = pulse.app.get<JetStreamReader>(JETSTREAM_READER);
      expect((await reader.current(t.id))?.streams.map((s) => s.name)).toEqual([stream]);
      expect((await reader.owners()).get(stream)).toBe(t.id);
      expect((await reader.worst(100)).some((w) => w.tenantId === t.id)).toBe(true);
    } finally {
      await jsm.streams.delete(stream);
      await nc.close();
    }
  });
});
