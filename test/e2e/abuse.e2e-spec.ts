import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import { dayOf } from '../../src/common/time.js';
import { MAX_STORED_SUBJECT_CHARS } from '../../src/common/stored-subject.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { publisher, publishMany } from '../support/traffic.js';
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

/** Abuse: other tenants' ids, random input, oversized bodies. No answer may be a 500. */
describe('abuse (real NATS and Redis)', () => {
  const options = testOptions({ alerting: { allowPrivateTargets: true } });
  let pulse: RunningPulse;
  let a: CreatedTenant;
  let b: CreatedTenant;
  const bIds: Record<string, string> = {};

  beforeAll(async () => {
    pulse = await startPulse(options);
    a = await createTenant(pulse.url, uniqueTenantId('bola-a'), 'enterprise');
    b = await createTenant(pulse.url, uniqueTenantId('bola-b'), 'enterprise');
    const channel = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: b.apiKey,
      body: { type: 'webhook', name: 'b', config: { url: 'http://127.0.0.1:9/hook' } },
    });
    bIds.channel = channel.body.id;
    const rule = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/alerts/rules', {
      key: b.apiKey,
      body: { name: 'b', metric: 'online_clients', operator: 'lt', threshold: 1, forSeconds: 0, severity: 'info' },
    });
    bIds.rule = rule.body.id;
    const silence = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/alerts/silences', {
      key: b.apiKey,
      body: { matcher: { ruleId: bIds.rule }, until: new Date(Date.now() + 60_000).toISOString() },
    });
    bIds.silence = silence.body.id;
  });

  afterAll(async () => {
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it("BOLA: every tenant route with another tenant's ids answers 404 and changes nothing", async () => {
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/v1/alerts/channels/${bIds.channel}`],
      ['PATCH', `/api/v1/alerts/channels/${bIds.channel}`, { name: 'mine now' }],
      ['DELETE', `/api/v1/alerts/channels/${bIds.channel}`],
      ['POST', `/api/v1/alerts/channels/${bIds.channel}/test`],
      ['GET', `/api/v1/alerts/rules/${bIds.rule}`],
      ['PATCH', `/api/v1/alerts/rules/${bIds.rule}`, { threshold: 5 }],
      ['DELETE', `/api/v1/alerts/rules/${bIds.rule}`],
      ['DELETE', `/api/v1/alerts/silences/${bIds.silence}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await request(pulse.url, method, path, { key: a.apiKey, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    // B's objects are untouched.
    expect(
      (await request<{ name: string }>(pulse.url, 'GET', `/api/v1/alerts/channels/${bIds.channel}`, { key: b.apiKey }))
        .body.name,
    ).toBe('b');
    expect(
      (await request<{ threshold: number }>(pulse.url, 'GET', `/api/v1/alerts/rules/${bIds.rule}`, { key: b.apiKey }))
        .body.threshold,
    ).toBe(1);
    // Lists never show the other tenant's objects; admin routes refuse tenant keys.
    expect(
      JSON.stringify((await request(pulse.url, 'GET', '/api/v1/alerts/channels', { key: a.apiKey })).body),
    ).not.toContain(bIds.channel);
    expect((await request(pulse.url, 'GET', `/api/v1/admin/tenants/${b.id}`, { key: a.apiKey })).status).toBe(401);
    // No parameter can name a tenant.
    expect(
      (await request(pulse.url, 'GET', `/api/v1/metrics/realtime?tenantId=${b.id}`, { key: a.apiKey })).status,
    ).toBe(400);
  });

  it('oversized bodies are 413, not 500', async () => {
    const res = await request(pulse.url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN_KEY,
      rawBody: JSON.stringify({ id: 'x', name: 'y'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a JSON body nested deeper than the bound is a 400 before it is parsed', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const res = await request(pulse.url, 'POST', '/api/v1/alerts/rules', { key: a.apiKey, rawBody: deep });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('nested') });
    const objects = `{"name":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    const res2 = await request(pulse.url, 'POST', '/api/v1/alerts/rules', { key: a.apiKey, rawBody: objects });
    expect(res2.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('nested') });
    expect(res.body.code).toBe('MALFORMED_BODY');
    expect(res2.body.code).toBe('MALFORMED_BODY');
  });

  it('random queries on every tenant route never produce a 500', async () => {
    const routes = [
      '/metrics/realtime',
      '/metrics/presence',
      '/metrics/analytics',
      '/metrics/anomalies',
      '/metrics/export',
      '/metrics/health-check',
      '/alerts',
      '/alerts/deliveries',
      '/metrics/connections',
      '/audit',
    ];
    const key = fc.oneof(
      fc.constantFrom(
        'period',
        'hours',
        'limit',
        'cursor',
        'status',
        'online',
        'resolution',
        'format',
        'type',
        'tenantId',
        'state',
        'from',
        'to',
        'action',
      ),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.constantFrom('1h', '30d', '720', '-1', '1e9', 'true', '[]', '%00', '💥', 'x'.repeat(2000)),
      // Stream ids and positions at their edges (cursor, from, to).
      fc.constantFrom('0-0', '00-000', '0-1', '9999999999999999-9999999999999999', '1970-01-01T00:00:00Z'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.dictionary(key, value, { maxKeys: 4 }), async (route, params) => {
        const query = new URLSearchParams(params).toString();
        const res = await fetch(`${pulse.url}/api/v1${route}${query ? `?${query}` : ''}`, {
          headers: { authorization: `Bearer ${a.apiKey}` },
        });
        await res.arrayBuffer();
        expect(res.status, `${route}?${query}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });

  it('cursors at their edges (stream ids 0-0 and the largest, presence and tenant cursors) answer a page or a 400, never a 500', async () => {
    const empty = { entries: [], nextCursor: null };
    // Nothing lies before the first stream id: an empty page (not Redis' "invalid end ID").
    for (const [path, k] of [
      ['/api/v1/audit?cursor=0-0', a.apiKey],
      ['/api/v1/audit?cursor=0000-00', a.apiKey],
      ['/api/v1/audit?cursor=0-0&from=1970-01-01T00:00:00Z&action=channel.create', a.apiKey],
      ['/api/v1/audit?cursor=0-1', a.apiKey],
      ['/api/v1/admin/audit?cursor=0-0', ADMIN_KEY],
      [`/api/v1/admin/audit?cursor=0-0&tenantId=${a.id}`, ADMIN_KEY],
      ['/api/v1/admin/audit?cursor=0-0&tenantId=gone-long-ago', ADMIN_KEY],
      // A cursor newer than `to` does not widen the query (b has entries, all after 1970).
      ['/api/v1/audit?cursor=9999999999999999-0&to=1970-01-01T00:00:00.000Z', b.apiKey],
      [`/api/v1/admin/audit?cursor=9999999999999999-0&to=1970-01-01T00:00:00.000Z&tenantId=${b.id}`, ADMIN_KEY],
    ] as const) {
      const res = await request(pulse.url, 'GET', path, { key: k });
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual(empty);
    }
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
    const pages: [string, string][] = [
      ['/api/v1/audit?cursor=9999999999999999-9999999999999999', a.apiKey],
      ['/api/v1/admin/audit?cursor=9999999999999999-9999999999999999', ADMIN_KEY],
      ['/api/v1/audit?cursor=1-0&to=1970-01-01T00:00:00.000Z', a.apiKey],
      [`/api/v1/metrics/presence?cursor=${b64('c:-')}`, a.apiKey],
      [`/api/v1/metrics/presence?cursor=${b64(`c:${'z'.repeat(64)}`)}&online=true`, a.apiKey],
      ['/api/v1/metrics/connections?state=closed', a.apiKey],
      ['/api/v1/admin/tenants?cursor=-', ADMIN_KEY],
      [`/api/v1/admin/tenants?cursor=${'z'.repeat(64)}`, ADMIN_KEY],
      ['/api/v1/admin/overview?cursor=_', ADMIN_KEY],
      ['/api/v1/alerts?hours=720&limit=1000', a.apiKey],
      ['/api/v1/alerts/deliveries?hours=1&limit=1', a.apiKey],
    ];
    for (const [path, k] of pages) {
      const res = await request(pulse.url, 'GET', path, { key: k });
      expect(res.status, path).toBe(200);
    }
    // Out of range or not ours: a 400 that names the parameter.
    for (const path of [
      '/api/v1/audit?cursor=18446744073709551616-0',
      '/api/v1/audit?cursor=-1-0',
      '/api/v1/audit?cursor=(0-1',
      '/api/v1/audit?cursor=0-0&cursor=0-1',
      `/api/v1/metrics/presence?cursor=${b64('c:')}`,
      `/api/v1/metrics/presence?cursor=${b64('c:(x')}`,
    ]) {
      const res = await request(pulse.url, 'GET', path, { key: a.apiKey });
      expect(res.status, path).toBe(400);
      expect(JSON.stringify(res.body), path).toContain('cursor');
    }
  });

  it('random bodies and headers on write routes never produce a 500', async () => {
    const targets: [string, string, string][] = [
      ['POST', '/api/v1/admin/tenants', ADMIN_KEY],
      ['PATCH', `/api/v1/admin/tenants/${a.id}`, ADMIN_KEY],
      ['POST', '/api/v1/alerts/channels', a.apiKey],
      ['POST', '/api/v1/alerts/rules', a.apiKey],
      ['POST', '/api/v1/alerts/silences', a.apiKey],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 300 }),
        ),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16'),
        async ([method, path, k], body, type) => {
          const res = await fetch(`${pulse.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${k}`, 'content-type': type },
            body,
          });
          await res.arrayBuffer();
          expect(res.status, `${method} ${path} ${body.slice(0, 80)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    // Whatever was created by the fuzzing (tenant ids are random) stays inside this run's prefix.
  });

  it('a flood of made-up tenant ids (traffic and heartbeats) creates no state', async () => {
    const nc = await publisher();
    try {
      const tenantsBefore = pulse.app.get(TrafficAggregator).stats().tenants;
      const ghosts = Array.from({ length: 500 }, (_, i) => `ghost-${i}-${Date.now()}`);
      for (const [i, g] of ghosts.entries()) {
        nc.publish(`tenant.${g}.x.${i}`, new Uint8Array(10));
        sendHeartbeat(nc, g, 'c1');
      }
      await nc.flush();
      const service = pulse.app.get(HeartbeatService);
      await waitFor(
        async () => service.stats().rejected.unknown_tenant ?? 0,
        (n) => n >= 500,
      );
      expect(service.stats().rejected.unknown_tenant).toBeGreaterThanOrEqual(500);
      expect(pulse.app.get(TrafficAggregator).stats().tenants).toBe(tenantsBefore);
      const redis = new Redis(SHARED_REDIS);
      try {
        const [, keys] = await redis.scan('0', 'MATCH', `${options.redis.keyPrefix}:{t:ghost-*`, 'COUNT', 100_000);
        expect(keys).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await nc.close();
    }
  });

  it('subjects of any length are stored bounded: a 4 KB subject as its first characters and a hash', async () => {
    const nc = await publisher();
    const redis = new Redis(SHARED_REDIS);
    try {
      const long = (i: number) => `tenant.${a.id}.${'s'.repeat(4000)}.${i}`;
      await publishMany(nc, 30, (i) => long(i % 3));
      const historyKeys = new HistoryKeys(options.redis.keyPrefix);
      const day = dayOf(Date.now());
      const ranked = await waitFor(
        () => redis.zrange(historyKeys.subjectMessages(a.id, day), '0', '-1', 'WITHSCORES'),
        (m) => m.length >= 6 && m.filter((_, i) => i % 2 === 1).every((n) => n === '10'),
      );
      const members = ranked.filter((_, i) => i % 2 === 0);
      expect(members).toHaveLength(3);
      for (const m of members) {
        expect(m.length).toBeLessThanOrEqual(MAX_STORED_SUBJECT_CHARS);
        expect(m.startsWith(`tenant.${a.id}.sss`)).toBe(true);
      }
      const bytes = await redis.hgetall(historyKeys.subjectBytes(a.id, day));
      expect(Object.keys(bytes).sort()).toEqual([...members].sort());
    } finally {
      redis.disconnect();
      await nc.close();
    }
  });

  it('unicode and huge headers are refused cleanly', async () => {
    const huge = await fetch(`${pulse.url}/api/v1/metrics/realtime`, {
      headers: { authorization: `Bearer pk_${'a'.repeat(10_000)}` },
    });
    expect(huge.status).toBe(401);
    const odd = await fetch(`${pulse.url}/api/v1/metrics/realtime`, {
      headers: { authorization: 'Bearer pk_\u00e9\u00e8' },
    });
    expect(odd.status).toBeLessThan(500);
  });

  it('a body in a charset Pulse does not read is a 415 whose body carries a code too', async () => {
    const res = await fetch(`${pulse.url}/api/v1/alerts/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json; charset=latin1' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      statusCode: 415,
      error: 'Unsupported Media Type',
      code: 'REQUEST_REJECTED',
    });
  });
});
