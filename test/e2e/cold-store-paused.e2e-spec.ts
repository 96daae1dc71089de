import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColdPartitions } from '../../src/coldstore/cold-partitions.js';
import { COLD_STORE, type ColdStore } from '../../src/coldstore/cold-store.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { type CreatedTenant, createTenant } from '../support/http.js';
import { type ServerProcess, startDynaliteProcess } from '../support/processes.js';
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

/** The cold store's deadline in this test (COLD_STORE_TIMEOUT_MS); answers are bounded by it plus this margin. */
const DEADLINE_MS = 1500;
const MARGIN_MS = 3000;
/** How long a cold-store probe's answer is reused (DynamoColdStore). */
const PROBE_REUSE_MS = 5000;
/** Readiness answers within this even while the store is silent (orchestrators' default timeout is 1 s). */
const READY_MS = 500;

/** One HTTP call, its status, body and how long it took; given up after 20 s so a hang fails the test instead of stalling it. */
async function timed(url: string, method: string, key: string) {
  const started = performance.now();
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * A DynamoDB that stops answering with its connections open (dynalite in its own process, paused
 * with SIGSTOP): every cold-store call ends at its deadline, reads (analytics, the compliance
 * report) answer 503, health says so at once, and an erasure answers 503 saying the cold part is
 * left, finished by a repeated DELETE on return.
 */
describe('cold store that stops answering (dynalite paused with SIGSTOP)', () => {
  let dynamo: { server: ServerProcess; endpoint: string; dir: string };
  let pulse: RunningPulse;
  let redis: Redis;
  let tenant: CreatedTenant;
  /** The tenant incarnation's partition of the cold table. */
  let partition: string;

  beforeAll(async () => {
    dynamo = await startDynaliteProcess();
    const options = testOptions({
      rollupIntervalMs: 3_600_000,
      coldStore: {
        table: `pulse-paused-${Date.now()}`,
        endpoint: dynamo.endpoint,
        createTable: true,
        hotHistoryHours: 48,
        timeoutMs: DEADLINE_MS,
      },
    });
    pulse = await startPulse(options);
    redis = new Redis(SHARED_REDIS);
    tenant = await createTenant(pulse.url, uniqueTenantId('paused'), 'enterprise');
    await waitFor(async () => pulse.app.get(TenantDirectory).get(tenant.id) !== undefined, Boolean);
    // One archived hour, so that the erasure has a cold part to delete.
    partition = (await pulse.app.get(ColdPartitions).of(tenant.id))!;
    await pulse.app
      .get<ColdStore>(COLD_STORE)
      .put([{ partition, sk: 'h#0000003600', attributes: { f: { m: '1' } }, expiresAt: 2_000_000_000 }]);
  });

  afterAll(async () => {
    dynamo?.server.resume();
    await pulse?.close();
    redis?.disconnect();
    await dynamo?.server.kill();
    if (dynamo) rmSync(dynamo.dir, { recursive: true, force: true });
    await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('answers 503 within its deadline, reports the store degraded within 500 ms a probe, and an erasure finishes after SIGCONT', async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    expect(await cold.count(partition)).toBe(1);
    dynamo.server.pause();
    try {
      // Health first, before any other call has failed: its own probe finds the store silent. The
      // probe runs in the background, so every answer comes at once (orchestrators wait ~1 s) and
      // says degraded once a probe has been out past the deadline (the last one may be reused 5 s).
      const answers: { status: number; ms: number; cold: string }[] = [];
      const pausedAt = performance.now();
      while (performance.now() - pausedAt < PROBE_REUSE_MS + DEADLINE_MS + MARGIN_MS) {
        const ready = await timed(`${pulse.url}/health/ready`, 'GET', '');
        const cold = (ready.body.info as Record<string, { status: string }>).coldStore.status;
        answers.push({ status: ready.status, ms: ready.ms, cold });
        if (cold === 'degraded') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answers.at(-1)?.cold).toBe('degraded');
      // Every instance shares the store: taking this one out would not help.
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(answers.filter((a) => a.ms >= READY_MS)).toEqual([]);

      // The compliance report looks for the oldest day kept, cold part included.
      const report = await timed(`${pulse.url}/api/v1/admin/compliance/report`, 'GET', ADMIN_KEY);
      expect(report.status).toBe(503);
      expect(String(report.body.message)).toMatch(/oldest data of tenant .* cold store, which did not answer/);
      expect(report.body.code).toBe('COLD_STORE_UNAVAILABLE');
      expect(report.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const read = await timed(`${pulse.url}/api/v1/metrics/analytics?period=7d`, 'GET', tenant.apiKey);
      expect(read.status).toBe(503);
      expect(String(read.body.message)).toMatch(/cold store/);
      expect(read.body.code).toBe('COLD_STORE_UNAVAILABLE');
      expect(read.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const erased = await timed(`${pulse.url}/api/v1/admin/tenants/${tenant.id}`, 'DELETE', ADMIN_KEY);
      expect(erased.status).toBe(503);
      expect(String(erased.body.message)).toMatch(/cold history could not be deleted yet/);
      expect(erased.body.code).toBe('COLD_STORE_UNAVAILABLE');
      expect(erased.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      expect(await redis.exists(new RedisKeys(pulse.options.redis.keyPrefix).tenant(tenant.id))).toBe(0);
    } finally {
      dynamo.server.resume();
    }
    const repeated = await timed(`${pulse.url}/api/v1/admin/tenants/${tenant.id}`, 'DELETE', ADMIN_KEY);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ removed: { coldItems: 1 }, remaining: 0 });
    expect(await cold.count(partition)).toBe(0);
    const ready = await timed(`${pulse.url}/health/ready`, 'GET', '');
    expect((ready.body.info as Record<string, { status: string }>).coldStore.status).toBe('up');
  });
});
