import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/alerting/notification.js';
import { type BuiltPulse, startBuiltPulse } from '../support/built-pulse.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { request } from '../support/http.js';
import { socketOwner } from '../support/processes.js';
import { uniquePrefix, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { HttpReceiver, type Received } from '../support/receivers.js';
import { publisher } from '../support/traffic.js';

const ADMIN = 'handover-test-admin-key-0123456789';

/**
 * Two built Pulse instances sharing one Redis prefix and NATS queue group (a rolling deploy's
 * old and new instance), 2 s anomaly windows. An error_rate anomaly opens (heartbeats with 20 %
 * errors), its webhook answers 503 once and the instance that sent it is stopped: the surviving
 * instance must deliver the alert.fired (once accepted) and then the alert.resolved, in order.
 */
describe('alert deliveries survive the sending instance (two built instances, real NATS and Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function start(prefix: string): Promise<BuiltPulse> {
    const pulse = await startBuiltPulse({
      ADMIN_API_KEY: ADMIN,
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      ANOMALY_WINDOW_SECONDS: '2',
      ALERT_ALLOW_PRIVATE_TARGETS: 'true',
    });
    cleanups.push(() => pulse.stop());
    return pulse;
  }

  /** Both instances up, an enterprise tenant with a webhook channel, and an error_rate anomaly opened. */
  async function anomalyOn(receiver: HttpReceiver) {
    const prefix = uniquePrefix();
    const instances = [await start(prefix), await start(prefix)];
    const id = uniqueTenantId('handover');
    const created = await request<{ apiKey: string }>(instances[0].url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN,
      body: { id, tier: 'enterprise' },
    });
    expect(created.status).toBe(201);
    const apiKey = created.body.apiKey;
    // Both instances know the tenant before any heartbeat (either may take a heartbeat).
    for (const i of instances) {
      const seen = await waitFor(
        () => request(i.url, 'GET', '/api/v1/metrics/realtime', { key: apiKey }).then((r) => r.status),
        (s) => s === 200,
      );
      expect(seen).toBe(200);
    }
    const channel = await request<{ signingSecret: string }>(instances[0].url, 'POST', '/api/v1/alerts/channels', {
      key: apiKey,
      body: { type: 'webhook', name: 'hook', config: { url: `${receiver.url}/hook` } },
    });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    const nc: NatsConnection = await publisher();
    cleanups.push(() => nc.close());
    const hb = (client: string, n: number, errors: number) =>
      sendHeartbeat(
        nc,
        id,
        client,
        heartbeat(id, client, { metrics: { messages_sent: n, messages_received: n, errors, uptime_seconds: 1 } }),
      );
    for (let c = 0; c < 3; c++) hb(`app-${c}`, 0, 0);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 4_500)); // two windows close on the baseline
    for (let c = 0; c < 3; c++) hb(`app-${c}`, 100, 40); // 120 errors over 600 messages: 20 %
    await nc.flush();
    return { instances, apiKey, secret: channel.body.signingSecret };
  }

  /** The sender of a request still holding its connection open (keep-alive), as an instance. */
  function senderOf(r: Received, instances: BuiltPulse[]): BuiltPulse {
    const pid = socketOwner(
      r.remotePort,
      instances.map((i) => i.process.child.pid!),
    );
    const sender = instances.find((i) => i.process.child.pid === pid);
    expect(sender, 'no instance owns the connection the request came on').toBeDefined();
    return sender!;
  }

  /** The first webhook request (the alert.fired), as soon as it arrives. */
  async function firstHook(receiver: HttpReceiver): Promise<Received> {
    const first = await waitFor(
      async () => receiver.on('/hook')[0],
      (r) => r !== undefined,
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    expect(first, 'no alert was sent').toBeDefined();
    expect(typeOf(first)).toBe('alert.fired');
    return first;
  }

  function typeOf(r: Received): string {
    return (JSON.parse(r.body) as { type: string }).type;
  }

  async function expectHandedOver(receiver: HttpReceiver, secret: string) {
    const done = await waitFor(
      async () => receiver.on('/hook'),
      (rs) => rs.some((r) => r.status === 200 && typeOf(r) === 'alert.resolved'),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const hooks = done;
    expect(
      hooks.filter((r) => r.status === 200).map(typeOf),
      `requests seen: ${hooks.map((r) => `${typeOf(r)} ${r.status}`).join(', ')}`,
    ).toEqual(['alert.fired', 'alert.resolved']);
    // Every attempt of one delivery carries the same webhook-id: receivers dedupe on it.
    const fired = hooks.filter((r) => typeOf(r) === 'alert.fired');
    expect(new Set(fired.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const h of hooks) {
      const hid = String(h.headers['webhook-id']);
      const ts = Number(h.headers['webhook-timestamp']);
      expect(h.headers['webhook-signature']).toBe(signWebhook(secret, hid, ts, h.body));
    }
  }

  it('rolling deploy: the webhook answers 503 (Retry-After: 2) once, the sender gets SIGTERM 300 ms later; the other instance delivers alert.fired, then alert.resolved', async () => {
    const receiver = await new HttpReceiver().start();
    cleanups.push(() => receiver.stop());
    receiver.plan('/hook', [503]);
    receiver.retryAfter = '2'; // the retry comes after the sender has stopped
    const { instances, secret } = await anomalyOn(receiver);
    const first = await firstHook(receiver);
    expect(first.status).toBe(503);
    const sender = senderOf(first, instances);
    await new Promise((r) => setTimeout(r, 300));
    sender.process.child.kill('SIGTERM');
    const exit = await sender.process.exit;
    expect(exit.code === 0 || exit.signal === 'SIGTERM', exit.output.slice(-2000)).toBe(true);
    await expectHandedOver(receiver, secret);
  }, 120_000);

  it('SIGKILL mid-request: the sender dies while the webhook holds the alert.fired; after its lease the other instance delivers it, then alert.resolved', async () => {
    const receiver = await new HttpReceiver().start();
    cleanups.push(() => receiver.stop());
    receiver.hold('/hook', [5_000]);
    const { instances, secret } = await anomalyOn(receiver);
    const first = await firstHook(receiver);
    const sender = senderOf(first, instances);
    const killedAt = Date.now();
    sender.process.child.kill('SIGKILL');
    await sender.process.exit;
    await expectHandedOver(receiver, secret);
    // Taken over once the lease (ALERT timeout 10 s + 5 s) ended, at the next poll.
    const redelivered = receiver.on('/hook').find((r) => r.status === 200)!;
    const takeoverMs = redelivered.at - killedAt;
    console.log(`SIGKILL: alert.fired delivered by the other instance ${takeoverMs} ms after the kill`);
    expect(takeoverMs).toBeLessThan(30_000);
  }, 120_000);
});
