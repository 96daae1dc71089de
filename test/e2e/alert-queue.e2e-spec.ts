import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertSender } from '../../src/alerting/alert-sender.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import {
  DeliveryQueueRepository,
  MAX_QUEUED_DELIVERIES,
  type QueuedDelivery,
} from '../../src/alerting/delivery-queue.repository.js';
import { DeliveryWorker, MAX_IN_FLIGHT_PER_TENANT } from '../../src/alerting/delivery-worker.js';
import type { AlertRule } from '../../src/alerting/rule.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { createTenant, request } from '../support/http.js';
import { HttpReceiver } from '../support/receivers.js';

/** A rule as the evaluator hands it to alerting (the alert is raised directly: no metrics needed). */
function rule(channelIds: string[] = []): AlertRule {
  const now = new Date().toISOString();
  return {
    id: `ru_${Math.random().toString(16).slice(2, 10)}`,
    name: 'queue test',
    metric: 'online_clients',
    operator: 'lt',
    threshold: 1,
    forSeconds: 0,
    severity: 'warning',
    channelIds,
    createdAt: now,
    updatedAt: now,
  };
}

/** An enterprise tenant with one webhook channel to `http`/<tenant id>. */
async function tenantWithHook(pulse: RunningPulse, http: HttpReceiver, label: string) {
  const t = await createTenant(pulse.url, uniqueTenantId(label), 'enterprise');
  const res = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
    key: t.apiKey,
    body: { type: 'webhook', name: 'hook', config: { url: `${http.url}/${t.id}` } },
  });
  expect(res.status).toBe(201);
  return { t, channelId: res.body.id };
}

/** `n` deliveries of distinct alerts to one channel, as AlertingService would queue them. */
function deliveries(tenantId: string, channelId: string, n: number, label: string): QueuedDelivery[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `msg_${label}${i}`,
    channelId,
    notification: {
      tenantId,
      alertKey: `${label}:${i}`,
      event: 'trigger',
      severity: 'info',
      title: label,
      rule: label,
      summary: label,
      details: {},
      at: new Date().toISOString(),
    },
    attempts: 0,
    enqueuedAt: new Date().toISOString(),
  }));
}

describe('the durable alert delivery queue (real Redis)', () => {
  let pulse: RunningPulse;
  let http: HttpReceiver;
  let redis: Redis;
  const options = testOptions({ alerting: { allowPrivateTargets: true, retryBaseMs: 50, timeoutMs: 2000 } });

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    pulse = await startPulse(options);
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await pulse?.close();
    await http?.stop();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a deleted tenant: its delivery waiting for a retry is dropped, not sent, and nothing of its queue is left', async () => {
    const { t } = await tenantWithHook(pulse, http, 'qdel');
    http.plan(`/${t.id}`, [503]);
    http.retryAfter = '2';
    await pulse.app.get(AlertingService).onRule(t.id, rule(), 'fire', 0);
    await waitFor(
      async () => http.on(`/${t.id}`).length,
      (n) => n === 1,
    );
    // The 503 is answered and the retry is queued for 2 s later: the tenant is deleted meanwhile.
    const keys = new RedisKeys(options.redis.keyPrefix);
    await waitFor(
      () => redis.hlen(keys.alertQueue(t.id).leases),
      (n) => n === 0,
    );
    expect(await redis.zcard(keys.alertQueue(t.id).queue)).toBe(1);
    expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.id}`, { key: ADMIN_KEY })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    http.retryAfter = null;
    expect(http.on(`/${t.id}`)).toHaveLength(1);
    const left: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${options.redis.keyPrefix}:*`, 'COUNT', 1000);
      cursor = next;
      left.push(...found.filter((k) => k.startsWith(keys.tenantScope(t.id))));
    } while (cursor !== '0');
    expect(left).toEqual([]);
  });

  it(`at most ${MAX_QUEUED_DELIVERIES} deliveries a tenant: the next is dropped, logged and counted`, async () => {
    const { t, channelId } = await tenantWithHook(pulse, http, 'qbound');
    const queue = pulse.app.get(DeliveryQueueRepository);
    const filler = deliveries(t.id, channelId, MAX_QUEUED_DELIVERIES + 5, 'fill');
    // Due in an hour: nothing is claimed while the test looks.
    expect(await queue.enqueue(t.id, filler, 3_600_000)).toEqual({
      queued: MAX_QUEUED_DELIVERIES,
      dropped: 5,
      tenantGone: false,
    });
    const droppedBefore = pulse.app.get(AlertSender).attemptCounts().get('webhook|dropped') ?? 0;
    await pulse.app.get(AlertingService).onRule(t.id, rule([channelId]), 'fire', 0);
    expect(await queue.size(t.id)).toBe(MAX_QUEUED_DELIVERIES);
    expect(pulse.app.get(AlertSender).attemptCounts().get('webhook|dropped')).toBe(droppedBefore + 1);
    const log = await request<{ deliveries: { outcome: string; error: string; attempt: number }[] }>(
      pulse.url,
      'GET',
      '/api/v1/alerts/deliveries',
      { key: t.apiKey },
    );
    expect(log.body.deliveries[0]).toMatchObject({
      outcome: 'dropped',
      attempt: 0,
      error: `delivery queue full (${MAX_QUEUED_DELIVERIES} queued)`,
    });
    const metrics = await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then(
      (r) => r.text(),
    );
    expect(metrics).toMatch(/pulse_alert_deliveries_total\{channel="webhook",outcome="dropped"\} [1-9]/);
    expect(http.on(`/${t.id}`)).toHaveLength(0);
  });
});

