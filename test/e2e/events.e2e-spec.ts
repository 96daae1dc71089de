import type { NatsConnection } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AlertSender } from '../../src/alerting/alert-sender.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { PULSE_OPTIONS, type PulseOptions } from '../../src/config/pulse-options.js';
import { EventDeliveryWorker } from '../../src/events/event-delivery.worker.js';
import { EventLog, MAX_BUFFERED_EVENTS, MAX_BUFFERED_EVENTS_PER_TENANT } from '../../src/events/event-log.js';
import { SubscriptionsRepository } from '../../src/events/subscriptions.repository.js';
import { REDIS_CLIENT, type RedisClient } from '../../src/redis/redis-client.js';
import { EventKeys } from '../../src/events/event-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { type BuiltPulse, startBuiltPulse } from '../support/built-pulse.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import { socketOwner } from '../support/processes.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniquePrefix,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { HttpReceiver, type Received } from '../support/receivers.js';
import { publisher } from '../support/traffic.js';

interface WireEvent {
  id: string;
  type: string;
  tenantId: string;
  clientId: string | null;
  sequence: number;
}
interface Batch {
  subscriptionId: string;
  test: boolean;
  events: WireEvent[];
}

const PATH = '/api/v1/events/subscriptions';
const TYPES = ['client.online', 'client.offline'];

/** Every request at `path` the receiver accepted (200), verified with the `standardwebhooks` library. */
function accepted(receiver: HttpReceiver, path: string, secret: string): Batch[] {
  const wh = new Webhook(secret);
  return receiver
    .on(path)
    .filter((r) => r.status === 200)
    .map((r) => wh.verify(r.body, r.headers as Record<string, string>) as Batch);
}

/** The distinct events received, in the order they first arrived. */
function distinct(batches: Batch[]): WireEvent[] {
  const seen = new Map<string, WireEvent>();
  for (const b of batches) for (const e of b.events) if (!seen.has(e.id)) seen.set(e.id, e);
  return [...seen.values()];
}

/** Appends an event to a tenant's log as the log does, without the due hint (a crash between the two). */
async function appendWithoutHint(redis: Redis, keys: EventKeys, tenantId: string, clientId: string): Promise<void> {
  const seq = await redis.incr(keys.sequence(tenantId));
  await redis.xadd(
    keys.stream(tenantId),
    '*',
    't',
    'client.online',
    'c',
    clientId,
    'a',
    new Date().toISOString(),
    's',
    seq,
    'd',
    '{}',
  );
}

/** Each client's events in arrival order are in its log order (the stream's: `sequence` grows). */
function expectPerClientOrder(events: WireEvent[]): void {
  const last = new Map<string, number>();
  for (const e of events) {
    const key = e.clientId ?? '';
    expect(e.sequence, `${key} out of order`).toBeGreaterThan(last.get(key) ?? 0);
    last.set(key, e.sequence);
  }
}

