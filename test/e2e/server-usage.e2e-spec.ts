import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { minuteEpochOf } from '../../src/common/time.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { HistoryReader } from '../../src/history/history-reader.js';
import { NatsEventsService } from '../../src/nats-events/nats-events.service.js';
import {
  SERVER_USAGE_READER,
  type ServerSnapshot,
  type ServerUsageReader,
} from '../../src/nats-events/server-usage.types.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { SYSTEM_USER_PERMISSIONS } from '../support/nats-system.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';

const FIELDS = ['sv_in_m', 'sv_in_b', 'sv_out_m', 'sv_out_b', 'rf_cn', 'rf_pl', 'rf_sub', 'na_cn'] as const;
type Figures = Record<(typeof FIELDS)[number], number>;
const PAYLOAD = 100;

/**
 * What the NATS server counts per tenant (issue #34), against a private nats-server 2.9.10 with a
 * system account: the one-account (subjects) shape, whose tenant's connections are attributed by
 * their user, and the accounts shape, whose tenant has an account of its own (a config-file
 * account here; operator/JWT mode has its own suite). Polls are run by the test (a long interval).
 */
describe('What the NATS server counts: ingress, egress and refusals per tenant, exactly once', () => {
  let server: ServerProcess;
  let url: string;
  const instances: RunningPulse[] = [];
  let a: CreatedTenant;
  let b: CreatedTenant;
  const open: NatsConnection[] = [];
  let redis: Redis;
  let history: HistoryKeys;

  const options = () => instances[0].options;
  const live = () => instances.filter((p) => p.app.getHttpServer().listening);
  const service = (p: RunningPulse) => p.app.get(NatsEventsService);
  /** A poll (one instance: the lock), then every live instance's flush. */
  const poll = async (p: RunningPulse) => {
    expect(await service(p).run()).not.toBeNull();
    await flushAll();
  };
  const flushAll = async () => {
    for (const p of live()) await service(p).flush();
  };
  const totals = async (t: CreatedTenant): Promise<Figures> => {
    const h = await redis.hgetall(history.totals(t.id));
    return Object.fromEntries(FIELDS.map((f) => [f, Number(h[f] ?? 0)])) as Figures;
  };
  /** Waits (events are handled by whichever instance of the queue group got them) until `done`. */
  const settled = (t: CreatedTenant, done: (f: Figures) => boolean) =>
    waitFor(
      async () => {
        await flushAll();
        return totals(t);
      },
      done,
      { timeoutMs: 8000, intervalMs: 200 },
    );
  const fanOut = async (user: string, subject: string, subscribers: number) => {
    const creds = { user, pass: `${user}-secret` };
    const pub = await connect({ servers: url, ...creds, name: `${user}-pub` });
    const subs: NatsConnection[] = [];
    let received = 0;
    for (let i = 0; i < subscribers; i++) {
      const s = await connect({ servers: url, ...creds, name: `${user}-sub-${i}` });
      s.subscribe(subject, { callback: () => void received++ });
      await s.flush();
      subs.push(s);
    }
    open.push(pub, ...subs);
    return {
      pub,
      subs,
      received: () => received,
      send: async (m: number) => {
        const before = received;
        for (let i = 0; i < m; i++) pub.publish(subject, new Uint8Array(PAYLOAD));
        await pub.flush();
        await waitFor(
          async () => received,
          (n) => n >= before + m * subscribers,
        );
        expect(received - before).toBe(m * subscribers);
      },
    };
  };

  /**
   * A raw client connection of `user` (what nats.js would refuse to send) that writes `protocol`
   * and closes after a second unless the server closes it first: what the server answered.
   */
  const raw = (user: string, protocol: string) =>
    new Promise<string>((resolve, reject) => {
      let answered = '';
      const socket = new Socket();
      socket.on('data', (d) => (answered += d.toString()));
      socket.once('error', reject);
      socket.once('close', () => resolve(answered));
      socket.connect(server.port, '127.0.0.1', () => {
        socket.write(`CONNECT {"user":"${user}","pass":"${user}-secret","verbose":false,"name":"raw"}\r\nPING\r\n`);
        socket.write(protocol);
      });
      setTimeout(() => socket.destroy(), 1000).unref();
    });

  /**
   * 1 publisher → 5 subscribers of `user`, M messages of PAYLOAD bytes between two polls: the
   * tenant's totals gain M in, 5M out, and as many payload bytes. The totals after.
   */
  const fanOutCounted = async (t: CreatedTenant, user: string, subject: string, M: number) => {
    const fan = await fanOut(user, subject, 5);
    await poll(instances[0]);
    const before = await totals(t);
    await fan.send(M);
    await poll(instances[0]);
    const after = await totals(t);
    expect({
      inM: after.sv_in_m - before.sv_in_m,
      inB: after.sv_in_b - before.sv_in_b,
      outM: after.sv_out_m - before.sv_out_m,
      outB: after.sv_out_b - before.sv_out_b,
    }).toEqual({ inM: M, inB: M * PAYLOAD, outM: 5 * M, outB: 5 * M * PAYLOAD });
    return { fan, after };
  };

  beforeAll(async () => {
    server = await startNatsServer(`
accounts {
  SYS {
    users = [
      {
        user: sys, password: sys-secret
        ${SYSTEM_USER_PERMISSIONS}
      }
    ]
  }
  APP {
    users = [
      { user: pulse, password: pulse-secret }
      { user: alice, password: alice-secret }
    ]
  }
  ACC {
    users = [ { user: carol, password: carol-secret } ]
    limits { max_connections: 8, max_subscriptions: 3 }
  }
}
system_account: SYS
`);
    url = `nats://127.0.0.1:${server.port}`;
    const pulse = await startPulse(
      testOptions({
        nats: {
          servers: [url],
          user: 'pulse',
          password: 'pulse-secret',
          queueGroup: 'pulse',
          connectTimeoutMs: 3000,
        },
        // Polls are run by the test.
        natsSystem: { user: 'sys', password: 'sys-secret', pollIntervalMs: 3_600_000 },
      }),
    );
    instances.push(pulse);
    redis = new Redis(SHARED_REDIS);
    history = new HistoryKeys(pulse.options.redis.keyPrefix);
    a = await createTenant(pulse.url, uniqueTenantId('usage-a'), 'enterprise');
    b = await createTenant(pulse.url, uniqueTenantId('usage-b'), 'enterprise');
    const patch = async (id: string, body: object) =>
      expect((await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY, body })).status).toBe(
        200,
      );
    await patch(a.id, { natsIdentities: { users: ['alice'] } });
    await patch(b.id, { natsAccount: 'ACC' });
  });

  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    for (const p of instances) await p.close();
    await server?.kill();
    redis?.disconnect();
    if (instances[0]) await deletePrefix(SHARED_REDIS, instances[0].options.redis.keyPrefix);
  });

  it('subjects shape: 1 publisher → 5 subscribers, M messages: ingress M, egress 5M, in the minute, hour and totals', async () => {
    const pulse = instances[0];
    const { fan, after } = await fanOutCounted(a, 'alice', `tenant.${a.id}.fan`, 20);
    // The history: the minutes hold what the totals do; the rollup folds them into the hour.
    const reader = pulse.app.get(HistoryReader);
    const now = Date.now();
    const minutes = Array.from({ length: 15 }, (_, i) => minuteEpochOf(now) - 60 * i);
    const sum = (hashes: Record<string, string>[], f: string) => hashes.reduce((n, h) => n + Number(h[f] ?? 0), 0);
    const minuteHashes = await reader.minutes(a.id, minutes);
    expect(sum(minuteHashes, 'sv_in_m')).toBe(after.sv_in_m);
    expect(sum(minuteHashes, 'sv_out_m')).toBe(after.sv_out_m);
    expect(await pulse.app.get(RollupJob).run()).not.toBeNull();
    const hour = Math.floor(now / 3_600_000) * 3600;
    const hours = await reader.hours(a.id, [hour, hour - 3600]);
    expect(sum(hours, 'sv_out_m')).toBe(after.sv_out_m);
    expect(sum(hours, 'sv_out_b')).toBe(after.sv_out_b);
    // The snapshot: the tenant's 6 verified connections, at most 1 subscription on one of them.
    const snapshot = await pulse.app.get<ServerUsageReader>(SERVER_USAGE_READER).snapshot(a.id);
    expect(snapshot).toMatchObject<Partial<ServerSnapshot>>({
      tenantId: a.id,
      shape: 'subjects',
      connections: 6,
      subscriptions: 1,
      leafnodes: 0,
      jetstream: null,
      claims: null,
    });
    expect(pulse.app.get<ServerUsageReader>(SERVER_USAGE_READER).status()).toMatchObject({ state: 'connected' });
    expect(pulse.app.get<ServerUsageReader>(SERVER_USAGE_READER).status().lastPollAt).not.toBeNull();
    for (const c of [fan.pub, ...fan.subs]) await c.close();
    await settled(a, (f) => f.sv_out_m === after.sv_out_m);
    expect(await totals(a)).toEqual(after);
  });

  it("subjects shape: a connection that opens, publishes and closes between polls is counted from its disconnect's final counts", async () => {
    const pulse = instances[0];
    const fan = await fanOut('alice', `tenant.${a.id}.brief`, 2);
    await poll(pulse);
    const before = await totals(a);
    const brief = await connect({ servers: url, user: 'alice', pass: 'alice-secret', name: 'brief' });
    for (let i = 0; i < 7; i++) brief.publish(`tenant.${a.id}.brief`, new Uint8Array(PAYLOAD));
    await brief.flush();
    await waitFor(
      async () => fan.received(),
      (n) => n >= 14,
    );
    await brief.close();
    // Its disconnect's final `sent` is its ingress; the subscribers' deliveries come with the next poll.
    const closed = await settled(a, (f) => f.sv_in_m >= before.sv_in_m + 7);
    expect(closed.sv_in_m - before.sv_in_m).toBe(7);
    expect(closed.sv_in_b - before.sv_in_b).toBe(7 * PAYLOAD);
    await poll(pulse);
    const after = await totals(a);
    expect(after.sv_out_m - before.sv_out_m).toBe(14);
    expect(after.sv_in_m - before.sv_in_m).toBe(7);
    for (const c of [fan.pub, ...fan.subs]) await c.close();
    await settled(a, (f) => f.sv_out_m === after.sv_out_m);
  });

  it('subjects shape: a message over max_payload is a refused payload, counted once', async () => {
    const before = await totals(a);
    // nats.js refuses to send it; a raw connection says it is 2 MB (over the default 1 MB).
    expect(await raw('alice', 'PUB big 2000000\r\n')).toContain("-ERR 'Maximum Payload Violation'");
    const after = await settled(a, (f) => f.rf_pl > before.rf_pl);
    expect(after.rf_pl - before.rf_pl).toBe(1);
    await poll(instances[0]);
    expect((await totals(a)).rf_pl - before.rf_pl).toBe(1);
  });

  it('accounts shape: the account counts per server; 1 → 5 subscribers is 5× egress; the refused 9th connection counts as a refusal, not a connect', async () => {
    const pulse = instances[0];
    const { fan, after } = await fanOutCounted(b, 'carol', 'orders.created', 12);
    const reader = pulse.app.get<ServerUsageReader>(SERVER_USAGE_READER);
    expect(await reader.snapshot(b.id)).toMatchObject<Partial<ServerSnapshot>>({
      shape: 'account',
      connections: 6,
      leafnodes: 0,
      // No JetStream on this server; an account of a config file has no claims.
      jetstream: { memory: 0, storage: 0, streams: 0, consumers: 0 },
      claims: null,
    });
    // The most subscriptions on one connection: each subscriber has 1.
    expect((await reader.snapshot(b.id))!.subscriptions).toBe(1);
    // A subscription over the account's max_subscriptions: nats-server 2.9.10 answers an error and
    // keeps the connection, so no disconnect reports it and nothing is counted.
    expect(await raw('carol', 'SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\nPING\r\n')).toContain(
      "-ERR 'maximum subscriptions exceeded'",
    );
    const closed = await waitFor(
      async () =>
        (
          await request<{ connections: { name: string | null; reason?: string }[] }>(
            pulse.url,
            'GET',
            '/api/v1/metrics/connections?state=closed',
            { key: b.apiKey },
          )
        ).body.connections.find((c) => c.name === 'raw'),
      (c) => c !== undefined,
    );
    expect(['Client Closed', 'Read Error']).toContain(closed?.reason);
    expect((await totals(b)).rf_sub).toBe(0);
    // The account allows 8 connections: 2 more, then a 9th the server refuses (the client sees
    // `maximum account active connections exceeded`, or a broken pipe when the close wins).
    const extra: NatsConnection[] = [];
    for (let i = 0; i < 2; i++) extra.push(await connect({ servers: url, user: 'carol', pass: 'carol-secret' }));
    open.push(...extra);
    // Connects: the 6 of the fan-out, the raw one and the 2 more (a client that reconnected on a
    // loaded machine connects once more: the figure before the refusal is what it must stay at).
    const connects = (await settled(b, (f) => f.na_cn >= 9)).na_cn;
    await expect(
      connect({ servers: url, user: 'carol', pass: 'carol-secret', reconnect: false, maxReconnectAttempts: 0 }),
    ).rejects.toThrow();
    // The refused one is a refusal, not a connect.
    const refused = await settled(b, (f) => f.rf_cn >= 1 && f.na_cn === connects);
    expect(refused).toMatchObject({ rf_cn: 1, na_cn: connects });
    // The connections' own counters are not counted again in this shape: only the account's.
    await poll(pulse);
    expect((await totals(b)).sv_out_m).toBe(after.sv_out_m);
    for (const c of [fan.pub, ...fan.subs, ...extra]) await c.close();
    await settled(b, () => true);
    await poll(pulse);
    expect(await totals(b)).toMatchObject({ sv_in_m: after.sv_in_m, sv_out_m: after.sv_out_m, rf_cn: 1 });
  });

  it('subscriptions are measured per connection, as the server limits them: 2 connections × 3 subscriptions → 3, in both shapes', async () => {
    const pulse = instances[0];
    const reader = pulse.app.get<ServerUsageReader>(SERVER_USAGE_READER);
    const conns: NatsConnection[] = [];
    for (const user of ['alice', 'carol'])
      for (let i = 0; i < 2; i++) {
        const nc = await connect({ servers: url, user, pass: `${user}-secret`, name: `${user}-subs-${i}` });
        for (let j = 0; j < 3; j++) nc.subscribe(`tenant.${a.id}.subs.${i}.${j}`);
        await nc.flush();
        conns.push(nc);
      }
    open.push(...conns);
    await poll(pulse);
    // ACC's max_subscriptions 3 allows 3 on each connection: 100 %, not 200 %.
    expect(await reader.snapshot(a.id)).toMatchObject({ shape: 'subjects', connections: 2, subscriptions: 3 });
    expect(await reader.snapshot(b.id)).toMatchObject({ shape: 'account', connections: 2, subscriptions: 3 });
    for (const c of conns) await c.close();
    await settled(b, () => true);
  });

  it('across a restart of Pulse and with two instances at once, nothing is counted twice', async () => {
    const fanA = await fanOut('alice', `tenant.${a.id}.restart`, 5);
    const fanB = await fanOut('carol', 'orders.restart', 1);
    await poll(instances[0]);
    const beforeA = await totals(a);
    const beforeB = await totals(b);
    // Pulse restarts: a new instance on the same Redis finds the baselines there.
    await instances[0].close();
    const second = await startPulse(options());
    instances.push(second);
    await poll(second);
    expect(await totals(a)).toEqual(beforeA);
    expect(await totals(b)).toEqual(beforeB);
    await fanA.send(10);
    await fanB.send(10);
    // Two instances at once: both poll (one after the other: the lock), both handle events.
    const third = await startPulse(options());
    instances.push(third);
    await Promise.all([service(second).run(), service(third).run()]);
    await poll(third);
    await poll(second);
    const afterA = await totals(a);
    const afterB = await totals(b);
    expect(afterA.sv_in_m - beforeA.sv_in_m).toBe(10);
    expect(afterA.sv_out_m - beforeA.sv_out_m).toBe(50);
    expect(afterB.sv_in_m - beforeB.sv_in_m).toBe(10);
    expect(afterB.sv_out_m - beforeB.sv_out_m).toBe(10);
    // The connections close: their disconnects go to either instance; final counts add nothing new.
    for (const c of [fanA.pub, ...fanA.subs, fanB.pub, ...fanB.subs]) await c.close();
    await new Promise((r) => setTimeout(r, 500));
    await poll(third);
    await poll(second);
    expect(await totals(a)).toMatchObject({ sv_in_m: afterA.sv_in_m, sv_out_m: afterA.sv_out_m });
    expect(await totals(b)).toMatchObject({ sv_in_m: afterB.sv_in_m, sv_out_m: afterB.sv_out_m });
  });
});

