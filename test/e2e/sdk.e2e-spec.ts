import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulseClient } from '../../src/sdk/index.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';

interface Realtime {
  messages: { total: number };
  clients: { active: number; total: number };
  latencyMs: { samples: number };
}
interface Presence {
  summary: { online: number; degraded: number; offline: number };
  clients: {
    clientId: string;
    status: string;
    metrics: { messagesSent: number; messagesReceived: number; errors: number };
  }[];
}

describe('SDK → Pulse (real NATS and Redis)', () => {
  const options = testOptions({ heartbeatTimeoutMs: 1000, offlineCheckIntervalMs: 200 });
  let pulse: RunningPulse;
  let nc: NatsConnection;

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('clients built on the SDK show up in presence and counts, with latency and their own metrics', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('sdk'), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    const producer = new PulseClient({
      connection: nc,
      tenantId: t.id,
      clientId: 'producer',
      heartbeatIntervalMs: 200,
    });
    const consumer = new PulseClient({
      connection: nc,
      tenantId: t.id,
      clientId: 'consumer',
      heartbeatIntervalMs: 200,
    });
    let handled = 0;
    consumer.subscribe('orders.*', () => {
      handled++;
      if (handled % 10 === 0) throw new Error('handler failed');
    });
    await nc.flush();
    producer.start();
    consumer.start();
    for (let i = 0; i < 100; i++) producer.publish(`orders.${i % 2 ? 'created' : 'paid'}`, JSON.stringify({ i }));
    await nc.flush();

    const realtime = await waitFor(
      async () => (await request<Realtime>(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).body,
      (r) => r.messages.total === 100 && r.clients.active === 2,
    );
    expect(realtime.messages.total).toBe(100);
    expect(realtime.latencyMs.samples).toBe(100);
    expect(realtime.clients).toEqual({ active: 2, total: 2 });

    consumer.setStatus('degraded');
    const presence = await waitFor(
      async () => (await request<Presence>(pulse.url, 'GET', '/api/v1/metrics/presence', { key: t.apiKey })).body,
      (p) =>
        p.summary.degraded === 1 &&
        p.clients.find((c) => c.clientId === 'consumer')?.metrics.messagesReceived === 100 &&
        p.clients.find((c) => c.clientId === 'producer')?.metrics.messagesSent === 100,
    );
    expect(presence.clients.find((c) => c.clientId === 'producer')!.metrics.messagesSent).toBe(100);
    expect(presence.clients.find((c) => c.clientId === 'consumer')!.metrics).toMatchObject({
      messagesReceived: 100,
      errors: 10,
    });

    // A stopped client goes offline after the timeout.
    await producer.stop();
    const after = await waitFor(
      async () => (await request<Presence>(pulse.url, 'GET', '/api/v1/metrics/presence', { key: t.apiKey })).body,
      (p) => p.summary.offline === 1,
      { timeoutMs: 5000 },
    );
    expect(after.clients.find((c) => c.clientId === 'producer')!.status).toBe('offline');
    await consumer.stop();
  });
});
