import type { MsgHdrs, NatsConnection, PublishOptions } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { PulseClient } from './pulse-client.js';

interface Published {
  subject: string;
  data: unknown;
  headers?: MsgHdrs;
}

/** A stand-in connection that records publications (a pure unit test: no network). */
function fakeConnection(failOn?: string) {
  const published: Published[] = [];
  const nc = {
    publish(subject: string, data: unknown, options?: PublishOptions) {
      if (failOn && subject.includes(failOn)) throw new Error('connection closed');
      published.push({ subject, data, headers: options?.headers });
    },
    isClosed: () => false,
    flush: async () => undefined,
  } as unknown as NatsConnection;
  return { nc, published };
}

describe('PulseClient', () => {
  let clock = Date.UTC(2026, 10, 28, 18, 0, 0);
  const now = () => clock;

  it('refuses ids Pulse would reject', () => {
    const { nc } = fakeConnection();
    expect(() => new PulseClient({ connection: nc, tenantId: 'a.b', clientId: 'c' })).toThrow(/tenantId/);
    expect(() => new PulseClient({ connection: nc, tenantId: 'a', clientId: 'c*' })).toThrow(/clientId/);
  });

  it('publishes under the tenant prefix with X-Published-At and counts sent messages', () => {
    const { nc, published } = fakeConnection();
    const client = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'c1', now });
    client.publish('orders.created', 'x');
    client.publish('orders.paid', 'y');
    expect(published.map((p) => p.subject)).toEqual(['tenant.acme.orders.created', 'tenant.acme.orders.paid']);
    expect(published[0].headers?.get('X-Published-At')).toBe(String(clock));
    expect(client.heartbeatBody().metrics.messages_sent).toBe(2);
  });

  it('counts publish failures and bad subjects as errors, and rethrows', () => {
    const { nc } = fakeConnection('broken');
    const client = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'c1', now });
    expect(() => client.publish('broken', 'x')).toThrow('connection closed');
    expect(() => client.publish('bad subject', 'x')).toThrow(/invalid subject/);
    expect(() => client.publish('wild.>', 'x')).toThrow(/invalid subject/);
    client.recordError(2);
    expect(client.heartbeatBody().metrics).toMatchObject({ messages_sent: 0, errors: 5 });
  });

  it('builds the documented heartbeat (README.md, Heartbeats and presence) with cumulative metrics and uptime', () => {
    const { nc } = fakeConnection();
    const client = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'c1', now });
    client.publish('a', 'x');
    clock += 61_000;
    expect(client.heartbeatBody()).toEqual({
      client_id: 'c1',
      tenant_id: 'acme',
      timestamp: new Date(clock).toISOString(),
      status: 'healthy',
      metrics: { messages_sent: 1, messages_received: 0, errors: 0, uptime_seconds: 61 },
    });
  });

  it('sends a heartbeat at start and at once on a status change, not on a repeat', async () => {
    const { nc, published } = fakeConnection();
    const client = new PulseClient({
      connection: nc,
      tenantId: 'acme',
      clientId: 'c1',
      now,
      heartbeatIntervalMs: 60_000,
    });
    client.start();
    client.setStatus('degraded');
    client.setStatus('degraded');
    await client.stop();
    const beats = published.filter((p) => p.subject === '_HEARTBEAT.tenant.acme.client.c1');
    expect(beats.map((b) => JSON.parse(String(b.data)).status)).toEqual(['healthy', 'degraded']);
  });

  it('sends heartbeats on its interval until stopped', async () => {
    const { nc, published } = fakeConnection();
    const client = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'c1', heartbeatIntervalMs: 20 });
    client.start();
    await new Promise((r) => setTimeout(r, 110));
    await client.stop();
    const count = published.length;
    expect(count).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(published.length).toBe(count);
  });

  it('a heartbeat on a closed connection does not throw', () => {
    const { nc } = fakeConnection('_HEARTBEAT');
    const client = new PulseClient({ connection: nc, tenantId: 'acme', clientId: 'c1' });
    expect(() => client.heartbeat()).not.toThrow();
  });
});
