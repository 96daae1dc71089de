import { Logger } from '@nestjs/common';
import type { Msg, NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { describe, expect, it, vi } from 'vitest';
import { tenantShard } from '../common/rendezvous.js';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { PulseOptions } from '../config/pulse-options.js';
import type { Tenant } from '../tenants/tenant.js';
import type { TenantDirectory, TenantListener } from '../tenants/tenant-directory.js';
import { TenantShards } from '../tenants/tenant-shards.js';
import type { HeartbeatService } from './heartbeat.service.js';
import type { PresenceWriter } from './presence-writer.js';
import type { ClientTimeline } from './client-timeline.js';
import { HEARTBEAT_PATTERN, HeartbeatSubscriber, tenantHeartbeatPattern } from './heartbeat-subscriber.js';

const fake = vi.hoisted(() => ({
  subscribed: [] as { subject: string; opts: SubscriptionOptions }[],
  unsubscribed: [] as string[],
  closed: 0,
  /** Shutdown steps in the order they ran. */
  steps: [] as string[],
}));

vi.mock(import('../nats/nats.module.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  connectNats: () =>
    Promise.resolve({
      subscribe: (subject: string, opts: SubscriptionOptions) => {
        fake.subscribed.push({ subject, opts });
        return {
          // Heartbeats already delivered still arrive while the subscription drains.
          drain: async () => {
            await new Promise((r) => setTimeout(r, 20));
            fake.steps.push('drained');
          },
          unsubscribe: () => fake.unsubscribed.push(subject),
        };
      },
      flush: () => Promise.resolve(),
      status: () => (async function* () {})(),
      isClosed: () => false,
      close: () => {
        fake.closed++;
        return Promise.resolve();
      },
    } as unknown as NatsConnection),
}));

function writer(): PresenceWriter {
  return {
    close: () => {
      fake.steps.push('final flush');
      return Promise.resolve();
    },
  } as unknown as PresenceWriter;
}

/** A directory of `ids` (every one active) that replays them to a listener, as TenantDirectory does. */
function directory(ids: string[]): TenantDirectory & { heard: TenantListener[] } {
  const listeners: TenantListener[] = [];
  return {
    heard: listeners,
    subscribe: (listener: TenantListener) => {
      listeners.push(listener);
      for (const id of ids) listener.activated({ id } as Tenant);
    },
    list: () => ids.map((id) => ({ id }) as Tenant),
  } as unknown as TenantDirectory & { heard: TenantListener[] };
}

function subscriberOf(
  options: PulseOptions,
  heartbeats: HeartbeatService = {} as HeartbeatService,
  tenants = directory([]),
): HeartbeatSubscriber {
  return new HeartbeatSubscriber(options, heartbeats, writer(), tenants, new TenantShards(options, tenants), {
    close: () => {
      fake.steps.push('timeline flush');
      return Promise.resolve();
    },
  } as unknown as ClientTimeline);
}

describe('HeartbeatSubscriber', () => {
  it('subscribes the heartbeat pattern in the queue group and hands each message to ingest', async () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const options = defaultPulseOptions();
    const ingest = vi.fn<HeartbeatService['ingest']>().mockImplementationOnce(() => {
      throw new Error('boom');
    });
    const tenants = directory(['t']);
    const subscriber = subscriberOf(options, { ingest } as unknown as HeartbeatService, tenants);
    await subscriber.onApplicationBootstrap();

    // One shard (the default): today's one pattern, whatever the tenants; no listener needed.
    expect(tenants.heard).toEqual([]);
    expect(fake.subscribed).toHaveLength(1);
    const [{ subject, opts }] = fake.subscribed;
    expect(subject).toBe(HEARTBEAT_PATTERN);
    expect(opts.queue).toBe(options.nats.queueGroup);
    const deliver = opts.callback as (err: Error | null, msg: Msg) => void;
    const data = new Uint8Array([123, 125]);
    const message = (s: string) => ({ subject: s, data }) as Msg;
    // The first ingest throws: logged, and the next message proceeds.
    deliver(null, message('_HEARTBEAT.tenant.t.client.a'));
    deliver(null, message('_HEARTBEAT.tenant.t.client.b'));
    // A subscription error is no message.
    deliver(new Error('permissions violation'), message('x'));

    expect(ingest).toHaveBeenCalledTimes(2);
    expect(ingest).toHaveBeenLastCalledWith('_HEARTBEAT.tenant.t.client.b', data, expect.any(Number), data.length);
    expect(subscriber.receivedCount()).toBe(2);
    expect(logged).toHaveBeenCalledTimes(2);

    await subscriber.onApplicationShutdown();
    await subscriber.onApplicationShutdown();
    expect(fake.closed).toBe(1);
  });

  it('on shutdown drains the subscription before the final flush, and closes after both', async () => {
    fake.steps.length = 0;
    const subscriber = subscriberOf(defaultPulseOptions());
    await subscriber.onApplicationBootstrap();
    await subscriber.beforeApplicationShutdown();
    // The timeline's after the writer's: that flush publishes the transitions the timeline writes.
    expect(fake.steps).toEqual(['drained', 'final flush', 'timeline flush']);
    const closedBefore = fake.closed;
    await subscriber.onApplicationShutdown();
    expect(fake.closed).toBe(closedBefore + 1);
  });

  it('sharded: one pattern per tenant its shard owns, in the same queue group; none after it is gone', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `tenant-${i}`);
    const base = defaultPulseOptions();
    const options: PulseOptions = { ...base, shard: { count: 3, index: 1 } };
    const mine = ids.filter((id) => tenantShard(id, 3) === 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(ids.length);
    fake.subscribed.length = 0;
    fake.steps.length = 0;
    const tenants = directory(ids);
    const subscriber = subscriberOf(options, {} as HeartbeatService, tenants);
    await subscriber.onApplicationBootstrap();

    expect(fake.subscribed.map((s) => s.subject)).toEqual(mine.map(tenantHeartbeatPattern));
    expect(new Set(fake.subscribed.map((s) => s.opts.queue))).toEqual(new Set([base.nats.queueGroup]));
    expect(subscriber.subscribedTenants()).toEqual(mine);
    // A change of an owned tenant subscribes nothing twice; another shard's tenant nothing at all.
    const [listener] = tenants.heard;
    listener.activated({ id: mine[0] } as Tenant);
    listener.activated({ id: ids.find((id) => !mine.includes(id))! } as Tenant);
    expect(fake.subscribed).toHaveLength(mine.length);
    listener.deactivated(mine[0]);
    expect(fake.unsubscribed).toEqual([tenantHeartbeatPattern(mine[0])]);
    expect(subscriber.subscribedTenants()).toEqual(mine.slice(1));

    await subscriber.beforeApplicationShutdown();
    expect(fake.steps).toEqual([...mine.slice(1).map(() => 'drained'), 'final flush', 'timeline flush']);
    // Stopped: a tenant activated during the shutdown is not subscribed.
    listener.activated({ id: mine[0] } as Tenant);
    expect(fake.subscribed).toHaveLength(mine.length);
    await subscriber.onApplicationShutdown();
  });
});
