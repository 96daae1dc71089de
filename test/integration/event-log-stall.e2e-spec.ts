import type { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyEvents } from '../../src/anomalies/anomaly-events.js';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { EventLog } from '../../src/events/event-log.js';
import { EventKeys } from '../../src/events/event-keys.js';
import type { PresenceEventsPublisher } from '../../src/heartbeat/presence-events.publisher.js';
import type { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import type { LimitEvents } from '../../src/usage/limit-events.js';
import { type StallingRedis, startStallingRedis } from '../support/stalling-redis.js';

/**
 * Issue #38: a Redis that stops answering (SIGSTOP) while an append is in flight: the call times
 * out in Pulse but Redis runs it once it resumes; the events sent again must not be appended twice.
 * Private redis-server: pausing the shared one would stall every other test.
 */
describe('event log across a Redis stall (private Redis)', () => {
  const prefix = 'evstall';
  const keys = new EventKeys(prefix);
  const tenantId = 'acme';
  let r: StallingRedis;

  beforeAll(async () => {
    r = await startStallingRedis(prefix);
    await r.inspect.hset(keys.shared.tenant(tenantId), { id: tenantId, tier: 'professional' });
    await r.inspect.hset(keys.subscriptions(tenantId), 'sub_x', '{}');
  });

  afterAll(async () => {
    await r?.close();
  });

  it('appends each event once although a timed-out append ran and its events were flushed again', async () => {
    const none = { subscribe: () => undefined };
    const log = new EventLog(
      r.redis,
      { get: () => ({ id: tenantId, tier: 'professional' }) } as unknown as TenantDirectory,
      {} as SchedulerRegistry,
      none as unknown as PresenceEventsPublisher,
      none as unknown as AnomalyEvents,
      none as unknown as LimitEvents,
      { redis: { url: '', keyPrefix: prefix, connectTimeoutMs: 3000 } } as PulseOptions,
    );
    const at = new Date().toISOString();
    for (let i = 0; i < 20; i++)
      log.append({ tenantId, type: 'client.online', clientId: `c${i}`, at, data: { clientId: `c${i}` } });
    r.server.pause();
    await log.flush(); // times out after 300 ms; the call waits in Redis' socket
    expect(log.snapshot().failedWrites).toBe(20);
    r.server.resume();
    for (let i = 0; i < 50 && log.snapshot().buffered > 0; i++) {
      await log.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log.snapshot().buffered).toBe(0);
    const events = await log.read(tenantId, '-', 1000);
    expect(events.map((e) => e.clientId)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }, 30_000);
});
