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
 * with SIGSTOP): every cold-store call ends at its deadline, reads answer 503, health says so, and
 * an erasure answers 503 saying the cold part is left, finished by a repeated DELETE on return.
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

  it('answers 503 within its deadline, reports the store degraded, and an erasure finishes after SIGCONT', async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    expect(await cold.count(partition)).toBe(1);
    dynamo.server.pause();
    try {
      // Health first, before any other call has failed: its own probe finds the store silent.
      const ready = await timed(`${pulse.url}/health/ready`, 'GET', '');
      expect(ready.status).toBe(200); // every instance shares the store: taking this one out would not help
      expect((ready.body.info as Record<string, { status: string }>).coldStore.status).toBe('degraded');
      expect(ready.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const read = await timed(`${pulse.url}/api/v1/metrics/analytics?period=7d`, 'GET', tenant.apiKey);
      expect(read.status).toBe(503);
      expect(String(read.body.message)).toMatch(/cold store/);
      expect(read.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const erased = await timed(`${pulse.url}/api/v1/admin/tenants/${tenant.id}`, 'DELETE', ADMIN_KEY);
      expect(erased.status).toBe(503);
      expect(String(erased.body.message)).toMatch(/cold history could not be deleted yet/);
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
