import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  uniqueTenantId,
} from '../support/pulse-app.js';

type TierName = 'basic' | 'professional' | 'enterprise';

describe('access control (real NATS and Redis)', () => {
  let pulse: RunningPulse;
  const tenants = {} as Record<TierName, CreatedTenant>;

  beforeAll(async () => {
    pulse = await startPulse();
    for (const tier of ['basic', 'professional', 'enterprise'] as const) {
      tenants[tier] = await createTenant(pulse.url, uniqueTenantId(tier), tier);
    }
  });

  afterAll(async () => {
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  const get = (path: string, key?: string) => request(pulse.url, 'GET', path, { key });

  describe('keys', () => {
    it('401 without a key, with a malformed header, with an unknown key', async () => {
      for (const key of [undefined, 'pk_doesnotexist000000000000000000', 'not-a-pulse-key']) {
        const res = await get('/api/v1/metrics/realtime', key);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        expect(typeof res.body.message).toBe('string');
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }
      const basicAuth = await fetch(`${pulse.url}/api/v1/metrics/realtime`, {
        headers: { authorization: 'Basic abc' },
      });
      expect(basicAuth.status).toBe(401);
    });

    it('401 when the admin key is used as a tenant key, and a tenant key on admin routes', async () => {
      const asTenant = await get('/api/v1/metrics/realtime', ADMIN_KEY);
      expect(asTenant.status).toBe(401);
      expect(asTenant.body.message).toMatch(/admin/i);
      const asAdmin = await get('/api/v1/admin/tenants', tenants.enterprise.apiKey);
      expect(asAdmin.status).toBe(401);
    });

    it('stores only the SHA-256 of keys and never returns a key again', async () => {
      const { body } = await get(`/api/v1/admin/tenants/${tenants.basic.id}`, ADMIN_KEY);
      expect(JSON.stringify(body)).not.toContain(tenants.basic.apiKey);
      expect(tenants.basic.apiKey).toMatch(/^pk_[A-Za-z0-9_-]{32,}$/);
      expect(body.apiKeys).toEqual([{ keyId: tenants.basic.keyId, createdAt: expect.any(String) }]);
    });

    it('a second key works, a revoked key stops at once', async () => {
      const issued = await request<{ keyId: string; apiKey: string }>(
        pulse.url,
        'POST',
        `/api/v1/admin/tenants/${tenants.basic.id}/api-keys`,
        { key: ADMIN_KEY },
      );
      expect(issued.status).toBe(201);
      expect((await get('/api/v1/metrics/realtime', issued.body.apiKey)).status).toBe(200);
      const revoked = await request(
        pulse.url,
        'DELETE',
        `/api/v1/admin/tenants/${tenants.basic.id}/api-keys/${issued.body.keyId}`,
        { key: ADMIN_KEY },
      );
      expect(revoked.status).toBe(204);
      expect((await get('/api/v1/metrics/realtime', issued.body.apiKey)).status).toBe(401);
      expect((await get('/api/v1/metrics/realtime', tenants.basic.apiKey)).status).toBe(200);
      const again = await request(
        pulse.url,
        'DELETE',
        `/api/v1/admin/tenants/${tenants.basic.id}/api-keys/${issued.body.keyId}`,
        { key: ADMIN_KEY },
      );
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('API_KEY_NOT_FOUND');
    });

    it('a disabled tenant is refused at once and works again when re-enabled; a deleted one is gone', async () => {
      const t = await createTenant(pulse.url, uniqueTenantId('lifecycle'), 'professional');
      const patch = (status: string) =>
        request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, { key: ADMIN_KEY, body: { status } });
      expect((await patch('disabled')).status).toBe(200);
      expect((await get('/api/v1/metrics/realtime', t.apiKey)).status).toBe(401);
      expect((await patch('active')).status).toBe(200);
      expect((await get('/api/v1/metrics/realtime', t.apiKey)).status).toBe(200);
      expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.id}`, { key: ADMIN_KEY })).status).toBe(
        200,
      );
      expect((await get('/api/v1/metrics/realtime', t.apiKey)).status).toBe(401);
      expect((await get(`/api/v1/admin/tenants/${t.id}`, ADMIN_KEY)).status).toBe(404);
      expect((await get(`/api/v1/admin/tenants/${t.id}`, ADMIN_KEY)).body.code).toBe('TENANT_NOT_FOUND');
    });
  });

  describe('tier matrix', () => {
    const matrix: [string, Record<TierName, number>, string?][] = [
      ['/api/v1/metrics/realtime', { basic: 200, professional: 200, enterprise: 200 }],
      ['/api/v1/metrics/presence', { basic: 200, professional: 200, enterprise: 200 }],
      ['/api/v1/metrics/health-check', { basic: 200, professional: 200, enterprise: 200 }],
      ['/api/v1/metrics/analytics?period=1h', { basic: 403, professional: 200, enterprise: 200 }, 'professional'],
      ['/api/v1/metrics/analytics?period=7d', { basic: 403, professional: 200, enterprise: 200 }, 'professional'],
      ['/api/v1/metrics/analytics?period=30d', { basic: 403, professional: 403, enterprise: 200 }],
      ['/api/v1/metrics/anomalies?hours=24', { basic: 403, professional: 403, enterprise: 200 }, 'enterprise'],
    ];
    for (const [path, expected] of matrix) {
      it(`GET ${path}`, async () => {
        for (const tier of ['basic', 'professional', 'enterprise'] as const) {
          const res = await get(path, tenants[tier].apiKey);
          expect(res.status, `${tier} on ${path}`).toBe(expected[tier]);
          if (res.status === 403) {
            expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden', currentTier: tier });
            expect(['professional', 'enterprise']).toContain(res.body.requiredTier);
            expect(res.body.message).toContain(String(res.body.requiredTier));
            expect(res.body.code).toBe('TIER_REQUIRED');
          }
        }
      });
    }

    it('30d for professional names enterprise as the tier required', async () => {
      const res = await get('/api/v1/metrics/analytics?period=30d', tenants.professional.apiKey);
      expect(res.body).toMatchObject({ requiredTier: 'enterprise', currentTier: 'professional' });
    });

    it('realtime fields follow the tier; absent, not null', async () => {
      const fields = async (tier: TierName) =>
        Object.keys((await get('/api/v1/metrics/realtime', tenants[tier].apiKey)).body).sort();
      const common = ['bytes', 'clients', 'generatedAt', 'messages', 'tenantId', 'tier'];
      const pro = [...common, 'latencyMs', 'subjects', 'throughput'];
      expect(await fields('basic')).toEqual(common.sort());
      expect(await fields('professional')).toEqual(pro.sort());
      expect(await fields('enterprise')).toEqual([...pro, 'anomalies', 'custom', 'errorRate'].sort());
    });

    it('presence: counts for basic, a client list from professional', async () => {
      const basic = (await get('/api/v1/metrics/presence', tenants.basic.apiKey)).body;
      expect(basic.summary).toEqual({ online: 0, healthy: 0, degraded: 0, unhealthy: 0, offline: 0, total: 0 });
      expect(basic).not.toHaveProperty('clients');
      const pro = (await get('/api/v1/metrics/presence', tenants.professional.apiKey)).body;
      expect(pro.clients).toEqual([]);
    });
  });

  describe('bad input', () => {
    const badQueries: [string, string][] = [
      ['/api/v1/metrics/analytics?period=2d', 'period'],
      ['/api/v1/metrics/analytics?period=', 'period'],
      ['/api/v1/metrics/anomalies?hours=0', 'hours'],
      ['/api/v1/metrics/anomalies?hours=721', 'hours'],
      ['/api/v1/metrics/anomalies?hours=abc', 'hours'],
      ['/api/v1/metrics/anomalies?hours=1.5', 'hours'],
      ['/api/v1/metrics/realtime?tenantId=other', 'tenantId'],
      ['/api/v1/metrics/presence?limit=5000', 'limit'],
      ['/api/v1/metrics/presence?status=sleepy', 'status'],
    ];
    for (const [path, field] of badQueries) {
      it(`400 naming ${field}: ${path}`, async () => {
        const res = await get(path, tenants.enterprise.apiKey);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(res.body.message).toContain(field);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      });
    }

    it('admin bodies: invalid id, tier, plan, unknown fields, malformed JSON → 400; duplicate id → 409', async () => {
      const post = (body: unknown, rawBody?: string) =>
        request(pulse.url, 'POST', '/api/v1/admin/tenants', { key: ADMIN_KEY, body, rawBody });
      const cases: [unknown, string][] = [
        [{ id: 'has space' }, 'id'],
        [{ id: 'x'.repeat(65) }, 'id'],
        [{ id: uniqueTenantId('t'), tier: 'gold' }, 'tier'],
        [{ id: uniqueTenantId('t'), plan: 'platinum' }, 'plan'],
        [{ id: uniqueTenantId('t'), extra: 1 }, 'extra'],
        [{}, 'id'],
      ];
      for (const [body, field] of cases) {
        const res = await post(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.message).toContain(field);
        expect(res.body.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
      }
      const malformed = await post(undefined, '{"id": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(malformed.body.code).toBe('MALFORMED_BODY');
      const duplicate = await post({ id: tenants.basic.id });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(duplicate.body.code).toBe('TENANT_EXISTS');
    });

    it('plan maps to a tier; PATCH changes tier and plan; 400 for a bad status', async () => {
      const id = uniqueTenantId('plan');
      const created = await request(pulse.url, 'POST', '/api/v1/admin/tenants', {
        key: ADMIN_KEY,
        body: { id, plan: 'pro' },
      });
      expect(created.body).toMatchObject({ id, tier: 'professional', plan: 'pro', status: 'active' });
      const patched = await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, {
        key: ADMIN_KEY,
        body: { plan: 'enterprise', name: 'Big' },
      });
      expect(patched.body).toMatchObject({ tier: 'enterprise', plan: 'enterprise', name: 'Big' });
      const bad = await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, {
        key: ADMIN_KEY,
        body: { status: 'paused' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('status');
      const badParam = await request(pulse.url, 'GET', '/api/v1/admin/tenants/not%20valid', { key: ADMIN_KEY });
      expect(badParam.status).toBe(400);
    });

    it('plans named like Object.prototype members are unknown plans (400), and the tenant is untouched', async () => {
      for (const plan of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
        const id = uniqueTenantId('proto');
        const created = await request(pulse.url, 'POST', '/api/v1/admin/tenants', {
          key: ADMIN_KEY,
          body: { id, plan },
        });
        expect(created.status, plan).toBe(400);
        expect(created.body.message).toContain('plan must be one of');
        expect((await request(pulse.url, 'GET', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY })).status).toBe(404);
        const patched = await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${tenants.professional.id}`, {
          key: ADMIN_KEY,
          body: { plan },
        });
        expect(patched.status, plan).toBe(400);
      }
      const still = await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: tenants.professional.apiKey });
      expect(still.status).toBe(200);
      expect(still.body).toMatchObject({ tier: 'professional' });
    });

    it('lists tenants with cursor pagination', async () => {
      const first = await request<{ tenants: { id: string }[]; nextCursor: string }>(
        pulse.url,
        'GET',
        '/api/v1/admin/tenants?limit=2',
        { key: ADMIN_KEY },
      );
      expect(first.body.tenants).toHaveLength(2);
      const rest = await request<{ tenants: { id: string }[] }>(
        pulse.url,
        'GET',
        `/api/v1/admin/tenants?limit=1000&cursor=${first.body.nextCursor}`,
        { key: ADMIN_KEY },
      );
      const all = [...first.body.tenants, ...rest.body.tenants].map((t) => t.id);
      expect(new Set(all).size).toBe(all.length);
      for (const t of Object.values(tenants)) expect(all).toContain(t.id);
    });
  });

  it('every response carries a request id; errors never leak internals', async () => {
    const res = await get('/api/v1/metrics/realtime', tenants.basic.apiKey);
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    const notFound = await get('/api/v1/nope', tenants.basic.apiKey);
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(notFound.body.code).toBe('ROUTE_NOT_FOUND');
  });
});
