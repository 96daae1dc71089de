import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { createTenant } from '../support/http.js';
import { deletePrefix, SHARED_REDIS, startPulse, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';

/** Heartbeats per 5 ms tick: about 10,000 a second. */
const PER_TICK = 50;

describe('heartbeats across a shutdown (real NATS and Redis)', () => {
  const options = testOptions();
  const keys = new RedisKeys(options.redis.keyPrefix);
  let nc: NatsConnection;
  let redis: Redis;

  beforeAll(async () => {
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('every heartbeat accepted before app.close() (what SIGTERM runs) ends up in Redis', async () => {
    const pulse = await startPulse(options);
    const t = await createTenant(pulse.url, uniqueTenantId('hbstop'));
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);

    // One client id per heartbeat: the writer cannot fold two into one, so every accepted
    // heartbeat must show as its own client in the tenant's index.
    let sent = 0;
    const ticker = setInterval(() => {
      for (let i = 0; i < PER_TICK; i++) sendHeartbeat(nc, t.id, `c${sent++}`);
    }, 5);
    try {
      // Heartbeats flow before the shutdown begins, and keep flowing until it has ended.
      await waitFor(
        async () => pulse.app.get(HeartbeatService).stats().accepted,
        (n) => n >= 2000,
      );
      await pulse.close();
    } finally {
      clearInterval(ticker);
    }
    await nc.flush();

    const accepted = pulse.app.get(HeartbeatService).stats().accepted;
    expect(accepted).toBeGreaterThanOrEqual(2000);
    expect(pulse.app.get(PresenceWriter).snapshot().pending).toBe(0);
    expect(await redis.zcard(keys.clientIndex(t.id))).toBe(accepted);
  }, 60_000);
});
