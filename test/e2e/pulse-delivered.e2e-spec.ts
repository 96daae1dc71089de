import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_FIELDS as F } from '../../src/history/counter-schema.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { createTenant } from '../support/http.js';
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

/** The header block the client sends for `h` (what the server counts of it). */
const headerBytes = (h: MsgHdrs) => (h as unknown as { encode(): Uint8Array }).encode().length;

/**
 * What the server delivered to Pulse's own subscriptions for a tenant (`pd_m`/`pd_b`, issue #34):
 * the tap's messages with their headers, and every heartbeat on the tenant's subject, accepted or
 * rejected, counted once each, in the minutes and the totals.
 */
describe('deliveries to Pulse per tenant (real NATS and Redis)', () => {
  const options = testOptions();
  const historyKeys = new HistoryKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;

  beforeAll(async () => {
    pulse = await startPulse(options);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await pulse?.close();
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /** The sum of `field` over the tenant's minute hashes from `fromMs` to now. */
  async function minutesSum(tenantId: string, field: string, fromMs: number): Promise<number> {
    let n = 0;
    for (let m = Math.floor(fromMs / 60_000) * 60; m * 1000 <= Date.now(); m += 60) {
      n += Number((await redis.hget(historyKeys.minute(tenantId, m), field)) ?? 0);
    }
    return n;
  }

  it('counts the tap’s messages with their header bytes and every heartbeat of the tenant, accepted or rejected', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('delivered'), 'professional');
    await waitFor(
      async () =>
        pulse.app.get(TenantDirectory).get(t.id) !== undefined &&
        pulse.app.get(MessageTap).subscribedTenants().includes(t.id),
      Boolean,
    );
    const start = Date.now();
    let expectedBytes = 0;
    // Tapped: 30 with headers (100-byte payload), 20 without (50 bytes), one empty with headers.
    for (let i = 0; i < 30; i++) {
      const h = headers();
      h.set('X-Published-At', String(Date.now()));
      h.set('X-Order', `o-${i}`);
      nc.publish(`tenant.${t.id}.orders`, new Uint8Array(100), { headers: h });
      expectedBytes += 100 + headerBytes(h);
    }
    for (let i = 0; i < 20; i++) nc.publish(`tenant.${t.id}.plain`, new Uint8Array(50));
    expectedBytes += 20 * 50;
    const empty = headers();
    empty.set('X-A', 'b');
    nc.publish(`tenant.${t.id}.empty`, new Uint8Array(0), { headers: empty });
    expectedBytes += headerBytes(empty);
    // Heartbeats: two of one client (the second supersedes the first before the write), one of
    // another, one rejected (not JSON), one with a bad client token on the tenant's subject.
    const bodies = [
      ['c1', JSON.stringify(heartbeat(t.id, 'c1'))],
      ['c1', JSON.stringify(heartbeat(t.id, 'c1', { status: 'degraded' }))],
      ['c2', JSON.stringify(heartbeat(t.id, 'c2'))],
      ['c3', '{not json'],
      ['c*', '{}'],
    ] as const;
    for (const [client, body] of bodies) {
      if (client === 'c*') nc.publish(`_HEARTBEAT.tenant.${t.id}.client.${'x'.repeat(65)}`, body);
      else sendHeartbeat(nc, t.id, client, body);
      expectedBytes += Buffer.byteLength(body);
    }
    // Not attributable: a heartbeat of an unknown tenant.
    sendHeartbeat(nc, 'ghost-tenant-x', 'c1');
    await nc.flush();

    const expectedMessages = 51 + bodies.length;
    const totals = await waitFor(
      () => redis.hgetall(historyKeys.totals(t.id)),
      (h) => Number(h[F.pulseDeliveredMessages] ?? 0) >= expectedMessages && Number(h[F.messages] ?? 0) >= 51,
      { timeoutMs: 10_000 },
    );
    expect(Number(totals[F.pulseDeliveredMessages])).toBe(expectedMessages);
    expect(Number(totals[F.pulseDeliveredBytes])).toBe(expectedBytes);
    // `b` stays what it was: the payloads the tap counted.
    expect(Number(totals[F.bytes])).toBe(30 * 100 + 20 * 50);
    // The minutes hold the same figures (the rollups carry them to hours and days).
    expect(await minutesSum(t.id, F.pulseDeliveredMessages, start)).toBe(expectedMessages);
    expect(await minutesSum(t.id, F.pulseDeliveredBytes, start)).toBe(expectedBytes);

    // Settle: nothing is counted twice later.
    await new Promise((r) => setTimeout(r, 3 * options.flushIntervalMs));
    expect(Number(await redis.hget(historyKeys.totals(t.id), F.pulseDeliveredMessages))).toBe(expectedMessages);
  });
});
