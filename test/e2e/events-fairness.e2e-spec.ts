import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventDeliveryWorker,
  MAX_IN_FLIGHT,
  MAX_IN_FLIGHT_PER_TENANT,
} from '../../src/events/event-delivery.worker.js';
import { EventLog } from '../../src/events/event-log.js';
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
import { HttpReceiver } from '../support/receivers.js';

const PATH = '/api/v1/events/subscriptions';
type TestTenant = Awaited<ReturnType<typeof createTenant>>;

/**
 * Issue #38: receivers that answer slowly (but answer) must not hold every delivery slot of an
 * instance; a tenant with nothing under way still gets its events sent meanwhile.
 */
describe('event delivery: fair share of the delivery slots across tenants', () => {
  const options = testOptions({
    alerting: { allowPrivateTargets: true },
    events: {
      batchMaxEvents: 100,
      batchMaxWaitMs: 0,
      // The slow receivers hold every request longer than the test lasts: they stay in flight.
      timeoutMs: 30_000,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      pauseAfterFailures: 30,
      backlogMax: 10_000,
      flushIntervalMs: 100,
      pollMs: 3_600_000, // polled by the test
    },
  });
  let pulse: RunningPulse;
  const receiver = new HttpReceiver();

  beforeAll(async () => {
    await receiver.start();
    pulse = await startPulse(options);
  });
  afterAll(async () => {
    await receiver.stop(); // cuts the held requests
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const tenantWith = async (name: string, subscriptions: number, path: string): Promise<TestTenant> => {
    const t = await createTenant(pulse.url, uniqueTenantId(name), 'professional');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    for (let i = 0; i < subscriptions; i++) {
      const r = await request(pulse.url, 'POST', PATH, {
        key: t.apiKey,
        body: { url: `${receiver.url}${path}`, types: ['client.online'] },
      });
      expect(r.status).toBe(201);
    }
    return t;
  };
  const event = (tenantId: string, clientId: string) => ({
    type: 'client.online' as const,
    tenantId,
    clientId,
    at: new Date().toISOString(),
    data: {},
  });

  it(
    'a quiet tenant is sent its event while busy tenants hold requests to slow receivers',
    { timeout: 60_000 },
    async () => {
      const log = pulse.app.get(EventLog);
      const worker = pulse.app.get(EventDeliveryWorker);
      // Enough busy tenants, each with as many subscriptions as one tenant may send at once, to ask
      // for every slot of the instance.
      const busyTenants = Math.ceil(MAX_IN_FLIGHT / MAX_IN_FLIGHT_PER_TENANT);
      receiver.hold(
        '/slow',
        Array.from({ length: busyTenants * MAX_IN_FLIGHT_PER_TENANT }, () => 120_000),
      );
      const busy: TestTenant[] = [];
      for (let i = 0; i < busyTenants; i++) busy.push(await tenantWith(`busy${i}`, MAX_IN_FLIGHT_PER_TENANT, '/slow'));
      for (const t of busy) log.append(event(t.id, 'busy-client'));
      await log.flush();
      // Polled until the busy tenants' requests stop growing (they take what they are allowed).
      let held = -1;
      await waitFor(
        async () => {
          const before = held;
          await worker.poll();
          await new Promise((r) => setTimeout(r, 200));
          held = receiver.on('/slow').length;
          return before === held && held > 0;
        },
        Boolean,
        { timeoutMs: 20_000, intervalMs: 0 },
      );
      expect(held).toBeGreaterThan(0);
      const slowHeld = worker.inFlight();

      const quiet = await tenantWith('quiet', 1, '/quiet');
      log.append(event(quiet.id, 'quiet-client'));
      await log.flush();
      const delivered = await waitFor(
        async () => {
          await worker.poll();
          return receiver.on('/quiet').length;
        },
        (n) => n > 0,
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      expect(delivered, `quiet tenant not sent while ${slowHeld} slow batches were held`).toBe(1);
      // ... while the busy tenants' requests were still held (not after they ended).
      expect(receiver.on('/slow').every((r) => r.status === 200)).toBe(true);
      expect(worker.inFlight()).toBeGreaterThanOrEqual(slowHeld);
      expect(JSON.parse(receiver.on('/quiet')[0].body).events[0].clientId).toBe('quiet-client');
    },
  );
});
