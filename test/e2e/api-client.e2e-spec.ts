import type { NatsConnection } from '@nats-io/transport-node';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createPulseApiClient } from '../../src/api-client/index.js';
import { apiClientTypes } from '../support/api-client-types.js';
import { startBuiltPulse } from '../support/built-pulse.js';
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
import { publisher, publishMany } from '../support/traffic.js';

const TYPES = resolve('src/api-client/schema.ts');

/**
 * The typed client (`pulse/api-client`): its types are generated from the OpenAPI document a
 * running Pulse serves, so a route or schema change without `npm run generate:api-client` fails
 * here (the comparison is Vitest's file snapshot: `--update` rewrites the file, which is what the
 * npm script does). Then the client is used as a tenant would: typed answers from a real Pulse.
 */
describe('typed API client (real NATS and Redis)', () => {
  let pulse: RunningPulse;
  let nc: NatsConnection;

  beforeAll(async () => {
    pulse = await startPulse(testOptions());
    nc = await publisher();
  });

  afterAll(async () => {
    await nc?.close();
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('src/api-client/schema.ts is what openapi-typescript makes of the OpenAPI document the built service serves', async () => {
    // The built service's document: the Swagger CLI plugin (nest build) gave it the request bodies.
    const built = await startBuiltPulse();
    let document: object;
    try {
      document = (await (await fetch(`${built.url}/api/docs-json`)).json()) as object;
    } finally {
      await built.stop();
    }
    // Each field's description is its own doc comment (a comment stacked on the wrong field once
    // described retentionDays as sampling).
    const fields = (
      document as { components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> } }
    ).components.schemas.CreateTenantDto.properties;
    expect(fields.retentionDays.description).toMatch(/^Days of history/);
    expect(fields.sampling.description).toContain('one message in N');
    const types = await apiClientTypes(document, TYPES);
    expect(types).toContain("'/api/v1/metrics/realtime'");
    await expect(types).toMatchFileSnapshot(TYPES);
  });

  it('creates a tenant with the admin key, reads its realtime view with its key, and gets typed errors', async () => {
    const admin = createPulseApiClient({ baseUrl: pulse.url, apiKey: ADMIN_KEY });
    const id = uniqueTenantId('typed');
    const created = await admin.POST('/api/v1/admin/tenants', { body: { id, tier: 'professional' } });
    expect(created.response.status).toBe(201);
    const apiKey = created.data?.apiKey;
    expect(apiKey).toMatch(/^pk_/);

    const tenant = createPulseApiClient({ baseUrl: pulse.url, apiKey: apiKey! });
    await publishMany(nc, 25, () => `tenant.${id}.orders`);
    const realtime = await waitFor(
      () => tenant.GET('/api/v1/metrics/realtime'),
      (r) => r.data?.messages.total === 25,
    );
    expect(realtime.data?.messages.total).toBe(25);
    expect(realtime.data?.tenantId).toBe(id);
    expectTypeOf(realtime.data!.messages.total).toEqualTypeOf<number>();

    // Query and path parameters and a body, typed (the README's examples).
    const analytics = await tenant.GET('/api/v1/metrics/analytics', { params: { query: { period: '24h' } } });
    expect(analytics.response.status).toBe(200);
    const changed = await admin.PATCH('/api/v1/admin/tenants/{id}', {
      params: { path: { id } },
      body: { tier: 'enterprise' },
    });
    expect(changed.response.status).toBe(200);
    const read = await admin.GET('/api/v1/admin/tenants/{id}', { params: { path: { id } } });
    expect(read.data?.tier).toBe('enterprise');
    const back = await admin.PATCH('/api/v1/admin/tenants/{id}', {
      params: { path: { id } },
      body: { tier: 'professional' },
    });
    expect(back.response.status).toBe(200);

    // The package exports it as pulse/api-client (the built module; npm test builds first).
    const entry = 'pulse/api-client';
    const exported = (await import(entry)) as { createPulseApiClient?: unknown };
    expect(typeof exported.createPulseApiClient).toBe('function');

    // Errors come back as the ErrorBody, with the status on the response.
    const wrongKey = createPulseApiClient({ baseUrl: pulse.url, apiKey: 'pk_not_a_key' });
    const refused = await wrongKey.GET('/api/v1/metrics/realtime');
    expect(refused.response.status).toBe(401);
    expect(refused.data).toBeUndefined();
    expect(refused.error?.statusCode).toBe(401);
    // `code` is typed (the enum of ErrorBody): a client switches on it.
    expect(refused.error?.code).toBe('UNAUTHENTICATED');
    const tierRequired = await tenant.GET('/api/v1/metrics/anomalies');
    expect(tierRequired.response.status).toBe(403);
    expect(tierRequired.error?.message).toContain('enterprise');
    expect(tierRequired.error?.code).toBe('TIER_REQUIRED');
  });
});
