import { Logger } from '@nestjs/common';
import type { Msg, NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { describe, expect, it, vi } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { HeartbeatService } from './heartbeat.service.js';
import type { PresenceWriter } from './presence-writer.js';
import { HEARTBEAT_PATTERN, HeartbeatSubscriber } from './heartbeat-subscriber.js';

const fake = vi.hoisted(() => ({
  subscribed: [] as { subject: string; opts: SubscriptionOptions }[],
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
        };
      },
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

describe('HeartbeatSubscriber', () => {
  it('subscribes the heartbeat pattern in the queue group and hands each message to ingest', async () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const options = defaultPulseOptions();
    const ingest = vi.fn<HeartbeatService['ingest']>().mockImplementationOnce(() => {
      throw new Error('boom');
    });
    const subscriber = new HeartbeatSubscriber(options, { ingest } as unknown as HeartbeatService, writer());
    await subscriber.onApplicationBootstrap();

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
    const subscriber = new HeartbeatSubscriber(defaultPulseOptions(), {} as HeartbeatService, writer());
    await subscriber.onApplicationBootstrap();
    await subscriber.beforeApplicationShutdown();
    expect(fake.steps).toEqual(['drained', 'final flush']);
    const closedBefore = fake.closed;
    await subscriber.onApplicationShutdown();
    expect(fake.closed).toBe(closedBefore + 1);
  });
});
