import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJetStreamAccount } from '../support/jetstream-server.js';
import type { ServerProcess } from '../support/processes.js';

/**
 * README, JetStream, "What tenant users must not be allowed": the grant a tenant's application
 * needs for its own streams, written there for tenant `acme` and its stream `ORDERS`, verbatim.
 */
const ACME_GRANT = `
publish: [
  "tenant.acme.>",
  "$JS.API.STREAM.*.ORDERS", "$JS.API.STREAM.MSG.*.ORDERS",
  "$JS.API.CONSUMER.CREATE.ORDERS", "$JS.API.CONSUMER.CREATE.ORDERS.>",
  "$JS.API.CONSUMER.DURABLE.CREATE.ORDERS.*",
  "$JS.API.CONSUMER.INFO.ORDERS.*", "$JS.API.CONSUMER.DELETE.ORDERS.*",
  "$JS.API.CONSUMER.LIST.ORDERS", "$JS.API.CONSUMER.NAMES.ORDERS",
  "$JS.API.CONSUMER.MSG.NEXT.ORDERS.*",
  "$JS.ACK.ORDERS.>", "$JS.FC.ORDERS.>"
]
subscribe: ["tenant.acme.>", "_INBOX_acme.>"]`;

/** The same grant for tenant `globex` and its stream `LEDGER`. */
const GLOBEX_GRANT = ACME_GRANT.replaceAll('acme', 'globex').replaceAll('ORDERS', 'LEDGER');

const TIMEOUT = { timeout: 1500 };

describe('JetStream: the documented grant of a tenant user (own streams only)', () => {
  let server: ServerProcess;
  let acme: NatsConnection;
  let globex: NatsConnection;

  beforeAll(async () => {
    server = await startJetStreamAccount(`
      { user: acme, password: acme-secret, permissions: {${ACME_GRANT}} }
      { user: globex, password: globex-secret, permissions: {${GLOBEX_GRANT}} }`);
    const servers = `nats://127.0.0.1:${server.port}`;
    acme = await connect({ servers, user: 'acme', pass: 'acme-secret', inboxPrefix: '_INBOX_acme' });
    globex = await connect({ servers, user: 'globex', pass: 'globex-secret', inboxPrefix: '_INBOX_globex' });
  });

  afterAll(async () => {
    await acme?.close();
    await globex?.close();
    await server?.kill();
  });

  it('creates its stream, publishes, pull-fetches and acks, push-consumes, and reaches no other stream', async () => {
    // `$JS.API.INFO` is not granted (it counts every tenant's streams): the clients skip that check.
    const jsm = await jetstreamManager(acme, { checkAPI: false, ...TIMEOUT });
    const js = jetstream(acme, { checkAPI: false, ...TIMEOUT });
    await jsm.streams.add({ name: 'ORDERS', subjects: ['tenant.acme.orders.>'] });
    const other = await jetstreamManager(globex, { checkAPI: false, ...TIMEOUT });
    await other.streams.add({ name: 'LEDGER', subjects: ['tenant.globex.ledger.>'] });
    for (let i = 0; i < 3; i++) await js.publish('tenant.acme.orders.new', `order ${i}`);
    expect((await jsm.streams.info('ORDERS')).state.messages).toBe(3);
    expect((await jsm.streams.getMessage('ORDERS', { seq: 1 }))?.string()).toBe('order 0');

    // A durable pull consumer, by the current API (CONSUMER.CREATE) and the older one (DURABLE.CREATE).
    await jsm.consumers.add('ORDERS', { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    const legacy = acme.request(
      '$JS.API.CONSUMER.DURABLE.CREATE.ORDERS.legacy',
      JSON.stringify({ stream_name: 'ORDERS', config: { durable_name: 'legacy', ack_policy: 'explicit' } }),
      TIMEOUT,
    );
    expect((await legacy).json<{ name?: string }>().name).toBe('legacy');
    expect((await jsm.consumers.list('ORDERS').next()).map((c) => c.name).sort()).toEqual(['legacy', 'worker']);

    const worker = await js.consumers.get('ORDERS', 'worker');
    const fetched: string[] = [];
    for await (const m of await worker.fetch({ max_messages: 3, expires: 1000 })) {
      fetched.push(m.string());
      m.ack();
    }
    expect(fetched).toEqual(['order 0', 'order 1', 'order 2']);
    await acme.flush();
    const acked = await jsm.consumers.info('ORDERS', 'worker');
    expect([acked.num_ack_pending, acked.ack_floor.stream_seq]).toEqual([0, 3]);

    // A push consumer delivering into the tenant's own inbox prefix.
    await jsm.consumers.add('ORDERS', {
      durable_name: 'pusher',
      ack_policy: AckPolicy.Explicit,
      deliver_subject: '_INBOX_acme.push.orders',
    });
    const pushed: string[] = [];
    const messages = await (await js.consumers.getPushConsumer('ORDERS', 'pusher')).consume();
    for await (const m of messages) {
      pushed.push(m.string());
      m.ack();
      if (pushed.length === 3) break;
    }
    expect(pushed).toEqual(['order 0', 'order 1', 'order 2']);

    // Nothing of another tenant: no account-wide list, no info, no messages, no consumers.
    await expect(jsm.streams.list().next()).rejects.toThrow();
    await expect(jsm.streams.info('LEDGER')).rejects.toThrow();
    await expect(jsm.streams.getMessage('LEDGER', { seq: 1 })).rejects.toThrow();
    await expect(jsm.consumers.list('LEDGER').next()).rejects.toThrow();
    await expect(jsm.consumers.add('LEDGER', { durable_name: 'spy', ack_policy: AckPolicy.None })).rejects.toThrow();
    await expect(
      acme.request('$JS.API.CONSUMER.MSG.NEXT.LEDGER.spy', JSON.stringify({ batch: 1 }), TIMEOUT),
    ).rejects.toThrow();
    // And the other tenant, with its own grant, sees its stream and not this one.
    expect((await other.streams.info('LEDGER')).config.name).toBe('LEDGER');
    await expect(other.streams.info('ORDERS')).rejects.toThrow();
  });
});
