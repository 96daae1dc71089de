import type { SchedulerRegistry } from '@nestjs/schedule';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETENTION } from '../../src/common/retention.js';
import { minuteEpochOf } from '../../src/common/time.js';
import { defaultPulseOptions } from '../../src/config/env.validation.js';
import { HeartbeatRejections } from '../../src/heartbeat/heartbeat-rejections.js';
import type { Heartbeat } from '../../src/heartbeat/heartbeat-parser.js';
import type { PresenceEventsPublisher } from '../../src/heartbeat/presence-events.publisher.js';
import { PresenceRepository } from '../../src/heartbeat/presence.repository.js';
import { PresenceWriter } from '../../src/heartbeat/presence-writer.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import type { RedisClient } from '../../src/redis/redis-client.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import type { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import type { ServerProcess } from '../support/processes.js';
import { type StallingRedis, startStallingRedis } from '../support/stalling-redis.js';

/**
 * A Redis that stops answering (SIGSTOP) while a presence write is in flight: the write times
 * out in Pulse, but Redis runs it once it resumes, and the writer sends the heartbeats again.
 * Private redis-server: pausing the shared one would stall every other test.
 */
describe('presence writer across a Redis stall (private Redis)', () => {
  const prefix = 'stall';
  const keys = new RedisKeys(prefix);
  const history = new HistoryKeys(prefix);
  const tenantId = 'acme';
  let stalling: StallingRedis;
  let server: ServerProcess;
  let redis: RedisClient;
  let inspect: Redis;

  beforeAll(async () => {
    stalling = await startStallingRedis(prefix);
    ({ server, redis, inspect } = stalling);
    await inspect.hset(keys.tenant(tenantId), { id: tenantId, tier: 'enterprise' });
  });

  afterAll(async () => {
    await stalling?.close();
  });

  it('counts each heartbeat and delivery once although a timed-out write ran and its heartbeats were sent again', async () => {
    const options = { ...defaultPulseOptions(), redis: { url: '', keyPrefix: prefix, connectTimeoutMs: 3000 } };
    const store = new PresenceRepository(redis, keys, new TenantFence(redis, keys), options);
    const w = new PresenceWriter(
      store,
      { publish: () => undefined } as unknown as PresenceEventsPublisher,
      new HeartbeatRejections(),
      redis,
      { doesExist: () => false } as unknown as SchedulerRegistry,
      { retentionOf: () => RETENTION.enterprise } as unknown as TenantDirectory,
      options,
    );
    const now = Date.now();
    const hb = (clientId: string): Heartbeat => ({
      tenantId,
      clientId,
      status: 'healthy',
      timestamp: now,
      sent: 10,
      received: 5,
      errors: 0,
      uptimeSeconds: 60,
    });
    for (let i = 0; i < 50; i++) {
      w.enqueue(hb(`c${i}`), now, 'enterprise');
      w.countDelivered(tenantId, 100);
    }
    server.pause();
    await w.flush(); // times out after 300 ms; the call waits in Redis' socket
    expect(w.snapshot().failedWrites).toBe(50);
    server.resume();
    for (let i = 0; i < 50 && w.snapshot().pending > 0; i++) {
      await w.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(w.snapshot().pending).toBe(0);
    const minute = await inspect.hgetall(history.minute(tenantId, minuteEpochOf(now)));
    expect(Number(minute.hb)).toBe(50);
    // Deliveries of a call that may have run are not sent again: never counted twice.
    expect(Number(minute.pd_m ?? 0)).toBeLessThanOrEqual(50);
    expect(await inspect.zcard(keys.clientIndex(tenantId))).toBe(50);
    expect(await inspect.hmget(keys.client(tenantId, 'c7'), 'status', 'sent', 'd_sent')).toEqual([
      'healthy',
      '10',
      '10',
    ]);
  }, 30_000);
});
