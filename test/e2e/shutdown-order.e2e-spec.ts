import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { get } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficFlusher } from '../../src/monitoring/traffic-flusher.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeatsFromNewClients } from '../support/heartbeats.js';
import { createTenant } from '../support/http.js';
import { startRedisServer } from '../support/processes.js';
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

/** Heartbeats per 5 ms tick (each from a new client): about 4,000 a second. */
const PER_TICK = 20;

/** Waits until Pulse has accepted `n` heartbeats. */
function acceptedAtLeast(pulse: RunningPulse, n: number): Promise<number> {
  return waitFor(
    async () => pulse.app.get(HeartbeatService).stats().accepted,
    (accepted) => accepted >= n,
  );
}

/**
 * One bad-key request on a connection of its own (as curl sends it): its status, or null when the
 * server no longer answered.
 */
function badKeyRequest(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = get(
      `${url}/api/v1/metrics/realtime`,
      { agent: false, headers: { authorization: 'Bearer pk_live_not-a-key-0123456789' }, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? null));
        res.on('error', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

describe('what a shutdown writes, and in what order (real NATS and Redis)', () => {
  let nc: NatsConnection;
  let redis: Redis;
  const prefixes: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  afterAll(async () => {
    await nc?.close();
    redis?.disconnect();
    for (const prefix of prefixes) await deletePrefix(SHARED_REDIS, prefix);
  });

  it('every client the final presence flush writes gets its timeline entry (app.close(), what SIGTERM runs)', async () => {
    const options = testOptions();
    prefixes.push(options.redis.keyPrefix);
    const keys = new RedisKeys(options.redis.keyPrefix);
    const pulse = await startPulse(options);
    const t = await createTenant(pulse.url, uniqueTenantId('tlstop'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);

    const heartbeats = heartbeatsFromNewClients(nc, t.id, PER_TICK);
    try {
      await acceptedAtLeast(pulse, 2000);
      await pulse.close();
    } finally {
      heartbeats.stop();
    }

    const clients = await redis.zrange(keys.clientIndex(t.id), '0', '-1');
    expect(clients.length).toBe(pulse.app.get(HeartbeatService).stats().accepted);
    const pipeline = redis.pipeline();
    for (const c of clients) pipeline.exists(keys.clientTimeline(t.id, c));
    const exists = (await pipeline.exec())!.map(([, n]) => n as number);
    const without = clients.filter((_, i) => exists[i] !== 1);
    expect({ clients: clients.length, withoutTimeline: without.length }).toEqual({
      clients: clients.length,
      withoutTimeline: 0,
    });
  }, 60_000);

  it('failed logins answered while the shutdown runs are in the audit trail (app.close(), what SIGTERM runs)', async () => {
    const options = testOptions();
    prefixes.push(options.redis.keyPrefix);
    const keys = new RedisKeys(options.redis.keyPrefix);
    const pulse = await startPulse(options);
    const t = await createTenant(pulse.url, uniqueTenantId('audstop'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    const failuresCounted = async () =>
      Object.values(await redis.hgetall(keys.authFailures())).reduce((sum, n) => sum + Number(n), 0);
    expect(await failuresCounted()).toBe(0);

    // Bad-key requests every 50 ms from the moment the shutdown begins until it has ended.
    const statuses: (number | null)[] = [];
    let closed = false;
    const closing = pulse.close().finally(() => {
      closed = true;
    });
    while (!closed) {
      statuses.push(await badKeyRequest(pulse.url));
      await new Promise((r) => setTimeout(r, 50));
    }
    await closing;

    const answered401 = statuses.filter((s) => s === 401).length;
    expect(answered401).toBeGreaterThan(0);
    expect(await failuresCounted()).toBe(answered401);
    expect(await redis.xlen(keys.audit())).toBeGreaterThan(0);
  }, 60_000);

  it('with Redis stopped (SIGSTOP), the counts and heartbeats get their final flush first and the shutdown ends within 16 s', async () => {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.kill());
    const options = testOptions({
      redis: {
        url: `redis://127.0.0.1:${redisServer.port}`,
        keyPrefix: 'stallorder',
        connectTimeoutMs: 3000,
        // As in production (REDIS_COMMAND_TIMEOUT_MS' default): each write to the stopped Redis fails after it.
        commandTimeoutMs: 5000,
      },
    });
    const pulse = await startPulse(options);
    cleanups.push(() => pulse.close());
    const t = await createTenant(pulse.url, uniqueTenantId('stallord'), 'professional');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    const flusher = pulse.app.get(TrafficFlusher);
    const writer = pulse.app.get(PresenceWriter);
    const finalFlushes: { tap?: number; heartbeats?: number } = {};
    const flushEverything = flusher.flushEverything.bind(flusher);
    let started = 0;
    flusher.flushEverything = () => {
      if (started > 0) finalFlushes.tap ??= Date.now() - started;
      return flushEverything();
    };
    const close = writer.close.bind(writer);
    writer.close = () => {
      finalFlushes.heartbeats ??= Date.now() - started;
      return close();
    };

    // New clients (presence, timeline entries, events), failed logins, traffic; then Redis stops.
    const heartbeats = heartbeatsFromNewClients(nc, t.id, PER_TICK);
    try {
      await acceptedAtLeast(pulse, 2000);
      for (let i = 0; i < 5; i++) expect(await badKeyRequest(pulse.url)).toBe(401);
      redisServer.pause();
      await publishMany(nc, 200, (i) => `tenant.${t.id}.a${i % 5}`, 100);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      heartbeats.stop();
    }
    started = Date.now();
    await pulse.close();
    const elapsed = Date.now() - started;
    console.log(
      `shutdown with Redis stopped: ${elapsed} ms; final flushes began at ${JSON.stringify(finalFlushes)} ms`,
    );

    // The tap's final flush starts after its drain (at most 3 s), the heartbeats' after the tap's
    // (10 s at most), not after lower-value flushes (timeline, event log, audit trail) took their time.
    expect(finalFlushes.tap).toBeDefined();
    expect(finalFlushes.tap!).toBeLessThan(3500);
    expect(finalFlushes.heartbeats).toBeDefined();
    expect(finalFlushes.heartbeats!).toBeLessThan(finalFlushes.tap! + 10_500);
    expect(elapsed).toBeLessThan(16_000);
  }, 90_000);
});
