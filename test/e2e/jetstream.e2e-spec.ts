import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JETSTREAM_SCHEMAS } from '../../src/jetstream/jetstream.schemas.js';
import { JetStreamPoller } from '../../src/jetstream/jetstream.poller.js';
import { JETSTREAM_READER, type JetStreamReader } from '../../src/jetstream/jetstream.types.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { jetStreamPulseOptions, startJetStreamServer } from '../support/jetstream-server.js';
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

interface Stream {
  name: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  fill: { worst: number | null };
}
interface Consumer {
  stream: string;
  name: string;
  kind: string;
  pending: number;
  ackPending: number;
  redelivered: number;
  waiting: number;
  deliveredSeq: number;
  ackFloorSeq: number;
  pendingGrowth: number | null;
  drain: { state: string; seconds?: number };
}
interface View {
  status: { state: string; detail?: string; lastPollAt: string | null };
  polledAt: string | null;
  streams: Stream[];
  consumers: Consumer[];
  omitted: { streams: number; consumers: number };
}
interface History {
  resolution: string;
  points: {
    timestamp: string;
    streams: { name: string; messages: number }[];
    consumers: { stream: string; consumer: string; pending: number; maxPending: number }[];
  }[];
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({
  $id: 'openapi',
  components: {
    schemas: JSON.parse(JSON.stringify(JETSTREAM_SCHEMAS).replaceAll('"#/components/', '"openapi#/components/')),
  },
});
/** The body is what the OpenAPI document says of `name` (with figures in it, which the contract test has not). */
function conforms(name: string, body: unknown): void {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`)!;
  expect(validate(body), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

/**
 * A private nats-server with JetStream and a system account; two tenants with streams in their
 * namespaces, push and pull consumers, and a stream spanning both. Polls are driven by the test.
 */
describe('JetStream per tenant (private nats-server with JetStream)', () => {
  let server: ServerProcess;
  let pulse: RunningPulse;
  let app: NatsConnection;
  let jsm: JetStreamManager;
  let a: CreatedTenant;
  let b: CreatedTenant;
  let url: string;
  const A = 'A_ORDERS';
  const B = 'B_JOBS';
  const SPAN = 'SPANNING';

  beforeAll(async () => {
    ({ server, url } = await startJetStreamServer());
    // A poll interval no test waits for: the test drives every poll.
    pulse = await startPulse(testOptions(jetStreamPulseOptions(url)));
    a = await createTenant(pulse.url, uniqueTenantId('js-a'), 'enterprise');
    b = await createTenant(pulse.url, uniqueTenantId('js-b'), 'enterprise');
    app = await connect({ servers: url, user: 'app', pass: 'app-secret' });
    jsm = await jetstreamManager(app);
    await jsm.streams.add({ name: A, subjects: [`tenant.${a.id}.orders.>`] });
    await jsm.streams.add({ name: B, subjects: [`tenant.${b.id}.jobs`], max_msgs: 100 });
    await jsm.streams.add({ name: SPAN, subjects: [`tenant.${a.id}.span`, `tenant.${b.id}.span`] });
    for (const [stream, tenant] of [
      [A, a],
      [B, b],
    ] as const) {
      await jsm.consumers.add(stream, { durable_name: 'pull1', ack_policy: AckPolicy.Explicit });
      await jsm.consumers.add(stream, {
        durable_name: 'push1',
        ack_policy: AckPolicy.Explicit,
        deliver_subject: `deliver.${tenant.id}.push1`,
      });
    }
    const js = jetstream(app);
    for (let i = 0; i < 50; i++) await js.publish(`tenant.${a.id}.orders.new`, `order ${i}`);
    for (let i = 0; i < 20; i++) await js.publish(`tenant.${b.id}.jobs`, `job ${i}`);
    await js.publish(`tenant.${a.id}.span`, 'x');
    // The creations' advisories asked for an early poll: it has run before the tests drive theirs.
    await waitFor(() => Promise.resolve(pulse.app.get(JetStreamPoller).status().lastPollAt), Boolean);
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await pulse?.close();
    await server?.kill();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  const poll = async () => {
    const result = await pulse.app.get(JetStreamPoller).run();
    expect(result, 'the poll ran').not.toBeNull();
    return result!;
  };
  const view = async (t: CreatedTenant) => {
    const { body } = await request<View>(pulse.url, 'GET', '/api/v1/metrics/jetstream', { key: t.apiKey });
    conforms('JetStream', body);
    return body;
  };

  /** The figures the server reports now, as the route names them. */
  const serverFigures = async (stream: string) => {
    const s = await jsm.streams.info(stream);
    const consumers = new Map<string, Partial<Consumer>>();
    for (const name of ['pull1', 'push1']) {
      const c = await jsm.consumers.info(stream, name);
      consumers.set(name, {
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        deliveredSeq: c.delivered.stream_seq,
        ackFloorSeq: c.ack_floor.stream_seq,
      });
    }
    return {
      stream: {
        messages: s.state.messages,
        bytes: s.state.bytes,
        firstSeq: s.state.first_seq,
        lastSeq: s.state.last_seq,
        consumers: s.state.consumer_count,
      },
      consumers,
    };
  };

  it("each tenant sees only its streams and consumers; the spanning stream is the operator's", async () => {
    expect(await poll()).toMatchObject({ state: 'ok', streams: 3, consumers: 4, unowned: 1 });
    const va = await view(a);
    expect(va.status).toMatchObject({ state: 'ok' });
    expect(va.streams.map((s) => s.name)).toEqual([A]);
    expect(va.consumers.map((c) => `${c.stream}/${c.name}`).sort()).toEqual([`${A}/pull1`, `${A}/push1`]);
    expect(va.consumers.find((c) => c.name === 'push1')!.kind).toBe('push');
    expect(va.consumers.find((c) => c.name === 'pull1')!.kind).toBe('pull');
    const vb = await view(b);
    expect(vb.streams.map((s) => s.name)).toEqual([B]);
    expect(vb.streams[0].fill.worst).toBe(0.2);
    expect(vb.consumers.every((c) => c.stream === B)).toBe(true);
    expect(JSON.stringify(vb)).not.toContain(A);
    expect(JSON.stringify(va) + JSON.stringify(vb)).not.toContain(SPAN);
    // The operator's streams, for the admin only.
    const admin = await request<{ status: { unowned: number }; streams: Stream[] }>(
      pulse.url,
      'GET',
      '/api/v1/admin/jetstream',
      { key: ADMIN_KEY },
    );
    expect(admin.status).toBe(200);
    conforms('AdminJetStream', admin.body);
    expect(admin.body.streams.map((s) => s.name)).toEqual([SPAN]);
    expect(admin.body.status.unowned).toBe(1);
    expect((await request(pulse.url, 'GET', '/api/v1/admin/jetstream', { key: a.apiKey })).status).toBe(401);
    // Owners for the advisories: every tenant's stream, not the operator's.
    const owners = await pulse.app.get<JetStreamReader>(JETSTREAM_READER).owners();
    expect([...owners].sort()).toEqual([
      [A, a.id],
      [B, b.id],
    ]);
  });

  it("a tenant user allowed `_INBOX.>` receives none of the poll's answers (Pulse's inbox prefix is its own)", async () => {
    const tenantUser = await connect({ servers: url, user: 'tenantx', pass: 'tenantx-secret' });
    try {
      const seen: string[] = [];
      tenantUser.subscribe('_INBOX.>', { callback: (_e, m) => void seen.push(`${m.subject} ${m.string()}`) });
      await tenantUser.flush();
      expect(await poll()).toMatchObject({ state: 'ok', streams: 3 });
      await tenantUser.flush();
      expect(seen.filter((m) => m.includes(A) || m.includes(B) || m.includes(SPAN))).toEqual([]);
      expect(seen).toEqual([]);
    } finally {
      await tenantUser.close();
    }
  });

  it("A's stream on A's subjects sourcing B's stream is the operator's: in neither tenant's answer", async () => {
    const AGG = 'A_AGG';
    await jsm.streams.add({ name: AGG, subjects: [`tenant.${a.id}.agg`], sources: [{ name: B }] });
    try {
      await poll();
      const both = JSON.stringify(await view(a)) + JSON.stringify(await view(b));
      expect(both).not.toContain(AGG);
      const admin = await request<{ streams: Stream[] }>(pulse.url, 'GET', '/api/v1/admin/jetstream', {
        key: ADMIN_KEY,
      });
      expect(admin.body.streams.map((s) => s.name).sort()).toEqual([AGG, SPAN]);
      expect([...(await pulse.app.get<JetStreamReader>(JETSTREAM_READER).owners()).keys()]).not.toContain(AGG);
    } finally {
      await jsm.streams.delete(AGG);
      await poll();
    }
  });

  it('a consumer that stops acking shows growing lag, equal to what the server reports', async () => {
    // The pull consumer takes 10 and acks them, then takes 5 and acks none.
    const consumer = await jetstream(app).consumers.get(A, 'pull1');
    for await (const m of await consumer.fetch({ max_messages: 10, expires: 2000 })) await m.ackAck();
    const unacked = [];
    for await (const m of await consumer.fetch({ max_messages: 5, expires: 2000 })) unacked.push(m);
    expect(unacked).toHaveLength(5);
    await poll();
    const first = (await view(a)).consumers.find((c) => c.name === 'pull1')!;
    expect(first).toMatchObject({ pending: 35, ackPending: 5, ackFloorSeq: 10 });
    // More work arrives, nobody consumes it.
    const js = jetstream(app);
    for (let i = 0; i < 30; i++) await js.publish(`tenant.${a.id}.orders.new`, `late ${i}`);
    await poll();
    const va = await view(a);
    const pull = va.consumers.find((c) => c.name === 'pull1')!;
    expect(pull.pending).toBe(65);
    expect(pull.pendingGrowth).toBeGreaterThan(0);
    expect(pull.drain).toEqual({ state: 'not_draining' });
    // Worst first: push1 has all 80 pending.
    expect(va.consumers.map((c) => c.name)).toEqual(['push1', 'pull1']);
    // Stream and consumer figures equal STREAM.INFO and CONSUMER.INFO at this moment (no traffic since the poll).
    const truth = await serverFigures(A);
    expect(va.streams[0]).toMatchObject(truth.stream);
    for (const c of va.consumers) expect(c, c.name).toMatchObject(truth.consumers.get(c.name)!);
  });

  it("the operator console ranks the tenants by their worst consumer (one read of the poll's ranking)", async () => {
    const res = await request<{
      jetstream: {
        status: { state: string };
        worstConsumers: { tenantId: string; consumer: string; pending: number }[];
      };
    }>(pulse.url, 'GET', '/api/v1/admin/overview', { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body.jetstream.status.state).toBe('ok');
    // A's push1 has all 80 pending, B's consumers 20 each.
    expect(res.body.jetstream.worstConsumers.map((r) => r.tenantId)).toEqual([a.id, b.id]);
    expect(res.body.jetstream.worstConsumers[0]).toMatchObject({ consumer: 'push1', pending: 80 });
    expect(res.body.jetstream.worstConsumers[1]).toMatchObject({ pending: 20 });
    const reader = pulse.app.get<JetStreamReader>(JETSTREAM_READER);
    expect((await reader.worst(1)).map((w) => w.tenantId)).toEqual([a.id]);
  });

  it('history for the last hour reads back per minute, for the tenant only', async () => {
    const res = await request<History>(pulse.url, 'GET', '/api/v1/metrics/jetstream/history?period=1h', {
      key: a.apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.resolution).toBe('minute');
    conforms('JetStreamHistory', res.body);
    expect(res.body.points.length).toBeGreaterThan(0);
    for (const p of res.body.points) expect(Date.parse(p.timestamp) % 60_000).toBe(0);
    const last = res.body.points.at(-1)!;
    expect(last.streams).toEqual([expect.objectContaining({ name: A, messages: 80 })]);
    const pull = last.consumers.find((c) => c.consumer === 'pull1')!;
    expect(pull).toMatchObject({ stream: A, pending: 65 });
    expect(pull.maxPending).toBeGreaterThanOrEqual(65);
    const hours = await request<History>(
      pulse.url,
      'GET',
      '/api/v1/metrics/jetstream/history?period=24h&resolution=hour',
      { key: b.apiKey },
    );
    expect(hours.body.points.at(-1)!.streams.map((s) => s.name)).toEqual([B]);
    expect(JSON.stringify(hours.body)).not.toContain(A);
    // Beyond what minutes are kept: refused, naming why.
    const tooFar = await request(pulse.url, 'GET', '/api/v1/metrics/jetstream/history?period=7d&resolution=minute', {
      key: a.apiKey,
    });
    expect(tooFar.status).toBe(400);
    expect(JSON.stringify(tooFar.body)).toContain('resolution');
  });

  it('a deleted stream leaves the inventory at the next poll', async () => {
    await jsm.streams.delete(B);
    expect((await view(b)).streams.map((s) => s.name)).toEqual([B]);
    await poll();
    const vb = await view(b);
    expect(vb.streams).toEqual([]);
    expect(vb.consumers).toEqual([]);
    expect((await view(a)).streams.map((s) => s.name)).toEqual([A]);
    expect([...(await pulse.app.get<JetStreamReader>(JETSTREAM_READER).owners()).keys()]).toEqual([A]);
    // B has no consumer left: out of the console's ranking.
    expect((await pulse.app.get<JetStreamReader>(JETSTREAM_READER).worst(10)).map((w) => w.tenantId)).toEqual([a.id]);
  });

  it('a professional tenant gets its view but no history (only enterprise can read it)', async () => {
    const pro = await createTenant(pulse.url, uniqueTenantId('js-pro'), 'professional');
    await jsm.streams.add({ name: 'PRO_EVENTS', subjects: [`tenant.${pro.id}.events`] });
    await poll();
    expect((await view(pro)).streams.map((s) => s.name)).toEqual(['PRO_EVENTS']);
    const { Redis } = await import('ioredis');
    const redis = new Redis(SHARED_REDIS);
    try {
      const scope = new RedisKeys(pulse.options.redis.keyPrefix).tenantScope(pro.id).replace(/[{}]/g, '\\$&');
      expect(await redis.keys(`${scope}js:cur`)).toHaveLength(1);
      expect(await redis.keys(`${scope}js:min:*`)).toEqual([]);
      expect(await redis.keys(`${scope}js:hour:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it("an erased tenant's JetStream keys are gone and a poll does not bring them back (the fence)", async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(SHARED_REDIS);
    try {
      const scope = new RedisKeys(pulse.options.redis.keyPrefix).tenantScope(a.id);
      const keysOfA = async () => (await redis.keys(`${scope.replace(/[{}]/g, '\\$&')}js:*`)).length;
      expect(await keysOfA()).toBeGreaterThan(0);
      const ownersKey = new RedisKeys(pulse.options.redis.keyPrefix).jetStreamOwners();
      const ownedByA = async () => Object.values(await redis.hgetall(ownersKey)).filter((t) => t === a.id);
      expect(await ownedByA()).not.toEqual([]);
      // The owners expire like the status: a poll that never comes again does not keep them forever.
      expect(await redis.ttl(ownersKey)).toBeGreaterThan(0);
      expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${a.id}`, { key: ADMIN_KEY })).status).toBe(
        200,
      );
      expect(await keysOfA()).toBe(0);
      // Its streams left the owners with it, before any poll (polls may have stopped for good).
      expect(await ownedByA()).toEqual([]);
      expect([...(await pulse.app.get<JetStreamReader>(JETSTREAM_READER).owners()).values()]).not.toContain(a.id);
      // Its entries in the deployment-wide ranking went with it.
      const worst = new RedisKeys(pulse.options.redis.keyPrefix).jetStreamWorst();
      const rankedA = async () => [await redis.zscore(worst.ranking, a.id), await redis.hget(worst.consumers, a.id)];
      expect(await rankedA()).toEqual([null, null]);
      // A poll at once (this instance's directory may not have heard of the erasure yet).
      await poll();
      expect(await keysOfA()).toBe(0);
      expect(await rankedA()).toEqual([null, null]);
      expect(await ownedByA()).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('JetStream per tenant: without JetStream, or without the permissions', () => {
  it('is off with a detail, not an error', async () => {
    const server = await startNatsServer();
    const pulse = await startPulse(
      testOptions({ nats: { servers: [`nats://127.0.0.1:${server.port}`], connectTimeoutMs: 3000 } }),
    );
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('js-off'), 'professional');
      expect(await pulse.app.get(JetStreamPoller).run()).toMatchObject({ state: 'off' });
      const body = (await request<View>(pulse.url, 'GET', '/api/v1/metrics/jetstream', { key: t.apiKey })).body;
      expect(body.status).toMatchObject({ state: 'off', detail: 'the account has no JetStream' });
      expect(body.streams).toEqual([]);
      const basic = await createTenant(pulse.url, uniqueTenantId('js-basic'), 'basic');
      expect((await request(pulse.url, 'GET', '/api/v1/metrics/jetstream', { key: basic.apiKey })).status).toBe(403);
    } finally {
      await pulse.close();
      await server.kill();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });

  it('a user without the JetStream permissions: status error naming the README, asked again only every 20 polls', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'pulse-js-'));
    const server = await startNatsServer(`
jetstream { store_dir: "${storeDir}" }
authorization {
  users = [
    { user: pulse, password: pulse-secret, permissions: {
        publish: ["_PULSE.>"]
        subscribe: ["tenant.*.>", "_HEARTBEAT.>", "_PULSE.internal.>", "_PULSE_INBOX.>"] } }
  ]
}
`);
    const pulse = await startPulse(
      testOptions({
        nats: {
          servers: [`nats://127.0.0.1:${server.port}`],
          user: 'pulse',
          password: 'pulse-secret',
          connectTimeoutMs: 3000,
        },
      }),
    );
    try {
      const poller = pulse.app.get(JetStreamPoller);
      expect(await poller.run()).toMatchObject({ state: 'error' });
      expect(poller.status().detail).toContain('Permissions Violation');
      expect(poller.status().detail).toContain('README, JetStream');
      // The tenant is told the poll failed, not the server's words (they can name another tenant's stream).
      const t = await createTenant(pulse.url, uniqueTenantId('js-refused'), 'professional');
      const tenantView = (await request<View>(pulse.url, 'GET', '/api/v1/metrics/jetstream', { key: t.apiKey })).body;
      expect(tenantView.status.state).toBe('error');
      expect(JSON.stringify(tenantView)).not.toMatch(/Permissions Violation|\$JS\.API|README/);
      // The admin route keeps the raw detail.
      const admin = await request<{ status: { detail?: string } }>(pulse.url, 'GET', '/api/v1/admin/jetstream', {
        key: ADMIN_KEY,
      });
      expect(admin.body.status.detail).toContain('Permissions Violation');
      const lastPollAt = poller.status().lastPollAt;
      // The next polls do not ask (each refusal is an error on the connection).
      expect(await poller.run()).toMatchObject({ state: 'error' });
      expect(poller.status().lastPollAt).toBe(lastPollAt);
    } finally {
      await pulse.close();
      await server.kill();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });
});
