import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { RedisLock } from '../../src/redis/redis-lock.js';
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

const WINDOW = 2000;

/**
 * Two instances share the anomaly detector's lock. The holder dies in the middle of a pass (its
 * pass stops inside a tenant, then the instance is closed: the lock is never released), and a
 * spike follows at once: the survivor takes the lock over within a short bound and judges the
 * windows Redis holds, so the spike opens an anomaly.
 */
describe('anomaly detection when the lock holder dies mid-pass', () => {
  const options = testOptions({ anomalyWindowMs: WINDOW, anomalyDetectors: { warmupWindows: 5 } });
  const pulses: RunningPulse[] = [];
  let nc: NatsConnection;
  let redis: Redis;

  afterAll(async () => {
    for (const p of pulses) await p.close().catch(() => undefined);
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  /**
   * An enterprise tenant with steady traffic (40 messages every 100 ms: the baseline), its last
   * window closed, its rate spikes, and the spike itself (40,000 messages in about a second).
   */
  async function steadyTenant(on: RunningPulse[], label: string) {
    const url = on[on.length - 1].url;
    const t = await createTenant(url, uniqueTenantId(label), 'enterprise');
    await waitFor(async () => on.every((p) => p.app.get(TenantDirectory).get(t.id) !== undefined), Boolean);
    const payload = new Uint8Array(50).fill(120);
    const timer = setInterval(() => {
      for (let i = 0; i < 40; i++) nc.publish(`tenant.${t.id}.orders.${i % 3}`, payload);
    }, 100);
    const closed = async () =>
      Number((await redis.hget(new RedisKeys(options.redis.keyPrefix).detection(t.id), 'window')) ?? NaN);
    return {
      closed,
      spikes: async () =>
        (
          await request<{ anomalies: { type: string }[] }>(url, 'GET', '/api/v1/metrics/anomalies?hours=1', {
            key: t.apiKey,
          })
        ).body.anomalies.filter((a) => a.type === 'rate_spike'),
      /** Past the warm-up (5 windows) with some to spare. */
      warmedUp: async () => {
        const first = await waitFor(closed, Number.isFinite, { timeoutMs: 10_000 });
        await waitFor(closed, (n) => n >= first + 8, { timeoutMs: 40_000 });
      },
      spike: async () => {
        for (let i = 0; i < 40_000; i++) {
          nc.publish(`tenant.${t.id}.orders.${i % 3}`, payload);
          if (i % 1000 === 999) await nc.flush();
        }
      },
      stop: () => clearInterval(timer),
    };
  }

  it('the survivor takes over within two windows and the spike right after opens a rate_spike', async () => {
    const [dying, survivor] = [await startPulse(options), await startPulse(options)];
    pulses.push(dying, survivor);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
    const tenant = await steadyTenant([dying, survivor], 'takeover');
    try {
      await tenant.warmedUp();
      expect(await tenant.spikes()).toEqual([]);

      // The next pass of the dying instance stops inside the tenant (holding the lock); the
      // instance is then closed without its pass ever releasing it.
      let hung = false;
      vi.spyOn(dying.app.get(AnomalyRepository), 'counters').mockImplementation(() => {
        hung = true;
        return new Promise(() => undefined);
      });
      // The survivor stands aside until the dying instance has won a window's lock (left to
      // chance, the survivor won 20 windows in a row on a loaded machine); then it competes again.
      const survivorLock = survivor.app.get(RedisLock);
      const acquire = survivorLock.acquire.bind(survivorLock);
      const standAside = vi
        .spyOn(survivorLock, 'acquire')
        .mockImplementation((name, ttlMs) =>
          name === 'anomaly-detector' && !hung ? Promise.resolve(null) : acquire(name, ttlMs),
        );
      await waitFor(
        async () => hung,
        (h) => h,
        { timeoutMs: 20 * WINDOW },
      );
      expect(hung).toBe(true);
      standAside.mockRestore();
      const stuckAt = await tenant.closed();
      await dying.close();
      const diedAt = Date.now();

      // A spike right after: ~50 times the window's traffic, within a second.
      await tenant.spike();

      // Taken over within the lock's TTL (1 s) and two windows, plus a margin for a loaded machine.
      const bound = 1000 + 2 * WINDOW + 4000;
      expect(await waitFor(tenant.closed, (n) => n > stuckAt, { timeoutMs: bound })).toBeGreaterThan(stuckAt);
      const tookOverMs = Date.now() - diedAt;
      expect(tookOverMs).toBeLessThan(bound);
      expect((await waitFor(tenant.spikes, (s) => s.length > 0, { timeoutMs: bound })).length).toBeGreaterThan(0);
    } finally {
      tenant.stop();
    }
  }, 120_000);

  it('windows missed for longer than three (a holder dead under a long lock) are judged from what Redis holds; the spike among them opens a rate_spike', async () => {
    const pulse = pulses[1];
    const tenant = await steadyTenant([pulse], 'longlock');
    try {
      await tenant.warmedUp();
      expect(await tenant.spikes()).toEqual([]);
      // A holder that died with the lock for six windows (as the old TTL of three windows did).
      const lock = await waitFor(
        () => pulse.app.get(RedisLock).acquire('anomaly-detector', 6 * WINDOW),
        (held) => held !== null,
        { timeoutMs: 4 * WINDOW, intervalMs: 20 },
      );
      expect(lock).not.toBeNull();
      const stuckAt = await tenant.closed();
      await new Promise((r) => setTimeout(r, WINDOW));
      await tenant.spike();
      // Once the lock expires, the instance closes the windows missed, more than three.
      const after = await waitFor(tenant.closed, (n) => n > stuckAt, { timeoutMs: 6 * WINDOW + 2 * WINDOW + 4000 });
      expect(after - stuckAt).toBeGreaterThan(3);
      expect((await waitFor(tenant.spikes, (s) => s.length > 0, { timeoutMs: 2 * WINDOW })).length).toBeGreaterThan(0);
    } finally {
      tenant.stop();
    }
  }, 120_000);
});