describe('the delivery queue with receivers that hold requests (real Redis)', () => {
  let pulse: RunningPulse;
  let http: HttpReceiver;
  // Attempts that hang far longer than any wait below: a slot an attempt holds stays held.
  const options = testOptions({ alerting: { allowPrivateTargets: true, retryBaseMs: 50, timeoutMs: 30_000 } });

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    pulse = await startPulse(options);
  });

  afterAll(async () => {
    await pulse?.close();
    await http?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('an instance whose clock is 60 s ahead does not take over a delivery whose lease is live', async () => {
    const { t } = await tenantWithHook(pulse, http, 'qskew');
    http.hold(`/${t.id}`, [25_000]);
    await pulse.app.get(AlertingService).onRule(t.id, rule(), 'fire', 0);
    await waitFor(
      async () => http.on(`/${t.id}`).length,
      (n) => n === 1,
    );
    // Now every poll of this process reads a clock 60 s ahead of Redis' (and of the claimer's
    // when it claimed): the lease (timeout + 5 s) is live, so nobody may claim the delivery.
    const realNow = Date.now.bind(Date);
    const ahead = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 60_000);
    try {
      for (let i = 0; i < 5; i++) {
        await pulse.app.get(DeliveryWorker).poll();
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      ahead.mockRestore();
    }
    expect(http.on(`/${t.id}`)).toHaveLength(1);
  });

  it("a tenant whose receiver never answers holds a few of the instance's attempts; another tenant's alert goes out at once", async () => {
    const slow = await tenantWithHook(pulse, http, 'qslow');
    http.hold(
      `/${slow.t.id}`,
      Array.from({ length: 40 }, () => 25_000),
    );
    const queue = pulse.app.get(DeliveryQueueRepository);
    expect((await queue.enqueue(slow.t.id, deliveries(slow.t.id, slow.channelId, 40, 'slow'))).queued).toBe(40);
    const worker = pulse.app.get(DeliveryWorker);
    await worker.poll();
    await waitFor(
      async () => http.on(`/${slow.t.id}`).length,
      (n) => n > 0,
    );
    const other = await tenantWithHook(pulse, http, 'qother');
    await pulse.app.get(AlertingService).onRule(other.t.id, rule(), 'fire', 0);
    const got = await waitFor(
      async () => http.on(`/${other.t.id}`).length,
      (n) => n === 1,
      { timeoutMs: 8000 },
    );
    expect(got).toBe(1);
    expect(http.on(`/${slow.t.id}`).length).toBeLessThanOrEqual(MAX_IN_FLIGHT_PER_TENANT);
  });
});
