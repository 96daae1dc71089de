import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { dayOf } from '../../src/common/time.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, heartbeatsFromNewClients, sendHeartbeat } from '../support/heartbeats.js';
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
    const heartbeats = heartbeatsFromNewClients(nc, t.id, PER_TICK);
    try {
      // Heartbeats flow before the shutdown begins, and keep flowing until it has ended.
      await waitFor(
        async () => pulse.app.get(HeartbeatService).stats().accepted,
        (n) => n >= 2000,
      );
      await pulse.close();
    } finally {
      heartbeats.stop();
    }
    await nc.flush();

    const accepted = pulse.app.get(HeartbeatService).stats().accepted;
    expect(accepted).toBeGreaterThanOrEqual(2000);
    expect(pulse.app.get(PresenceWriter).snapshot().pending).toBe(0);
    expect(await redis.zcard(keys.clientIndex(t.id))).toBe(accepted);
  }, 60_000);

  it('the enterprise per-client figures added up in memory are written by app.close() (what SIGTERM runs)', async () => {
    // Written every hour only: nothing but the shutdown writes them within the test.
    const hourly = testOptions({ clientActivityFlushMs: 3_600_000 });
    const history = new HistoryKeys(hourly.redis.keyPrefix);
    const hourlyKeys = new RedisKeys(hourly.redis.keyPrefix);
    const pulse = await startPulse(hourly);
    let closed = false;
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('hbact'), 'enterprise');
      await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
      const writer = pulse.app.get(PresenceWriter);
      const send = (round: number) => {
        for (let c = 0; c < 20; c++)
          sendHeartbeat(
            nc,
            t.id,
            `c${c}`,
            heartbeat(t.id, `c${c}`, {
              metrics: {
                messages_sent: 10 * round,
                messages_received: 20 * round,
                errors: round,
                uptime_seconds: round,
              },
            }),
          );
      };
      send(1);
      await waitFor(
        async () => writer.snapshot().written,
        (n) => n >= 20,
      );
      send(2);
      await waitFor(
        async () => writer.snapshot().written,
        (n) => n >= 40,
      );
      const day = history.clientDay(t.id, dayOf(Date.now()));
      // Written to Redis: presence; held in memory: the messages and errors of the day.
      expect(await redis.zcard(hourlyKeys.clientIndex(t.id))).toBe(20);
      expect(await redis.hget(day, 'c7|s')).toBeNull();
      closed = true;
      await pulse.close();
      expect(await redis.hmget(day, 'c7|s', 'c7|r', 'c7|e', 'c7|ss')).toEqual(['20', '40', '2', '1']);
      expect(await redis.zscore(history.clientTraffic(t.id, dayOf(Date.now())), 'c7')).toBe('60');
      expect(writer.snapshot().unconfirmedActivity).toBe(0);
    } finally {
      if (!closed) await pulse.close();
      await deletePrefix(SHARED_REDIS, hourly.redis.keyPrefix);
    }
  }, 60_000);
});
