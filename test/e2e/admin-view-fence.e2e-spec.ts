import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, request } from '../support/http.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
} from '../support/pulse-app.js';

/**
 * Opening the operator's read-only view goes through the erasure's fence: an instance whose
 * directory has not heard of the erasure yet (its tenant changes arrive over another NATS, and
 * it reconciles hourly) writes no view key for a tenant whose record is gone, and answers 404;
 * a tenant re-created under the same id is not readable through a view opened for no one.
 */
describe('admin view open is fenced by the erasure (two instances, real Redis and NATS)', () => {
  let nats: ServerProcess;
  let a: RunningPulse;
  let b: RunningPulse;
  let redis: Redis;
  let keys: RedisKeys;

  beforeAll(async () => {
    nats = await startNatsServer();
    const options = testOptions();
    a = await startPulse(options);
    // b shares a's Redis prefix, but hears tenant changes on a NATS of its own: a stale directory.
    b = await startPulse({
      ...options,
      nats: { ...options.nats, servers: [`nats://127.0.0.1:${nats.port}`] },
      tenantSyncIntervalMs: 3_600_000,
    });
    redis = new Redis(SHARED_REDIS);
    keys = new RedisKeys(options.redis.keyPrefix);
  }, 60_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await nats?.kill();
    redis?.disconnect();
    if (a) await deletePrefix(SHARED_REDIS, a.options.redis.keyPrefix);
  });

  it('a view opened on a stale instance after the erasure is 404 and writes nothing of the tenant', async () => {
    const id = uniqueTenantId('viewfence');
    await createTenant(a.url, id, 'enterprise');
    await b.app.get(TenantDirectory).sync(id);
    expect(b.app.get(TenantDirectory).get(id)).toBeDefined();

    expect((await request(a.url, 'DELETE', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY })).status).toBe(200);
    // b still believes the tenant active.
    expect(b.app.get(TenantDirectory).get(id)).toBeDefined();

    const view = await request(b.url, 'POST', `/api/v1/admin/tenants/${id}/view`, { key: ADMIN_KEY });
    expect(view.status).toBe(404);
    expect(view.body).toMatchObject({ code: 'TENANT_NOT_FOUND' });
    // Nothing of the tenant came back: no view key, no audit stream or seal key.
    expect(await redis.exists(keys.adminView(id))).toBe(0);
    expect(await redis.exists(keys.tenantAudit(id))).toBe(0);
    expect(await redis.exists(keys.tenantAuditKey(id))).toBe(0);
    expect(await redis.exists(keys.tenant(id))).toBe(0);

    // A new tenant under the same id: the admin key reads nothing of it without a view opened for it.
    await createTenant(a.url, id, 'enterprise');
    const read = await fetch(`${a.url}/api/v1/metrics/realtime`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-pulse-view-tenant': id },
    });
    expect(read.status).toBe(403);
  }, 60_000);
});