describe('webhook events to the tenant endpoint (real NATS and Redis, receiver on loopback)', () => {
  const options = testOptions({
    heartbeatTimeoutMs: 1500,
    offlineCheckIntervalMs: 250,
    alerting: { allowPrivateTargets: true },
    events: {
      batchMaxEvents: 25,
      batchMaxWaitMs: 200,
      timeoutMs: 2000,
      retryBaseMs: 200,
      retryMaxMs: 3000,
      pauseAfterFailures: 100,
      backlogMax: 10_000,
      flushIntervalMs: 100,
      pollMs: 100,
    },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;
  const receiver = new HttpReceiver();

  async function subscribed(label: string, path: string): Promise<{ t: CreatedTenant; secret: string }> {
    const t = await createTenant(pulse.url, uniqueTenantId(label), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    const created = await request<{ signingSecret: string }>(pulse.url, 'POST', PATH, {
      key: t.apiKey,
      body: { url: `${receiver.url}${path}`, types: TYPES },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { t, secret: created.body.signingSecret };
  }

  /** Heartbeats every 400 ms for the clients `alive()` names, until stopped. */
  function keepAlive(tenantId: string, alive: () => string[]): () => void {
    const beat = () => {
      for (const c of alive()) sendHeartbeat(nc, tenantId, c);
    };
    beat();
    const timer = setInterval(beat, 400);
    return () => clearInterval(timer);
  }

  beforeAll(async () => {
    await receiver.start();
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await receiver.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('50 clients online and 10 offline: exactly those 60 events, signed, in per-client order; no other tenant', async () => {
    const a = await subscribed('ev-a', '/a');
    const b = await subscribed('ev-b', '/b');
    const clients = Array.from({ length: 50 }, (_, i) => `c${i}`);
    let alive = clients;
    const stopA = keepAlive(a.t.id, () => alive);
    const stopB = keepAlive(b.t.id, () => ['b0', 'b1']);
    try {
      await waitFor(
        async () => distinct(accepted(receiver, '/a', a.secret)).length,
        (n) => n >= 50,
        { timeoutMs: 20_000 },
      );
      alive = clients.slice(10); // c0..c9 fall silent
      const got = await waitFor(
        async () => distinct(accepted(receiver, '/a', a.secret)),
        (e) => e.length >= 60,
        { timeoutMs: 20_000 },
      );
      await new Promise((r) => setTimeout(r, 1000)); // nothing more may come
      const events = distinct(accepted(receiver, '/a', a.secret));
      expect(events.length).toBe(60);
      expect(got.length).toBe(60);
      expect(
        events
          .filter((e) => e.type === 'client.online')
          .map((e) => e.clientId)
          .sort(),
      ).toEqual([...clients].sort());
      expect(
        events
          .filter((e) => e.type === 'client.offline')
          .map((e) => e.clientId)
          .sort(),
      ).toEqual(clients.slice(0, 10).sort());
      expectPerClientOrder(events);
      expect(events.every((e) => e.tenantId === a.t.id)).toBe(true);
      // Batched: fewer requests than events.
      expect(accepted(receiver, '/a', a.secret).length).toBeLessThan(60);
      // The other tenant's endpoint got its own events only, signed with its own secret.
      const other = distinct(accepted(receiver, '/b', b.secret));
      expect(other.map((e) => e.clientId).sort()).toEqual(['b0', 'b1']);
      expect(other.every((e) => e.tenantId === b.t.id)).toBe(true);
      expect(() => accepted(receiver, '/b', a.secret)).toThrow();
      // The delivery log and the subscription's state say what happened.
      const [sub] = (
        await request<{ subscriptions: { id: string; delivered: number; dropped: number; status: string }[] }>(
          pulse.url,
          'GET',
          PATH,
          { key: a.t.apiKey },
        )
      ).body.subscriptions;
      expect(sub).toMatchObject({ delivered: 60, dropped: 0, status: 'active' });
      const log = await request<{ deliveries: { outcome: string; events: number }[] }>(
        pulse.url,
        'GET',
        `${PATH}/${sub.id}/deliveries`,
        { key: a.t.apiKey },
      );
      expect(log.body.deliveries.filter((d) => d.outcome === 'delivered').reduce((s, d) => s + d.events, 0)).toBe(60);
    } finally {
      stopA();
      stopB();
    }
  });

  it('a receiver answering 503 for 30 s then 200 gets everything after', { timeout: 90_000 }, async () => {
    const c = await subscribed('ev-c', '/c');
    receiver.failUntil('/c', 503, Date.now() + 30_000);
    const clients = Array.from({ length: 20 }, (_, i) => `d${i}`);
    const stop = keepAlive(c.t.id, () => clients);
    try {
      const events = await waitFor(
        async () => distinct(accepted(receiver, '/c', c.secret)),
        (e) => e.length >= 20,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(receiver.on('/c').filter((r) => r.status === 503).length).toBeGreaterThan(3);
      expect(events.map((e) => e.clientId).sort()).toEqual([...clients].sort());
      expectPerClientOrder(events);
      expect(receiver.on('/c').find((r) => r.status === 200)!.at).toBeGreaterThanOrEqual(
        receiver.on('/c')[0].at + 29_000,
      );
    } finally {
      stop();
    }
  });

  it('an event whose due hint was lost (a crash between append and hint) is sent by the sweep', async () => {
    const e = await subscribed('ev-e', '/e');
    const keys = new EventKeys(options.redis.keyPrefix);
    const redis = new Redis(SHARED_REDIS);
    try {
      await appendWithoutHint(redis, keys, e.t.id, 'late');
      await new Promise((r) => setTimeout(r, 800));
      expect(receiver.on('/e')).toHaveLength(0);
      await pulse.app.get(EventDeliveryWorker).sweep();
      const got = await waitFor(
        async () => distinct(accepted(receiver, '/e', e.secret)),
        (ev) => ev.length > 0,
      );
      expect(got.map((x) => x.clientId)).toEqual(['late']);
    } finally {
      redis.disconnect();
    }
  });

  it('an instance killed holding a lease (its due mark already taken): another sends after the lease, not the sweep', async () => {
    const k = await subscribed('ev-k', '/k');
    const [sub] = (await request<{ subscriptions: { id: string }[] }>(pulse.url, 'GET', PATH, { key: k.t.apiKey })).body
      .subscriptions;
    const keys = new EventKeys(options.redis.keyPrefix);
    const redis = new Redis(SHARED_REDIS);
    const worker = pulse.app.get(EventDeliveryWorker);
    try {
      // The killed instance took the lease (its claim had removed the due mark) and never acks.
      await redis.zrem(keys.due(), k.t.id);
      const leased = Date.now();
      expect(await pulse.app.get(SubscriptionsRepository).lease(k.t.id, sub.id, 'killed', worker.leaseMs)).toBe(true);
      await appendWithoutHint(redis, keys, k.t.id, 'after-kill');
      const got = await waitFor(
        async () => distinct(accepted(receiver, '/k', k.secret)),
        (ev) => ev.length > 0,
        { timeoutMs: worker.leaseMs + 10_000 },
      );
      expect(got.map((x) => x.clientId)).toEqual(['after-kill']);
      // Not before the lease ran out (it was held), and long before the 60 s sweep.
      expect(receiver.on('/k')[0].at).toBeGreaterThanOrEqual(leased + worker.leaseMs - 50);
    } finally {
      redis.disconnect();
    }
  });

  it('a test send is signed and logged', async () => {
    const d = await subscribed('ev-d', '/d');
    const [sub] = (await request<{ subscriptions: { id: string }[] }>(pulse.url, 'GET', PATH, { key: d.t.apiKey })).body
      .subscriptions;
    const res = await request(pulse.url, 'POST', `${PATH}/${sub.id}/test`, { key: d.t.apiKey });
    expect(res.body).toMatchObject({ delivered: true, statusCode: 200 });
    expect(accepted(receiver, '/d', d.secret)).toEqual([{ subscriptionId: sub.id, test: true, events: [] }]);
  });
});

describe('webhook events: pause after failures, resume, backlog drops, replay (real NATS and Redis)', () => {
  const options = testOptions({
    heartbeatTimeoutMs: 60_000,
    alerting: { allowPrivateTargets: true },
    events: {
      batchMaxEvents: 50,
      batchMaxWaitMs: 100,
      timeoutMs: 2000,
      retryBaseMs: 50,
      retryMaxMs: 200,
      pauseAfterFailures: 3,
      backlogMax: 100,
      flushIntervalMs: 100,
      pollMs: 100,
    },
  });
  let pulse: RunningPulse;
  let nc: NatsConnection;
  const receiver = new HttpReceiver();

  beforeAll(async () => {
    await receiver.start();
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await receiver.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('pauses with a notice, sends nothing while paused, counts what the backlog bound dropped, resumes, replays', async () => {
    const started = Date.now();
    const t = await createTenant(pulse.url, uniqueTenantId('ev-pause'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    const channel = await request(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: t.apiKey,
      body: { type: 'webhook', name: 'ops', config: { url: `${receiver.url}/alert` } },
    });
    expect(channel.status).toBe(201);
    const created = await request<{ id: string; signingSecret: string }>(pulse.url, 'POST', PATH, {
      key: t.apiKey,
      body: { url: `${receiver.url}/p`, types: TYPES },
    });
    const { id, signingSecret } = created.body;
    const one = () =>
      request<{
        status: string;
        paused: { failures: number; lastError: string } | null;
        delivered: number;
        dropped: number;
      }>(pulse.url, 'GET', `${PATH}/${id}`, { key: t.apiKey });
    receiver.failUntil('/p', 500, Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < 5; i++) sendHeartbeat(nc, t.id, `p${i}`);
    const paused = await waitFor(one, (r) => r.body.status === 'paused', { timeoutMs: 15_000 });
    expect(paused.body.paused).toMatchObject({ failures: 3, lastError: 'HTTP 500' });
    const log = await request<{ deliveries: { outcome: string }[] }>(pulse.url, 'GET', `${PATH}/${id}/deliveries`, {
      key: t.apiKey,
    });
    expect(log.body.deliveries.map((d) => d.outcome)).toEqual(['paused', 'failed', 'failed']);
    // The tenant's alert channel is told of the pause, once.
    const alerts = await waitFor(
      async () => receiver.on('/alert'),
      (rs) => rs.length > 0,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toContain(id);
    expect(alerts[0].body).toContain('paused after 3 failed requests');
    const tried = receiver.on('/p').length;
    expect(tried).toBe(3);

    // 300 more while paused: the tenant's log keeps about 100 (MAXLEN ~), the rest is dropped.
    for (let i = 0; i < 300; i++) sendHeartbeat(nc, t.id, `q${i}`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.on('/p').length).toBe(tried);

    receiver.failUntil('/p', 500, 0);
    const resumed = await request(pulse.url, 'PATCH', `${PATH}/${id}`, { key: t.apiKey, body: { paused: false } });
    expect(resumed.body).toMatchObject({ status: 'active', paused: null });
    const done = await waitFor(one, (r) => r.body.delivered + r.body.dropped >= 305, { timeoutMs: 15_000 });
    expect(done.body.delivered + done.body.dropped).toBe(305);
    expect(done.body.dropped).toBeGreaterThan(0);
    const received = distinct(accepted(receiver, '/p', signingSecret));
    expect(received.length).toBe(done.body.delivered);
    expectPerClientOrder(received);
    const metrics = await (
      await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${options.adminApiKey}` } })
    ).text();
    expect(metrics).toContain(`pulse_events_dropped_total{reason="backlog"} ${done.body.dropped}`);

    // Replay: what the log still holds since `from` is sent again, with the same ids.
    const before = receiver.on('/p').length;
    const replay = await request(pulse.url, 'POST', `${PATH}/${id}/replay`, {
      key: t.apiKey,
      body: { from: new Date(started).toISOString() },
    });
    expect(replay.status).toBe(200);
    await waitFor(
      async () => receiver.on('/p').length,
      (n) => n > before,
    );
    const again = receiver
      .on('/p')
      .slice(before)
      .filter((r) => r.status === 200)
      .flatMap((r) => (JSON.parse(r.body) as Batch).events.map((e) => e.id));
    expect(again.length).toBeGreaterThan(0);
    expect(received.map((e) => e.id)).toEqual(expect.arrayContaining(again));
    const after = await one();
    expect(after.body.dropped).toBe(done.body.dropped);
  });
});

describe('webhook events survive SIGTERM of the delivering instance (two built instances)', () => {
  const ADMIN = 'events-handover-admin-key-0123456789';
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('loses nothing: the other instance sends the batch again from the cursor', { timeout: 120_000 }, async () => {
    const receiver = await new HttpReceiver().start();
    cleanups.push(() => receiver.stop());
    const prefix = uniquePrefix();
    const env = {
      ADMIN_API_KEY: ADMIN,
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      ALERT_ALLOW_PRIVATE_TARGETS: 'true',
      EVENTS_BATCH_MAX_WAIT_MS: '300',
      EVENTS_BATCH_MAX_EVENTS: '10',
      EVENTS_TIMEOUT_MS: '8000',
      EVENTS_RETRY_BASE_MS: '200',
    };
    const instances: BuiltPulse[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await startBuiltPulse(env);
      instances.push(p);
      cleanups.push(() => p.stop());
    }
    const id = uniqueTenantId('ev-handover');
    const created = await request<{ apiKey: string }>(instances[0].url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN,
      body: { id, tier: 'professional' },
    });
    expect(created.status).toBe(201);
    const key = created.body.apiKey;
    for (const i of instances) {
      await waitFor(
        () => request(i.url, 'GET', PATH, { key }).then((r) => r.status),
        (s) => s === 200,
      );
    }
    const sub = await request<{ signingSecret: string }>(instances[0].url, 'POST', PATH, {
      key,
      body: { url: `${receiver.url}/s`, types: TYPES },
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    // The first request is held longer than the shutdown's handover: its sender dies mid-batch.
    receiver.hold('/s', [20_000]);
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const clients = Array.from({ length: 30 }, (_, i) => `h${i}`);
    for (const c of clients) sendHeartbeat(nc, id, c);
    await nc.flush();
    const first: Received | undefined = await waitFor(
      async () => receiver.on('/s')[0],
      (r) => r !== undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    expect(first, 'no batch was sent').toBeDefined();
    const pid = socketOwner(
      first.remotePort,
      instances.map((i) => i.process.child.pid!),
    );
    const sender = instances.find((i) => i.process.child.pid === pid);
    expect(sender, 'no instance owns the connection the batch came on').toBeDefined();
    sender!.process.child.kill('SIGTERM');
    const events = await waitFor(
      async () => distinct(accepted(receiver, '/s', sub.body.signingSecret)),
      (e) => e.length >= 30,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(events.map((e) => e.clientId).sort()).toEqual([...clients].sort());
    expectPerClientOrder(events);
    // Its sender was gone before the held batch was answered: what came through was sent again.
    const exit = await sender!.process.exit;
    expect(exit.code === 0 || exit.signal === 'SIGTERM', exit.output.slice(-2000)).toBe(true);
    expect(exit.output).toContain('event subscription batches handed back');
    expect(receiver.on('/s')[0].status).toBe(0);
    // The batch cut short was sent again with the same event ids (the receiver deduplicates on them).
    const firstIds = (JSON.parse(first.body) as Batch).events.map((e) => e.id);
    expect(events.map((e) => e.id)).toEqual(expect.arrayContaining(firstIds));
  });
});

describe('delivery workers driven by the test: two racing, the append buffer per tenant (real Redis, receiver on loopback)', () => {
  const options = testOptions({
    alerting: { allowPrivateTargets: true },
    events: {
      batchMaxEvents: 1000,
      batchMaxWaitMs: 0,
      timeoutMs: 5000,
      retryBaseMs: 50,
      retryMaxMs: 200,
      pauseAfterFailures: 100,
      backlogMax: 50_000,
      flushIntervalMs: 100,
      // The app's own worker stays out of the way: the tests drive the workers themselves.
      pollMs: 3_600_000,
    },
  });
  let pulse: RunningPulse;
  const receiver = new HttpReceiver();

  beforeAll(async () => {
    await receiver.start();
    pulse = await startPulse(options);
  });

  afterAll(async () => {
    await pulse?.close();
    await receiver.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('the worker that read the state before the other sent a batch neither sends it again nor skips', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('ev-race'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    const created = await request<{ id: string; signingSecret: string }>(pulse.url, 'POST', PATH, {
      key: t.apiKey,
      body: { url: `${receiver.url}/race`, types: TYPES },
    });
    expect(created.status).toBe(201);
    const log = pulse.app.get(EventLog);
    for (let i = 0; i < 10; i++)
      log.append({ type: 'client.online', tenantId: t.id, clientId: `c${i}`, at: new Date().toISOString(), data: {} });
    await log.flush();
    expect(await log.read(t.id, '-', 100)).toHaveLength(10);

    const deps = [
      log,
      pulse.app.get(SubscriptionsRepository),
      pulse.app.get(AlertSender),
      pulse.app.get(AlertingService),
      pulse.app.get(TenantDirectory),
      pulse.app.get<RedisClient>(REDIS_CLIENT),
      pulse.app.get(SchedulerRegistry),
      pulse.app.get<PulseOptions>(PULSE_OPTIONS),
    ] as const;
    const b = new EventDeliveryWorker(...deps);
    // Worker A is slow between its first look at the state and its lease: worker B sends the
    // first batch meanwhile (leases, sends, moves the cursor, releases).
    const slow = Object.create(pulse.app.get(SubscriptionsRepository)) as SubscriptionsRepository;
    const real = slow.lease.bind(slow);
    let raced = false;
    slow.lease = async (...args: Parameters<SubscriptionsRepository['lease']>) => {
      if (!raced) {
        raced = true;
        await (b as unknown as { look(t: string, s: { id: string }): Promise<unknown> }).look(t.id, subscription);
      }
      return real(...args);
    };
    const a = new EventDeliveryWorker(
      deps[0],
      slow,
      ...(deps.slice(2) as [
        AlertSender,
        AlertingService,
        TenantDirectory,
        RedisClient,
        SchedulerRegistry,
        PulseOptions,
      ]),
    );
    const subscription = (await pulse.app.get(SubscriptionsRepository).find(t.id, created.body.id))!;
    const look = (w: EventDeliveryWorker) =>
      (w as unknown as { look(t: string, s: typeof subscription): Promise<unknown> }).look(t.id, subscription);
    await look(a);
    expect(raced).toBe(true);
    // Then the rest, whoever sends it.
    for (let i = 0; i < 4; i++) await look(i % 2 ? a : b);
    const ids = accepted(receiver, '/race', created.body.signingSecret).flatMap((batch) =>
      batch.events.map((e) => e.id),
    );
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });

  it('a subscription changed since the worker listed it is sent as it is now (read under the lease)', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('ev-moved'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    const created = await request<{ id: string }>(pulse.url, 'POST', PATH, {
      key: t.apiKey,
      body: { url: `${receiver.url}/old`, types: TYPES },
    });
    const listed = (await pulse.app.get(SubscriptionsRepository).find(t.id, created.body.id))!;
    const moved = await request(pulse.url, 'PATCH', `${PATH}/${created.body.id}`, {
      key: t.apiKey,
      body: { url: `${receiver.url}/new` },
    });
    expect(moved.status).toBe(200);
    const log = pulse.app.get(EventLog);
    log.append({ type: 'client.online', tenantId: t.id, clientId: 'c1', at: new Date().toISOString(), data: {} });
    await log.flush();
    const running: EventDeliveryWorker = pulse.app.get(EventDeliveryWorker);
    const worker = running as unknown as { look(t: string, s: typeof listed): Promise<unknown> };
    await worker.look(t.id, listed);
    expect(receiver.on('/old')).toHaveLength(0);
    expect(receiver.on('/new')).toHaveLength(1);
  });

  it('a noisy tenant fills its own share only: a quiet one loses nothing; each sees its own drops in `dropped`', async () => {
    const subscribe = async (label: string) => {
      const t = await createTenant(pulse.url, uniqueTenantId(label), 'professional');
      await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
      const created = await request<{ id: string }>(pulse.url, 'POST', PATH, {
        key: t.apiKey,
        body: { url: `${receiver.url}/${label}`, types: TYPES },
      });
      expect(created.status).toBe(201);
      return { t, id: created.body.id };
    };
    const noisy = await subscribe('ev-noisy');
    const quiet = await subscribe('ev-quiet');
    const log = pulse.app.get(EventLog);
    const droppedBefore = log.snapshot().dropped;
    const at = new Date().toISOString();
    // One synchronous burst (no flush runs meanwhile): more than the whole buffer from one tenant.
    for (let i = 0; i < MAX_BUFFERED_EVENTS + 1; i++)
      log.append({ type: 'client.online', tenantId: noisy.t.id, clientId: `c${i % 100}`, at, data: {} });
    for (let i = 0; i < 5; i++)
      log.append({ type: 'client.online', tenantId: quiet.t.id, clientId: `q${i}`, at, data: {} });
    const lost = MAX_BUFFERED_EVENTS + 1 - MAX_BUFFERED_EVENTS_PER_TENANT;
    expect(log.snapshot().dropped - droppedBefore).toBe(lost);

    await log.flush();
    // The app's worker does not poll here: each look drives it once.
    const worker = pulse.app.get(EventDeliveryWorker);
    const one = async (s: { t: CreatedTenant; id: string }) => {
      await log.markDue([s.t.id]);
      await worker.poll();
      return request<{ delivered: number; dropped: number }>(pulse.url, 'GET', `${PATH}/${s.id}`, { key: s.t.apiKey });
    };
    const q = await waitFor(
      () => one(quiet),
      (r) => r.body.delivered >= 5,
      { timeoutMs: 15_000 },
    );
    expect(q.body).toMatchObject({ delivered: 5, dropped: 0 });
    const n = await waitFor(
      () => one(noisy),
      (r) => r.body.delivered + r.body.dropped >= MAX_BUFFERED_EVENTS + 1,
      { timeoutMs: 30_000 },
    );
    expect(n.body).toMatchObject({ delivered: MAX_BUFFERED_EVENTS_PER_TENANT, dropped: lost });
  });
});
