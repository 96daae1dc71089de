import type { SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPulseOptions } from '../../src/config/env.validation.js';
import { ClientTimeline, CLIENTS_PER_CALL } from '../../src/heartbeat/client-timeline.js';
import type {
  ConnectionEvent,
  PresenceEvent,
  PresenceEventsPublisher,
} from '../../src/heartbeat/presence-events.publisher.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import type { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

/**
 * The timeline writer on real Redis: a connection event names its client only through the NATS
 * connection's name (pulse:<tenant>:<anything>), so it must not create a key per made-up name.
 */
describe('ClientTimeline (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  const tenantId = 'tl';
  let redis: Redis;
  let timeline: ClientTimeline;
  let publish: (e: PresenceEvent | ConnectionEvent) => void = () => undefined;

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    const events = { subscribe: (l: typeof publish) => (publish = l) } as unknown as PresenceEventsPublisher;
    const directory = { retentionOf: () => ({ clientSeconds: 3600 }) } as unknown as TenantDirectory;
    const scheduler = { addInterval() {}, deleteInterval() {}, doesExist: () => false } as unknown as SchedulerRegistry;
    timeline = new ClientTimeline(redis, keys, directory, events, scheduler, defaultPulseOptions());
    await redis.hset(keys.tenant(tenantId), 'id', tenantId);
    await redis.hset(keys.client(tenantId, 'known'), 'status', 'healthy');
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  const connected = (clientId: string): ConnectionEvent => ({
    type: 'connected',
    tenantId,
    clientId,
    connection: { server: 'n1' },
    at: new Date().toISOString(),
  });

  it('connection events of names without a presence row create no key; a known client still gets its entries', async () => {
    for (let i = 0; i < 50; i++) publish(connected(`made-up-${i}`));
    publish(connected('known'));
    publish({
      type: 'disconnected',
      tenantId,
      clientId: 'known',
      connection: { reason: 'Client Closed' },
      at: new Date().toISOString(),
    });
    await timeline.flush();

    expect(await redis.keys(`${keys.clientTimeline(tenantId, 'made-up-')}*`)).toEqual([]);
    const known = await timeline.read(tenantId, 'known', 0);
    expect(known.map((e) => e.type)).toEqual(['disconnected', 'connected']);
    expect(known[1]).toMatchObject({ server: 'n1' });
    expect(await redis.ttl(keys.clientTimeline(tenantId, 'known'))).toBeGreaterThan(3000);
  });

  it('many clients at once are written in calls of CLIENTS_PER_CALL clients, every one of them', async () => {
    const count = 2 * CLIENTS_PER_CALL + 7;
    const ids = Array.from({ length: count }, (_, i) => `many-${i}`);
    for (const id of ids) await redis.hset(keys.client(tenantId, id), 'status', 'healthy');
    // The script's calls, seen by the number of keys each names (the tenant, then two per client).
    type Append = (keys: string[], args: (string | number)[]) => Promise<unknown>;
    const holder = timeline as unknown as { append: Append };
    const original = holder.append;
    const keyCounts: number[] = [];
    holder.append = (k, a) => {
      keyCounts.push(k.length);
      return original(k, a);
    };
    for (const id of ids) publish(connected(id));
    await timeline.flush();
    holder.append = original;
    const written = await Promise.all(ids.map((id) => redis.llen(keys.clientTimeline(tenantId, id))));
    expect(written.filter((n) => n === 1)).toHaveLength(count);
    expect(keyCounts).toEqual([1 + 2 * CLIENTS_PER_CALL, 1 + 2 * CLIENTS_PER_CALL, 1 + 2 * 7]);
  });

  it('nothing is written for an erased tenant', async () => {
    await redis.hset(keys.client('gone', 'known'), 'status', 'healthy');
    publish({ ...connected('known'), tenantId: 'gone' });
    await timeline.flush();
    expect(await redis.exists(keys.clientTimeline('gone', 'known'))).toBe(0);
  });

  // Last: it ends the timeline.
  it('the final flush writes what was gathered; what comes after it is written by onApplicationShutdown, then nothing', async () => {
    const len = (id: string) => redis.llen(keys.clientTimeline(tenantId, id));
    publish(connected('known'));
    const before = await len('known');
    await timeline.close();
    expect(await len('known')).toBe(before + 1);
    // A connection closing while the system connection drains (after the heartbeat path stopped).
    publish({ ...connected('known'), type: 'disconnected' });
    await timeline.onApplicationShutdown();
    expect(await len('known')).toBe(before + 2);
    publish(connected('known'));
    await timeline.flush();
    expect(await len('known')).toBe(before + 2);
  });
});
