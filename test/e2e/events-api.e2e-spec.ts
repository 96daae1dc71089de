import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKeys } from '../../src/events/event-keys.js';
import { SubscriptionsRepository } from '../../src/events/subscriptions.repository.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
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

/** A public address written as a literal: saved without a DNS answer (nothing is sent to it here). */
const PUBLIC_URL = 'https://93.184.216.34/pulse-events';
const PATH = '/api/v1/events/subscriptions';

/** The event subscriptions' REST surface on real Redis: tiers, validation, secrets, bounds, erasure. */
describe('event subscriptions API (real NATS and Redis)', () => {
  const options = testOptions();
  const keys = new EventKeys(options.redis.keyPrefix);
  let pulse: RunningPulse;
  let redis: Redis;
  let pro: CreatedTenant;

  const call = (t: CreatedTenant, method: string, path: string, body?: unknown) =>
    request(pulse.url, method, path, { key: t.apiKey, body });

  async function tenant(tier: 'basic' | 'professional' | 'enterprise'): Promise<CreatedTenant> {
    const t = await createTenant(pulse.url, uniqueTenantId(`evapi-${tier}`), tier);
    await waitFor(async () => pulse.app.get(TenantDirectory).get(t.id), Boolean);
    return t;
  }

  beforeAll(async () => {
    pulse = await startPulse(options);
    redis = new Redis(SHARED_REDIS);
    pro = await tenant('professional');
  });

  afterAll(async () => {
    await pulse?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('is professional and up; a type above the tier is a 403 naming the tier that has it', async () => {
    const basic = await tenant('basic');
    const refused = await call(basic, 'GET', PATH);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'TIER_REQUIRED', requiredTier: 'professional' });
    const anomalies = await call(pro, 'POST', PATH, { url: PUBLIC_URL, types: ['client.online', 'anomaly.opened'] });
    expect(anomalies.status).toBe(403);
    expect(anomalies.body).toMatchObject({
      code: 'TIER_REQUIRED',
      requiredTier: 'enterprise',
      currentTier: 'professional',
    });
    const types = await call(pro, 'GET', '/api/v1/events/types');
    expect(types.status).toBe(200);
    expect(types.body.types).toContainEqual({ type: 'anomaly.opened', requiredTier: 'enterprise', entitled: false });
    expect(types.body.types).toContainEqual({ type: 'client.offline', requiredTier: 'professional', entitled: true });
  });

  it('refuses bad input with a 400 naming the field; plain http and private targets are refused', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'http://93.184.216.34/x', types: ['client.online'] }, /url must be https/],
      [{ url: 'https://127.0.0.1/x', types: ['client.online'] }, /url resolves to a private/],
      [{ url: 'https://10.1.2.3/x', types: ['client.online'] }, /url resolves to a private/],
      [{ url: 'https://user:pw@93.184.216.34/x', types: ['client.online'] }, /url must not carry credentials/],
      [{ url: `https://93.184.216.34/${'a'.repeat(2100)}`, types: ['client.online'] }, /url must be at most 2048/],
      [{ url: PUBLIC_URL, types: [] }, /types must be a list/],
      [{ url: PUBLIC_URL, types: ['client.online', 'client.online'] }, /types must be a list/],
      [{ url: PUBLIC_URL, types: ['client.exploded'] }, /types must be a list/],
      [{ url: PUBLIC_URL, types: ['client.online'], clientFilter: 'a.*' }, /clientFilter must be/],
      [{ url: PUBLIC_URL, types: ['client.online'], clientFilter: 'x'.repeat(129) }, /clientFilter must be/],
      [{ url: PUBLIC_URL, types: ['client.online'], secret: 'mine' }, /secret/],
    ];
    for (const [body, message] of cases) {
      const res = await call(pro, 'POST', PATH, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(JSON.stringify(res.body), JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
  });

  it('shows the secret once (create, rotate), masked everywhere else; updates; deletes', async () => {
    const created = await call(pro, 'POST', PATH, {
      url: `${PUBLIC_URL}?token=abc`,
      types: ['client.online', 'client.offline'],
      clientFilter: 'sensor-*',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body).toMatchObject({ secret: 'whsec_…', url: `${PUBLIC_URL}?…`, status: 'active', dropped: 0 });
    const listed = await call(pro, 'GET', PATH);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.signingSecret as string);
    expect(JSON.stringify(listed.body)).not.toContain('token=abc');
    expect((listed.body.subscriptions as { id: string }[]).map((s) => s.id)).toContain(id);

    const updated = await call(pro, 'PATCH', `${PATH}/${id}`, { types: ['client.status_changed'], clientFilter: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ types: ['client.status_changed'], clientFilter: null });
    expect((await call(pro, 'PATCH', `${PATH}/${id}`, { url: 'https://192.168.1.1/' })).status).toBe(400);
    const paused = await call(pro, 'PATCH', `${PATH}/${id}`, { paused: true });
    expect(paused.body).toMatchObject({ status: 'paused', paused: { lastError: 'paused by the tenant' } });
    expect((await call(pro, 'PATCH', `${PATH}/${id}`, { paused: false })).body).toMatchObject({ status: 'active' });

    const rotated = await call(pro, 'POST', `${PATH}/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.signingSecret).not.toBe(created.body.signingSecret);
    expect(JSON.parse((await redis.hget(keys.subscriptions(pro.id), id))!)).toMatchObject({
      secret: rotated.body.signingSecret,
    });

    expect((await call(pro, 'DELETE', `${PATH}/${id}`)).status).toBe(204);
    const gone = await call(pro, 'GET', `${PATH}/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('SUBSCRIPTION_NOT_FOUND');
    expect(await redis.exists(keys.cursor(pro.id, id), keys.log(pro.id, id))).toBe(0);
  });

  it('holds at most 10 subscriptions per tenant (409), concurrent creates included', async () => {
    const t = await tenant('professional');
    const answers = await Promise.all(
      Array.from({ length: 14 }, () => call(t, 'POST', PATH, { url: PUBLIC_URL, types: ['client.online'] })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused).toHaveLength(4);
    expect(refused[0].body.code).toBe('LIMIT_REACHED');
    expect(await redis.hlen(keys.subscriptions(t.id))).toBe(10);
  });

  it('replays within the retention only; the log starts empty', async () => {
    const created = await call(pro, 'POST', PATH, { url: PUBLIC_URL, types: ['client.online'] });
    const id = created.body.id as string;
    const old = await call(pro, 'POST', `${PATH}/${id}/replay`, {
      from: new Date(Date.now() - 25 * 3_600_000).toISOString(),
    });
    expect(old.status).toBe(403);
    expect(old.body.code).toBe('RETENTION_EXCEEDED');
    expect((await call(pro, 'POST', `${PATH}/${id}/replay`, { from: 'yesterday' })).status).toBe(400);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const ok = await call(pro, 'POST', `${PATH}/${id}/replay`, { from });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ subscriptionId: id, from });
    expect((await call(pro, 'GET', `${PATH}/${id}/deliveries?limit=5`)).body).toEqual({ deliveries: [] });
    expect((await call(pro, 'GET', `${PATH}/nope/deliveries`)).status).toBe(404);
  });

  it('a replay leaves a lease in flight alone (applied when the lease is next taken) and is throttled per subscription', async () => {
    const created = await call(pro, 'POST', PATH, { url: PUBLIC_URL, types: ['client.online'] });
    const id = created.body.id as string;
    const state = keys.cursor(pro.id, id);
    const cursorBefore = await redis.hget(state, 'cursor');
    // Another instance's batch is in flight: its lease must survive the replay.
    await redis.set(keys.lease(pro.id, id), 'in-flight', 'PX', 60_000);
    const fromMs = Date.now() - 3_600_000;
    const ok = await call(pro, 'POST', `${PATH}/${id}/replay`, { from: new Date(fromMs).toISOString() });
    expect(ok.status).toBe(200);
    expect(await redis.get(keys.lease(pro.id, id))).toBe('in-flight');
    expect(await redis.hget(state, 'cursor')).toBe(cursorBefore);

    // A second replay within the interval: 429 saying when to try again.
    const again = await call(pro, 'POST', `${PATH}/${id}/replay`, { from: new Date(fromMs).toISOString() });
    expect(again.status).toBe(429);
    expect(again.body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(again.body.retryAfter).toBe(retryAfter);

    // The holder's batch ends (lease released): the next lease moves the cursor back to the replay.
    await redis.del(keys.lease(pro.id, id));
    await redis.zadd(keys.due(), 0, pro.id);
    const cursor = await waitFor(
      () => redis.hget(state, 'cursor'),
      (c) => c !== cursorBefore,
    );
    expect(cursor).toBe(`${fromMs - 1}-18446744073709551615`);
  });

  it("a DELETE between a PATCH's save and its pause (or resume) write leaves no state behind (404)", async () => {
    const t = await tenant('professional');
    const repository = pulse.app.get(SubscriptionsRepository);
    const save = repository.save.bind(repository);
    try {
      for (const paused of [true, false]) {
        const created = await call(t, 'POST', PATH, { url: PUBLIC_URL, types: ['client.online'] });
        expect(created.status).toBe(201);
        const id = (created.body as { id: string }).id;
        // The DELETE lands just after the save.
        repository.save = async (tenantId, s) => {
          const reply = await save(tenantId, s);
          expect((await call(t, 'DELETE', `${PATH}/${id}`)).status).toBe(204);
          return reply;
        };
        const res = await call(t, 'PATCH', `${PATH}/${id}`, { paused });
        repository.save = save;
        expect(res.status, `paused: ${paused}`).toBe(404);
        expect(await redis.exists(keys.cursor(t.id, id)), `paused: ${paused}`).toBe(0);
      }
    } finally {
      repository.save = save;
    }
  });

  it('the tenant export lists subscriptions without secrets; the erasure removes every key', async () => {
    const t = await tenant('enterprise');
    const created = await call(t, 'POST', PATH, { url: PUBLIC_URL, types: ['anomaly.opened'] });
    expect(created.status).toBe(201);
    const res = await fetch(`${pulse.url}/api/v1/admin/tenants/${t.id}/export`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { id?: string } });
    expect(lines.filter((l) => l.type === 'eventSubscription').map((l) => l.data.id)).toEqual([created.body.id]);
    expect(JSON.stringify(lines)).not.toContain(created.body.signingSecret as string);
    expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.id}`, { key: ADMIN_KEY })).status).toBe(200);
    const [, left] = await redis.scan('0', 'MATCH', `${keys.shared.tenantScope(t.id)}*`, 'COUNT', 10_000);
    expect(left).toEqual([]);
  });
});
