import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertSender } from '../../src/alerting/alert-sender.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import {
  DeliveryQueueRepository,
  MAX_QUEUED_DELIVERIES,
  type QueuedDelivery,
} from '../../src/alerting/delivery-queue.repository.js';
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

  async function tenantWithHook(label: string) {
    const t = await createTenant(pulse.url, uniqueTenantId(label), 'enterprise');
    const res = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: t.apiKey,
      body: { type: 'webhook', name: 'hook', config: { url: `${http.url}/${t.id}` } },
    });
    expect(res.status).toBe(201);
    return { t, channelId: res.body.id };
  }

  it('a deleted tenant: its delivery waiting for a retry is dropped, not sent, and nothing of its queue is left', async () => {
    const { t } = await tenantWithHook('qdel');
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
    const { t, channelId } = await tenantWithHook('qbound');
    const queue = pulse.app.get(DeliveryQueueRepository);
    const later = Date.now() + 3_600_000;
    const filler: QueuedDelivery[] = Array.from({ length: MAX_QUEUED_DELIVERIES + 5 }, (_, i) => ({
      id: `msg_fill${i}`,
      channelId,
      notification: {
        tenantId: t.id,
        alertKey: `fill:${i}`,
        event: 'trigger',
        severity: 'info',
        title: 'fill',
        rule: 'fill',
        summary: 'fill',
        details: {},
        at: new Date().toISOString(),
      },
      attempts: 0,
      enqueuedAt: new Date().toISOString(),
    }));
    // Due in an hour: nothing is claimed while the test looks.
    expect(await queue.enqueue(t.id, filler, later)).toEqual({
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