describe('a system user without the usage permissions (as documented before issue #34)', () => {
  it('stays connected, says which permission it lacks, and keeps the connection events', async () => {
    const server = await startNatsServer(`
accounts {
  SYS {
    users = [
      {
        user: sys, password: sys-secret
        permissions: {
          publish: ["$SYS.REQ.SERVER.PING.CONNZ"]
          subscribe: ["$SYS.ACCOUNT.*.CONNECT", "$SYS.ACCOUNT.*.DISCONNECT", "$SYS.SERVER.*.CLIENT.AUTH.ERR", "_PULSE_INBOX.>"]
        }
      }
    ]
  }
  APP { users = [ { user: pulse, password: pulse-secret } ] }
}
system_account: SYS
`);
    const url = `nats://127.0.0.1:${server.port}`;
    const pulse = await startPulse(
      testOptions({
        nats: { servers: [url], user: 'pulse', password: 'pulse-secret', connectTimeoutMs: 3000 },
        natsSystem: { user: 'sys', password: 'sys-secret', pollIntervalMs: 3_600_000 },
      }),
    );
    try {
      const events = pulse.app.get(NatsEventsService);
      const status = await waitFor(
        async () => events.status(),
        (s) => s.detail !== undefined,
        { timeoutMs: 5000 },
      );
      expect(status.state).toBe('connected');
      expect(status.detail).toContain('may not subscribe to $SYS.ACCOUNT.*.SERVER.CONNS');
      // The CONNZ poll still runs (no tenant has its own account: nothing else is asked).
      expect(await events.run()).not.toBeNull();
      expect(events.status()).toMatchObject({ state: 'connected' });
      expect(events.status().lastPollAt).not.toBeNull();
    } finally {
      await pulse.close();
      await server.kill();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });
});
