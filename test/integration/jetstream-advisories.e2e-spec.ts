import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { AdvisoryKeys } from '../../src/jetstream/advisories-keys.js';
import { AdvisoriesService } from '../../src/jetstream/advisories.service.js';
import type { JetStreamReader } from '../../src/jetstream/jetstream.types.js';
import { startNatsServer, type ServerProcess } from '../support/processes.js';
import { deletePrefix, SHARED_REDIS, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';

/** An hour: the test (≈ 2 s) stays within one window but by chance. */
const WINDOW_MS = 3_600_000;

/**
 * The advisory subscriber and counter against real advisories: a private nats-server with
 * JetStream, a stream and a consumer with max_deliver 2, a message nak'ed until the server gives
 * up on it (its max-deliveries advisory), one terminated, the consumer and stream deleted. A fake
 * reader owns the stream for one tenant (the poller's map, issue #33 engineer A).
 */
describe('JetStream advisories (private nats-server with JetStream, real Redis)', () => {
  const tenant = uniqueTenantId('jsadv');
  const options: PulseOptions = testOptions({ anomalyWindowMs: WINDOW_MS, flushIntervalMs: 100 });
  const keys = new AdvisoryKeys(options.redis.keyPrefix);
  let server: ServerProcess;
  let nc: NatsConnection;
  let redis: Redis;
  let service: AdvisoriesService;
  let ownersAsked = 0;

  const reader: JetStreamReader = {
    current: () => Promise.resolve(null),
    history: () => Promise.resolve([]),
    worst: () => Promise.resolve([]),
    status: () => ({ state: 'ok', lastPollAt: null, unowned: 0 }),
    owners: () => {
      ownersAsked++;
      return Promise.resolve(new Map([['ORDERS', tenant]]));
    },
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-js-'));
    server = await startNatsServer(`jetstream { store_dir: "${dir}" }\n`);
    nc = await connect({ servers: `127.0.0.1:${server.port}` });
    redis = new Redis(SHARED_REDIS);
    await redis.hset(keys.shared.tenant(tenant), 'id', tenant);
    service = new AdvisoriesService(options, nc, redis, keys, new SchedulerRegistry(), reader);
    service.onApplicationBootstrap();
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await nc?.close();
    await server?.kill();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('counts max deliveries, terminated, naks and create/delete per tenant and window, read back by any instance', async () => {
    const windowStart = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORDERS', subjects: [`tenant.${tenant}.orders.>`] });
    await jsm.streams.add({ name: 'OPERATOR', subjects: ['ops.>'] }); // no tenant's
    await jsm.consumers.add('ORDERS', {
      durable_name: 'worker',
      ack_policy: AckPolicy.Explicit,
      max_deliver: 2,
      ack_wait: 1_000_000_000,
    });
    const js = jetstream(nc);
    await js.publish(`tenant.${tenant}.orders.1`, 'poison');
    await js.publish(`tenant.${tenant}.orders.2`, 'bad');
    const consumer = await js.consumers.get('ORDERS', 'worker');
    for (let round = 0; round < 3; round++) {
      const messages = await consumer.fetch({ max_messages: 2, expires: 1000 });
      for await (const m of messages) {
        if (m.seq === 2) m.term();
        else m.nak();
      }
    }
    await jsm.consumers.delete('ORDERS', 'worker');
    await jsm.streams.delete('OPERATOR');

    const read = await waitFor(
      async () => {
        await service.flush();
        return service.read(tenant, windowStart);
      },
      (w) => (w.kinds.get('consumer_deleted') ?? 0) >= 1 && w.maxDeliveries.size > 0,
    );
    expect(read.maxDeliveries.get('ORDERS/worker')).toEqual({
      stream: 'ORDERS',
      consumer: 'worker',
      count: 1,
      streamSeq: 1,
      deliveries: 2,
    });
    expect(Object.fromEntries(read.kinds)).toMatchObject({
      max_deliver: 1,
      terminated: 1,
      nak: 2,
      stream_created: 1,
      consumer_created: 1,
      consumer_deleted: 1,
    });
    const status = service.status();
    expect(status).toMatchObject({ state: 'on', rejected: 0 });
    // The operator's stream (created and deleted) belongs to no tenant.
    expect(status.unmatched).toBeGreaterThanOrEqual(2);
    expect(ownersAsked).toBeGreaterThan(0);
    expect(await redis.ttl(keys.window(tenant, windowStart / 1000))).toBeGreaterThan(3000);
  });

  it('a malformed advisory is counted as rejected and never throws; a deleted tenant gets nothing written', async () => {
    const before = service.status().rejected;
    nc.publish('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.worker', '{"type":');
    nc.publish('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.worker', '['.repeat(5000));
    await waitFor(
      () => Promise.resolve(service.status().rejected),
      (n) => n >= before + 2,
    );
    expect(service.status().rejected).toBe(before + 2);

    await redis.del(keys.shared.tenant(tenant));
    const windowStart = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    const key = keys.window(tenant, windowStart / 1000);
    await redis.del(key);
    service.handle({
      subject: '$JS.EVENT.ADVISORY.STREAM.UPDATED.ORDERS',
      data: new TextEncoder().encode(
        '{"type":"io.nats.jetstream.advisory.v1.stream_action","stream":"ORDERS","action":"modify"}',
      ),
    });
    await service.flush();
    expect(await redis.exists(key)).toBe(0);
  });
});
