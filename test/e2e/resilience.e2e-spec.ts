import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { TrafficFlusher } from '../../src/monitoring/traffic-flusher.js';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { OfflineDetector } from '../../src/heartbeat/offline-detector.job.js';
import { NatsStatus } from '../../src/nats/nats-status.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
import { type ServerProcess, startNatsServer, startRedisServer } from '../support/processes.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

const total = (pulse: RunningPulse, key: string) => realtimeTotal(pulse.url, key);

describe('resilience (private nats-server / redis-server processes)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('loses no count while Redis is down during traffic', async () => {
    const redisServer: ServerProcess = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const redisUrl = `redis://127.0.0.1:${redisServer.port}`;
    const pulse = await startPulse(
      testOptions({ redis: { url: redisUrl, keyPrefix: 'outage', connectTimeoutMs: 3000 } }),
    );
    cleanups.push(() => pulse.close());
    const nc: NatsConnection = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('outage'), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);

    await publishMany(nc, 2000, (i) => `tenant.${t.id}.a${i % 5}`, 100);
    await waitFor(
      () => total(pulse, t.apiKey),
      (n) => n === 2000,
    );

    await redisServer.kill();
    await publishMany(nc, 3000, (i) => `tenant.${t.id}.b${i % 5}`, 100);
    // The counts wait in memory; health says Redis is down; the API answers 503, not 500.
    const flusher = pulse.app.get(TrafficFlusher);
    await waitFor(
      async () => flusher.snapshot().backlogMessages,
      (n) => n === 3000,
    );
    expect(flusher.snapshot().backlogMessages).toBe(3000);
    const down = await request(pulse.url, 'GET', '/health/ready');
    expect(down.status).toBe(503);
    const api = await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey });
    expect(api.status).toBe(503);
    expect(api.body).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    await redisServer.start();
    const after = await waitFor(
      () => total(pulse, t.apiKey).catch(() => 0),
      (n) => n === 5000,
      { timeoutMs: 20_000 },
    );
    expect(after).toBe(5000);
    await publishMany(nc, 500, (i) => `tenant.${t.id}.c${i % 5}`, 100);
    expect(
      await waitFor(
        () => total(pulse, t.apiKey),
        (n) => n === 5500,
      ),
    ).toBe(5500);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await total(pulse, t.apiKey)).toBe(5500);
    expect((await request(pulse.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('a Redis that stops answering (paused, connections open): API reads fail fast with 503, counts wait and are written on return', async () => {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const pulse = await startPulse(
      testOptions({
        redis: {
          url: `redis://127.0.0.1:${redisServer.port}`,
          keyPrefix: 'stall',
          connectTimeoutMs: 3000,
          commandTimeoutMs: 1000,
        },
      }),
    );
    cleanups.push(() => pulse.close());
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('stall'), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    await publishMany(nc, 1000, (i) => `tenant.${t.id}.a${i % 5}`, 100);
    expect(
      await waitFor(
        () => total(pulse, t.apiKey),
        (n) => n === 1000,
      ),
    ).toBe(1000);

    redisServer.pause();
    await publishMany(nc, 500, (i) => `tenant.${t.id}.a${i % 5}`, 100);
    const started = Date.now();
    const res = await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey });
    expect(res.status).toBe(503);
    // Bounded by a few command timeouts (throttler, key lookup, reads: each at most 1 s here), not forever.
    expect(Date.now() - started).toBeLessThan(10_000);
    redisServer.resume();
    expect(
      await waitFor(
        () => total(pulse, t.apiKey),
        (n) => n === 1500,
        { timeoutMs: 15_000 },
      ),
    ).toBe(1500);
  });

  it('shutdown with a Redis that stopped answering ends within its deadline', async () => {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const pulse = await startPulse(
      testOptions({
        redis: {
          url: `redis://127.0.0.1:${redisServer.port}`,
          keyPrefix: 'stallexit',
          connectTimeoutMs: 3000,
          commandTimeoutMs: 60_000,
        },
      }),
    );
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('stallexit'), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    redisServer.pause();
    await publishMany(nc, 200, (i) => `tenant.${t.id}.a${i % 5}`, 100);
    const started = Date.now();
    await pulse.close();
    // The flush deadline is 10 s (plus up to 3 s draining NATS), even with a 60 s command timeout.
    expect(Date.now() - started).toBeLessThan(16_000);
  }, 40_000);

  it('keeps the latest heartbeat per client while Redis is down and writes it on return', async () => {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const pulse = await startPulse(
      testOptions({
        redis: { url: `redis://127.0.0.1:${redisServer.port}`, keyPrefix: 'hbout', connectTimeoutMs: 3000 },
      }),
    );
    cleanups.push(() => pulse.close());
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('hbout'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    sendHeartbeat(nc, t.id, 'before');
    await nc.flush();
    const summary = async () =>
      (
        await request<{ summary: { total: number; degraded: number } }>(pulse.url, 'GET', '/api/v1/metrics/presence', {
          key: t.apiKey,
        })
      ).body.summary;
    expect((await waitFor(summary, (s) => s?.total === 1)).total).toBe(1);

    await redisServer.kill();
    const writer = pulse.app.get(PresenceWriter);
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 50; c++)
        sendHeartbeat(
          nc,
          t.id,
          `during-${c}`,
          heartbeat(t.id, `during-${c}`, { status: i === 2 ? 'degraded' : 'healthy' }),
        );
      await nc.flush();
    }
    // One pending entry per client, not per heartbeat.
    await waitFor(
      async () => writer.snapshot().pending,
      (n) => n === 50,
    );
    expect(writer.snapshot().pending).toBe(50);

    await redisServer.start();
    const after = await waitFor(
      () => summary().catch(() => undefined),
      (s) => s?.total === 51,
      { timeoutMs: 20_000 },
    );
    expect(after).toMatchObject({ total: 51, degraded: 50 });
  });

  it('a heartbeat storm of new client ids while Redis is down is shed with a counter, known clients kept', async () => {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const pulse = await startPulse(
      testOptions({
        presenceBufferLimit: 20,
        redis: { url: `redis://127.0.0.1:${redisServer.port}`, keyPrefix: 'storm', connectTimeoutMs: 3000 },
      }),
    );
    cleanups.push(() => pulse.close());
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('storm'), 'basic');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    await redisServer.kill();
    for (let c = 0; c < 50; c++) sendHeartbeat(nc, t.id, `storm-${c}`);
    sendHeartbeat(nc, t.id, 'storm-0', heartbeat(t.id, 'storm-0', { status: 'degraded' })); // known: replaces
    await nc.flush();
    const heartbeats = pulse.app.get(HeartbeatService);
    await waitFor(
      async () => heartbeats.stats().rejected.shed ?? 0,
      (n) => n === 30,
    );
    expect(heartbeats.stats().rejected.shed).toBe(30);
    expect(pulse.app.get(PresenceWriter).snapshot().pending).toBe(20);
    await redisServer.start();
    const summary = await waitFor(
      async () =>
        (
          await request<{ summary: { total: number; degraded: number } }>(
            pulse.url,
            'GET',
            '/api/v1/metrics/presence',
            { key: t.apiKey },
          )
        ).body.summary,
      (s) => s?.total === 20,
      { timeoutMs: 20_000 },
    );
    expect(summary).toMatchObject({ total: 20, degraded: 1 });
  });

  it('detects a Redis that restarted empty and reports it in health', async () => {
    const redisServer = await startRedisServer({ persistent: false });
    cleanups.push(() => redisServer.kill());
    const pulse = await startPulse(
      testOptions({
        redis: { url: `redis://127.0.0.1:${redisServer.port}`, keyPrefix: 'empty', connectTimeoutMs: 3000 },
      }),
    );
    cleanups.push(() => pulse.close());
    const t = await createTenant(pulse.url, uniqueTenantId('lost'), 'basic');
    const ready = async () =>
      (
        await request<{ status: string; details: { redis: { status: string; dataLossDetectedAt?: string } } }>(
          pulse.url,
          'GET',
          '/health/ready',
        )
      ).body;
    expect((await ready()).details.redis.status).toBe('up');
    await redisServer.kill();
    await redisServer.start(); // no persistence: back empty
    const after = await waitFor(ready, (r) => r.details?.redis?.status === 'degraded', { timeoutMs: 15_000 });
    expect(after.details.redis.status).toBe('degraded');
    expect(after.details.redis.dataLossDetectedAt).toBeTruthy();
    // The tenant (and its key) are gone with the data: the key no longer works.
    expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).status).toBe(401);
  });

  it('losing NATS does not mark heartbeating clients offline: the detector pauses, and gives them a timeout after the reconnect', async () => {
    const natsServer = await startNatsServer();
    cleanups.push(() => natsServer.kill());
    const servers = [`nats://127.0.0.1:${natsServer.port}`];
    const options = testOptions({
      nats: { servers, queueGroup: 'pulse', connectTimeoutMs: 3000 },
      heartbeatTimeoutMs: 1500,
      offlineCheckIntervalMs: 200,
    });
    cleanups.push(() => deletePrefix(SHARED_REDIS, options.redis.keyPrefix));
    const pulse = await startPulse(options);
    cleanups.push(() => pulse.close());
    const nc = await publisher(servers);
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('natsgap'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    // A client heartbeating every 300 ms for the whole test (its NATS client reconnects too).
    const beat = setInterval(() => sendHeartbeat(nc, t.id, 'steady'), 300);
    cleanups.push(async () => clearInterval(beat));
    const online = async () =>
      (
        await request<{ summary: { online: number; offline: number } }>(pulse.url, 'GET', '/api/v1/metrics/presence', {
          key: t.apiKey,
        })
      ).body.summary;
    expect((await waitFor(online, (s) => s.online === 1)).online).toBe(1);
    const detector = pulse.app.get(OfflineDetector);
    await natsServer.kill();
    await waitFor(
      async () => pulse.app.get(NatsStatus).current().state,
      (s) => s !== 'connected',
    );
    // NATS down, Redis up: not ready, and the code says so (not STORAGE_UNAVAILABLE, Redis is fine).
    const notReady = await request<{ code: string; details: Record<string, { status: string }> }>(
      pulse.url,
      'GET',
      '/health/ready',
    );
    expect(notReady.status).toBe(503);
    expect(notReady.body.code).toBe('NOT_READY');
    expect(notReady.body.details).toMatchObject({ nats: { status: 'down' }, redis: { status: 'up' } });
    await new Promise((r) => setTimeout(r, 3000)); // two timeouts without any heartbeat reaching Pulse
    await natsServer.start();
    await waitFor(
      async () => pulse.app.get(NatsStatus).current().state,
      (s) => s === 'connected',
      { timeoutMs: 15_000 },
    );
    await new Promise((r) => setTimeout(r, 2500)); // past the grace: the detector judges again
    expect(detector.lastRun()?.markedOffline).toBe(0);
    const after = await online();
    expect(after).toMatchObject({ online: 1, offline: 0 });
    // Client behaviour (enterprise) saw no offline transition and one session.
    const analytics = await request<{
      clients: { items: { clientId: string; offlineTransitions: number; sessions: number }[] };
    }>(pulse.url, 'GET', '/api/v1/metrics/analytics?period=1h', { key: t.apiKey });
    expect(analytics.body.clients.items.find((c) => c.clientId === 'steady')).toMatchObject({
      offlineTransitions: 0,
      sessions: 1,
    });
  }, 40_000);

  it('resumes counting after the NATS server restarts', async () => {
    const natsServer = await startNatsServer();
    cleanups.push(() => natsServer.kill());
    const servers = [`nats://127.0.0.1:${natsServer.port}`];
    const options = testOptions({ nats: { servers, queueGroup: 'pulse', connectTimeoutMs: 3000 } });
    cleanups.push(() => deletePrefix(SHARED_REDIS, options.redis.keyPrefix));
    const pulse = await startPulse(options);
    cleanups.push(() => pulse.close());
    const nc = await publisher(servers);
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('natsrestart'), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);

    await publishMany(nc, 1000, () => `tenant.${t.id}.x`, 10);
    expect(
      await waitFor(
        () => total(pulse, t.apiKey),
        (n) => n === 1000,
      ),
    ).toBe(1000);

    await natsServer.kill();
    const status = pulse.app.get(NatsStatus);
    await waitFor(
      async () => status.current().state,
      (s) => s !== 'connected',
    );
    expect(status.current().state).not.toBe('connected');
    const health = await request(pulse.url, 'GET', '/api/v1/metrics/health-check', { key: t.apiKey });
    expect((health.body.pulse as { nats: { state: string } }).nats.state).not.toBe('connected');

    await natsServer.start();
    await waitFor(
      async () => status.current().state,
      (s) => s === 'connected',
      { timeoutMs: 15_000 },
    );
    expect(status.current().reconnects).toBeGreaterThanOrEqual(1);
    // The publisher reconnects too; then the tap's subscription (restored by the client) counts again.
    await waitFor(async () => nc.isClosed() || nc.getServer() !== '', Boolean);
    await new Promise((r) => setTimeout(r, 500));
    await publishMany(nc, 1000, () => `tenant.${t.id}.y`, 10);
    expect(
      await waitFor(
        () => total(pulse, t.apiKey),
        (n) => n === 2000,
        { timeoutMs: 15_000 },
      ),
    ).toBe(2000);
  });

  it('SIGTERM under load: one of two instances stops mid-traffic and no count is lost or doubled; restarted, it resumes its share', async () => {
    const options = testOptions();
    cleanups.push(() => deletePrefix(SHARED_REDIS, options.redis.keyPrefix));
    const a = await startPulse(options);
    const b = await startPulse(options);
    cleanups.push(() => b.close());
    cleanups.push(() => a.close());
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(a.url, uniqueTenantId('sigterm'), 'basic');
    await waitFor(async () => [a, b].every((p) => p.app.get(MessageTap).subscribedTenants().includes(t.id)), Boolean);
    const publishing = (async () => {
      for (let batch = 0; batch < 40; batch++) {
        await publishMany(nc, 500, (i) => `tenant.${t.id}.s${i % 4}`, 50);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    await a.close(); // what SIGTERM runs: drain, flush, close
    await publishing;
    expect(
      await waitFor(
        () => total(b, t.apiKey),
        (n) => n === 20_000,
        { timeoutMs: 15_000 },
      ),
    ).toBe(20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await total(b, t.apiKey)).toBe(20_000);

    // The stopped instance comes back: it rejoins the queue group, takes its share, counts nothing twice.
    const restarted = await startPulse(options);
    cleanups.push(() => restarted.close());
    await waitFor(async () => restarted.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    await new Promise((r) => setTimeout(r, 200));
    await publishMany(nc, 4000, (i) => `tenant.${t.id}.s${i % 4}`, 50);
    expect(
      await waitFor(
        () => total(restarted, t.apiKey),
        (n) => n === 24_000,
        { timeoutMs: 15_000 },
      ),
    ).toBe(24_000);
    expect(restarted.app.get(TrafficAggregator).stats().messages).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await total(b, t.apiKey)).toBe(24_000);
  });

  it('SIGTERM path: closing drains the subscriptions and flushes before exit', async () => {
    // A flush interval far longer than the test: only the shutdown flush can write the counts.
    const options = testOptions({ flushIntervalMs: 60_000 });
    cleanups.push(() => deletePrefix(SHARED_REDIS, options.redis.keyPrefix));
    const first = await startPulse(options);
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(first.url, uniqueTenantId('shutdown'), 'basic');
    await waitFor(async () => first.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    await publishMany(nc, 4000, () => `tenant.${t.id}.x`, 100);
    await new Promise((r) => setTimeout(r, 200));
    await first.close();

    const second = await startPulse(options);
    cleanups.push(() => second.close());
    expect(await total(second, t.apiKey)).toBe(4000);
  });
  it('SIGTERM while a flush is writing: what was counted after that flush began is written too', async () => {
    // Found by the shards e2e (a rolling restart lost one message now and then): the shutdown's
    // flush joined the periodic flush in progress, which had taken the counts before the drain
    // delivered the last messages, and the shutdown then saw nothing pending and returned.
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const url = `redis://127.0.0.1:${redisServer.port}`;
    const pulse = await startPulse(
      testOptions({ redis: { url, keyPrefix: 'inflight', connectTimeoutMs: 3000, commandTimeoutMs: 30_000 } }),
    );
    cleanups.push(() => pulse.close());
    const nc = await publisher();
    cleanups.push(() => nc.close());
    const t = await createTenant(pulse.url, uniqueTenantId('inflight'), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    const counted = () => pulse.app.get(TrafficAggregator).stats().messages;

    // A flush takes the first 100 and waits on a Redis that stopped answering…
    redisServer.pause();
    await publishMany(nc, 100, (i) => `tenant.${t.id}.a${i % 5}`, 100);
    await waitFor(
      async () => counted(),
      (n) => n === 100,
    );
    const writing = pulse.app.get(TrafficFlusher).flush();
    // …while 50 more are counted; then SIGTERM, and Redis answers again.
    await publishMany(nc, 50, (i) => `tenant.${t.id}.b${i % 5}`, 100);
    await waitFor(
      async () => counted(),
      (n) => n === 150,
    );
    const closing = pulse.close();
    await new Promise((r) => setTimeout(r, 500));
    redisServer.resume();
    await Promise.all([writing, closing]);

    const redis = new Redis(url);
    cleanups.push(async () => redis.disconnect());
    expect(Number(await redis.hget(new HistoryKeys('inflight').totals(t.id), 'm'))).toBe(150);
  }, 40_000);
});
