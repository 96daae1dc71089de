import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingRepository } from '../../src/alerting/alerting.repository.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { AuditService } from '../../src/compliance/audit.service.js';
import { ComplianceService, type ExportRecord } from '../../src/compliance/compliance.service.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { hashApiKey } from '../../src/tenants/api-key.service.js';
import type { JetStreamHistoryPoint } from '../../src/jetstream/jetstream.types.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import {
  FakeJetStreamReader,
  lagHistory,
  laggingTenant,
  streamFigures,
  withJetStreamReader,
} from '../support/jetstream-fake.js';
import { type CreatedTenant, createTenant } from '../support/http.js';
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

interface Entry {
  id: string;
  at: string;
  actor: { type: string; keyId?: string };
  tenantId?: string;
  action: string;
  target: string | null;
  requestId: string | null;
  sourceIp: string | null;
  outcome: string;
  status: number;
  details?: Record<string, string | number>;
  erased?: boolean;
}

/** A rule and a silence as the tests create them. */
const RULE = {
  name: 'few',
  metric: 'online_clients',
  operator: 'lt',
  threshold: 3,
  forSeconds: 300,
  severity: 'warning',
};
const silenceFor1h = () => ({
  matcher: { anomalyType: 'rate_spike' },
  until: new Date(Date.now() + 3_600_000).toISOString(),
});

describe('Compliance: audit trail, export, erasure and the report (real NATS and Redis)', () => {
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  /** Every secret the tests handle: none may appear in any audit, export or report. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    pulse = await startPulse(
      testOptions({
        // Flushed by the tests themselves (AuditService.flush), so a group is never split by a timer tick.
        audit: { retentionDays: 400, flushIntervalMs: 3_600_000 },
        rollupIntervalMs: 500,
        alerting: { allowPrivateTargets: true },
      }),
    );
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
    secrets.add(ADMIN_KEY);
  });

  afterAll(async () => {
    await nc?.close();
    await pulse?.close();
    redis?.disconnect();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  let n = 0;
  /** A call with its own request id; the answer's body parsed when it is JSON. */
  async function call(method: string, path: string, key: string | null, body?: unknown) {
    const requestId = `req-${++n}-${Math.random().toString(36).slice(2, 8)}`;
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${pulse.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('application/json') && text ? JSON.parse(text) : {};
    return { status: res.status, body: json as Record<string, unknown>, text, requestId };
  }

  async function auditOf(path: string, key: string): Promise<Entry[]> {
    const entries: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        'GET',
        `${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        key,
      );
      expect(res.status, res.text).toBe(200);
      entries.push(...(res.body.entries as Entry[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return entries;
  }

  function expectNoSecret(what: string, text: string) {
    for (const s of secrets) expect(text.includes(s), `${what} contains a secret (${s.slice(0, 6)}…)`).toBe(false);
  }

  it('each write appears once with its actor, request id and outcome; a tenant key reads only its own trail', async () => {
    const created = await call('POST', '/api/v1/admin/tenants', ADMIN_KEY, {
      id: uniqueTenantId('au'),
      tier: 'enterprise',
    });
    expect(created.status).toBe(201);
    const t = created.body as unknown as CreatedTenant;
    secrets.add(t.apiKey);
    const other = await createTenant(pulse.url, uniqueTenantId('au-other'), 'enterprise');
    secrets.add(other.apiKey);
    const key = t.apiKey;
    const expected: { requestId: string; action: string; actor: string; status: number; target?: string }[] = [];
    const expectEntry = (
      r: { requestId: string; status: number },
      action: string,
      actor: 'admin' | 'tenant',
      status: number,
      target?: string,
    ) => {
      expect(r.status, `${action}`).toBe(status);
      expected.push({ requestId: r.requestId, action, actor, status, target });
    };
    expected.push({
      requestId: created.requestId,
      action: 'tenant.create',
      actor: 'admin',
      status: 201,
      target: `tenant:${t.id}`,
    });

    const issued = await call('POST', `/api/v1/admin/tenants/${t.id}/api-keys`, ADMIN_KEY);
    secrets.add(issued.body.apiKey as string);
    expectEntry(issued, 'apikey.issue', 'admin', 201, `apikey:${issued.body.keyId as string}`);
    expectEntry(
      await call('PATCH', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY, { name: 'Audited' }),
      'tenant.update',
      'admin',
      200,
    );
    expectEntry(
      await call('PATCH', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY, { tier: 'platinum' }),
      'tenant.update',
      'admin',
      400,
    );
    expectEntry(
      await call('DELETE', `/api/v1/admin/tenants/${t.id}/api-keys/${issued.body.keyId as string}`, ADMIN_KEY),
      'apikey.revoke',
      'admin',
      204,
      `apikey:${issued.body.keyId as string}`,
    );

    const slackUrl = 'https://hooks.slack.com/services/T000/B000/SLACKTOKENsecret123';
    secrets.add('SLACKTOKENsecret123');
    const slack = await call('POST', '/api/v1/alerts/channels', key, {
      type: 'slack',
      name: 's',
      config: { webhookUrl: slackUrl },
    });
    expectEntry(slack, 'channel.create', 'tenant', 201, `channel:${slack.body.id as string}`);
    secrets.add('pdroutingKey0123456789');
    expectEntry(
      await call('POST', '/api/v1/alerts/channels', key, {
        type: 'pagerduty',
        name: 'p',
        config: { routingKey: 'pdroutingKey0123456789' },
      }),
      'channel.create',
      'tenant',
      201,
    );
    const hook = await call('POST', '/api/v1/alerts/channels', key, {
      type: 'webhook',
      name: 'w',
      config: { url: 'http://127.0.0.1:9/hook/WEBHOOKPATHsecret' },
    });
    secrets.add('WEBHOOKPATHsecret');
    secrets.add(hook.body.signingSecret as string);
    expectEntry(hook, 'channel.create', 'tenant', 201);
    const hookId = hook.body.id as string;
    expectEntry(
      await call('PATCH', `/api/v1/alerts/channels/${hookId}`, key, { name: 'w2' }),
      'channel.update',
      'tenant',
      200,
    );
    expectEntry(await call('POST', `/api/v1/alerts/channels/${hookId}/test`, key), 'channel.test', 'tenant', 200);
    const rule = await call('POST', '/api/v1/alerts/rules', key, RULE);
    expectEntry(rule, 'rule.create', 'tenant', 201, `rule:${rule.body.id as string}`);
    expectEntry(await call('POST', '/api/v1/alerts/rules', key, { name: 'x' }), 'rule.create', 'tenant', 400);
    expectEntry(
      await call('PATCH', `/api/v1/alerts/rules/${rule.body.id as string}`, key, { threshold: 4 }),
      'rule.update',
      'tenant',
      200,
    );
    expectEntry(
      await call('DELETE', `/api/v1/alerts/rules/${rule.body.id as string}`, key),
      'rule.delete',
      'tenant',
      204,
    );
    expectEntry(await call('DELETE', '/api/v1/alerts/rules/ru_00000000', key), 'rule.delete', 'tenant', 404);
    const silence = await call('POST', '/api/v1/alerts/silences', key, silenceFor1h());
    expectEntry(silence, 'silence.create', 'tenant', 201);
    expectEntry(
      await call('DELETE', `/api/v1/alerts/silences/${silence.body.id as string}`, key),
      'silence.delete',
      'tenant',
      204,
    );
    const metric = await call('POST', '/api/v1/metrics/custom', key, {
      name: 'order value',
      subject: 'orders.created',
      source: 'json',
      field: 'amount',
      aggregation: 'sum',
    });
    expectEntry(metric, 'custom_metric.create', 'tenant', 201);
    expectEntry(
      await call('PATCH', `/api/v1/metrics/custom/${metric.body.id as string}`, key, { unit: 'EUR' }),
      'custom_metric.update',
      'tenant',
      200,
    );
    expectEntry(
      await call('DELETE', `/api/v1/metrics/custom/${metric.body.id as string}`, key),
      'custom_metric.delete',
      'tenant',
      204,
    );
    expectEntry(await call('GET', '/api/v1/metrics/export?period=1h&format=csv', key), 'metrics.export', 'tenant', 200);
    expectEntry(await call('DELETE', `/api/v1/alerts/channels/${hookId}`, key), 'channel.delete', 'tenant', 204);

    // The admin's view of the tenant, and the tenant's own: the same entries, each request once.
    const trail = await auditOf(`/api/v1/admin/audit?tenantId=${t.id}`, ADMIN_KEY);
    const own = await auditOf('/api/v1/audit', key);
    expect(own.map((e) => e.id)).toEqual(trail.map((e) => e.id));
    for (const x of expected) {
      const found = trail.filter((e) => e.requestId === x.requestId);
      expect(found, `${x.action} (${x.requestId})`).toHaveLength(1);
      const [e] = found;
      expect(e).toMatchObject({
        action: x.action,
        tenantId: t.id,
        actor: { type: x.actor },
        status: x.status,
        outcome: x.status < 400 ? 'success' : 'failure',
        sourceIp: expect.stringMatching(/127\.0\.0\.1/) as unknown,
      });
      if (x.actor === 'tenant') expect(e.actor.keyId).toBe(t.keyId);
      if (x.target) expect(e.target).toBe(x.target);
    }
    expect(trail).toHaveLength(expected.length);
    // Newest first; filters by action and time.
    expect([...trail].sort((a, b) => (a.at < b.at ? 1 : -1)).map((e) => e.at)).toEqual(trail.map((e) => e.at));
    const rules = await auditOf(`/api/v1/admin/audit?tenantId=${t.id}&action=rule.create`, ADMIN_KEY);
    expect(rules.map((e) => e.status).sort()).toEqual([201, 400]);
    const future = await auditOf(`/api/v1/audit?from=${new Date(Date.now() + 60_000).toISOString()}`, key);
    expect(future).toEqual([]);

    // The other tenant's key reads none of it, and cannot ask for it.
    const theirs = await auditOf('/api/v1/audit', other.apiKey);
    expect(theirs.filter((e) => e.tenantId !== other.id)).toEqual([]);
    expect(theirs.some((e) => e.requestId !== null && expected.some((x) => x.requestId === e.requestId))).toBe(false);
    expect((await call('GET', `/api/v1/audit?tenantId=${t.id}`, other.apiKey)).status).toBe(400);
    expect((await call('GET', '/api/v1/audit?action=nope', key)).status).toBe(400);
    expect((await call('GET', '/api/v1/admin/audit', key)).status).toBe(401);
    const pro = await createTenant(pulse.url, uniqueTenantId('au-pro'), 'professional');
    const denied = await call('GET', '/api/v1/audit', pro.apiKey);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ requiredTier: 'enterprise' });

    // The global trail holds them too (all tenants), and no secret is anywhere in either.
    const global = await auditOf('/api/v1/admin/audit', ADMIN_KEY);
    expect(
      global
        .filter((e) => e.tenantId === t.id)
        .map((e) => e.id)
        .sort(),
    ).toEqual(trail.map((e) => e.id).sort());
    expectNoSecret('tenant audit', JSON.stringify(trail));
    expectNoSecret('global audit', JSON.stringify(global));
  });

  it('failed authentications are one entry per address and key prefix (not one per guess), without the key', async () => {
    const wrong = `pk_Zq9x${'A'.repeat(28)}`;
    secrets.add(wrong);
    for (let i = 0; i < 5; i++) expect((await call('GET', '/api/v1/metrics/realtime', wrong)).status).toBe(401);
    expect((await call('GET', '/api/v1/admin/tenants', 'pk_nottheadmin')).status).toBe(401);
    expect((await call('GET', '/api/v1/metrics/realtime', ADMIN_KEY)).status).toBe(401);
    await pulse.app.get(AuditService).flush();
    const failures = await auditOf('/api/v1/admin/audit?action=auth.failure', ADMIN_KEY);
    const guesses = failures.filter((e) => e.details?.keyPrefix === 'pk_Zq9x');
    expect(guesses).toHaveLength(1);
    expect(guesses[0]).toMatchObject({
      actor: { type: 'unknown' },
      status: 401,
      outcome: 'failure',
      details: { reason: 'unknown_key', count: 5 },
    });
    expect(failures.find((e) => e.details?.reason === 'admin_key_as_tenant_key')?.details?.keyPrefix).toBe('other');
    expectNoSecret('audit', JSON.stringify(failures));
    const report = await call('GET', '/api/v1/admin/compliance/report', ADMIN_KEY);
    const auth = report.body.failedAuthentication30d as { total: number; byReason: Record<string, number> };
    expect(auth.byReason.unknown_key).toBeGreaterThanOrEqual(5);
    expect(auth.byReason.admin_key_required).toBeGreaterThanOrEqual(1);
    expect(auth.byReason.admin_key_as_tenant_key).toBeGreaterThanOrEqual(1);
  });

  it('a rejected path is audited by a hash of it, never the raw text (a 15 KB id costs a short entry)', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('au-long'), 'enterprise');
    secrets.add(t.apiKey);
    const long = 'x'.repeat(15_000);
    const rule = await call('PATCH', `/api/v1/alerts/rules/${long}`, t.apiKey, { threshold: 4 });
    const tenant = await call('PATCH', `/api/v1/admin/tenants/${long}y`, ADMIN_KEY, { name: 'n' });
    expect([rule.status, tenant.status]).toEqual([400, 400]);
    await pulse.app.get(AuditService).flush();
    const global = await auditOf('/api/v1/admin/audit', ADMIN_KEY);
    const ruleEntry = global.find((e) => e.requestId === rule.requestId);
    const tenantEntry = global.find((e) => e.requestId === tenant.requestId);
    expect(ruleEntry?.target).toMatch(/^rule:sha256:[0-9a-f]{16}$/);
    expect(tenantEntry?.target).toMatch(/^tenant:sha256:[0-9a-f]{16}$/);
    expect(tenantEntry?.tenantId).toMatch(/^sha256:[0-9a-f]{16}$/);
    // Equal paths hash alike (the trail still shows repeats); different ones do not.
    expect(ruleEntry!.target!.slice(5)).not.toBe(tenantEntry!.target!.slice(7));
    // What Redis holds: no stored entry near the path's size.
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    for (const stream of [keys.audit(), keys.tenantAudit(t.id)]) {
      const rows = (await redis.xrevrange(stream, '+', '-', 'COUNT', 50)) as [string, string[]][];
      expect(rows.length).toBeGreaterThan(0);
      expect(Math.max(...rows.map(([, fields]) => fields[1].length))).toBeLessThan(2048);
    }
  });

  it('failed logins from one address are a bounded number of entries, whatever key prefixes it sends', async () => {
    const since = Date.now();
    const random = () =>
      Array.from(
        { length: 32 },
        () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[Math.floor(Math.random() * 64)],
      ).join('');
    // 40 well-formed keys (each a different prefix) and 20 malformed ones, from one address.
    for (let i = 0; i < 40; i++)
      expect((await call('GET', '/api/v1/metrics/realtime', `pk_${random()}`)).status).toBe(401);
    for (let i = 0; i < 20; i++)
      expect((await call('GET', '/api/v1/metrics/realtime', `pk_${random().slice(0, 5 + i)}`)).status).toBe(401);
    await pulse.app.get(AuditService).flush();
    const failures = (await auditOf('/api/v1/admin/audit?action=auth.failure', ADMIN_KEY)).filter(
      (e) => e.details?.reason === 'unknown_key' && Date.parse(String(e.details.firstAt)) >= since,
    );
    // Four prefixes of the address, the rest as `various`, the malformed ones as `malformed`.
    expect(failures.map((e) => e.details!.keyPrefix)).toHaveLength(6);
    expect(failures.reduce((sum, e) => sum + Number(e.details!.count), 0)).toBe(60);
    const byPrefix = new Map(failures.map((e) => [e.details!.keyPrefix, Number(e.details!.count)]));
    expect(byPrefix.get('various')).toBe(36);
    expect(byPrefix.get('malformed')).toBe(20);
  });

  it("a revoked key, or a disabled tenant's, still presented is counted for its tenant; erasure forgets it", async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('revoked'), 'enterprise');
    secrets.add(t.apiKey);
    const issued = await call('POST', `/api/v1/admin/tenants/${t.id}/api-keys`, ADMIN_KEY);
    const old = issued.body.apiKey as string;
    secrets.add(old);
    expect((await call('GET', '/api/v1/metrics/realtime', old)).status).toBe(200);
    expect(
      (await call('DELETE', `/api/v1/admin/tenants/${t.id}/api-keys/${issued.body.keyId as string}`, ADMIN_KEY)).status,
    ).toBe(204);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/api/v1/metrics/realtime', old)).status).toBe(401);
    expect((await call('PATCH', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY, { status: 'disabled' })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call('GET', '/api/v1/metrics/realtime', t.apiKey)).status).toBe(401);
    expect((await call('PATCH', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY, { status: 'active' })).status).toBe(200);
    await pulse.app.get(AuditService).flush();
    const own = (await auditOf('/api/v1/audit?action=auth.failure', t.apiKey)).map((e) => e.details);
    expect(own).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'revoked_key', count: 3 }),
        expect.objectContaining({ reason: 'tenant_disabled', count: 2 }),
      ]),
    );
    const report = await call('GET', '/api/v1/admin/compliance/report', ADMIN_KEY);
    const mine = (
      report.body.tenants as { id: string; failedAuthentication30d: { total: number; byReason: object } }[]
    ).find((x) => x.id === t.id)!;
    expect(mine.failedAuthentication30d).toMatchObject({ total: 5, byReason: { revoked_key: 3, tenant_disabled: 2 } });
    expectNoSecret('tenant audit', JSON.stringify(own));
    // Erasure removes the revoked key's entry too (it lives outside the tenant's prefix).
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    expect(await redis.exists(keys.revokedApiKey(hashApiKey(old)))).toBe(1);
    expect((await call('DELETE', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY)).status).toBe(200);
    expect(await redis.exists(keys.revokedApiKey(hashApiKey(old)))).toBe(0);
    expect((await call('GET', '/api/v1/metrics/realtime', old)).status).toBe(401);
    await pulse.app.get(AuditService).flush();
    // Counted as unknown now, and nothing of the tenant is written back.
    expect(await redis.exists(keys.tenantAuthFailures(t.id))).toBe(0);
  });

  it("a key's last use moves when it is used; unused keys are flagged after 90 days", async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('use'), 'basic');
    secrets.add(t.apiKey);
    const keyOf = async () => {
      const report = await call('GET', '/api/v1/admin/compliance/report', ADMIN_KEY);
      const tenants = report.body.tenants as {
        id: string;
        keys: { keyId: string; lastUsedAt: string | null; unused90d: boolean }[];
      }[];
      return tenants.find((x) => x.id === t.id)!.keys.find((k) => k.keyId === t.keyId)!;
    };
    expect(await keyOf()).toMatchObject({ lastUsedAt: null, unused90d: false });
    expect((await call('GET', '/api/v1/metrics/realtime', t.apiKey)).status).toBe(200);
    await pulse.app.get(AuditService).flush();
    const first = (await keyOf()).lastUsedAt!;
    expect(Date.parse(first)).toBeGreaterThan(Date.now() - 10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect((await call('GET', '/api/v1/metrics/realtime', t.apiKey)).status).toBe(200);
    await pulse.app.get(AuditService).flush();
    expect(Date.parse((await keyOf()).lastUsedAt!)).toBeGreaterThan(Date.parse(first));
    // Moved back 100 days, as a key last used then would be: flagged.
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    await redis.zadd(keys.keyUse(t.id), Date.now() - 100 * 86_400_000, t.keyId);
    expect((await keyOf()).unused90d).toBe(true);
  });

  it('export of a busy tenant streams with backpressure and round-trips every record type; erasure leaves zero keys', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('busy'), 'enterprise');
    secrets.add(t.apiKey);
    const CLIENTS = 40_000;
    for (let i = 0; i < CLIENTS; i++) {
      const id = `c${String(i).padStart(5, '0')}`;
      sendHeartbeat(
        nc,
        t.id,
        id,
        heartbeat(t.id, id, { metrics: { messages_sent: i, messages_received: 1, errors: 0, uptime_seconds: 5 } }),
      );
      if (i % 2000 === 1999) await nc.flush();
    }
    await publishMany(nc, 300, (i) => `tenant.${t.id}.orders.${i % 7}`);
    await waitFor(
      async () =>
        (await call('GET', '/api/v1/metrics/realtime', t.apiKey)).body as {
          clients?: { total: number };
          messages?: { total: number };
        },
      (b) => b.clients?.total === CLIENTS && b.messages?.total === 300,
      { timeoutMs: 60_000 },
    );
    const hook = await call('POST', '/api/v1/alerts/channels', t.apiKey, {
      type: 'webhook',
      name: 'w',
      config: { url: 'http://127.0.0.1:9/hook/BUSYsecretPATH' },
    });
    secrets.add('BUSYsecretPATH');
    secrets.add(hook.body.signingSecret as string);
    await call('POST', `/api/v1/alerts/channels/${hook.body.id as string}/test`, t.apiKey); // a delivery
    await call('POST', '/api/v1/alerts/rules', t.apiKey, RULE);
    await call('POST', '/api/v1/alerts/silences', t.apiKey, silenceFor1h());
    await call('POST', '/api/v1/metrics/custom', t.apiKey, {
      name: 'v',
      subject: 'orders.created',
      source: 'json',
      field: 'amount',
      aggregation: 'sum',
    });
    await pulse.app.get(AnomalyRepository).save(t.id, {
      id: 'an_export',
      type: 'rate_spike',
      severity: 'warning',
      status: 'open',
      summary: 'Message rate 12× its baseline',
      details: { ratio: 12 },
      detectedAt: new Date().toISOString(),
      resolvedAt: null,
    });
    await pulse.app.get(AlertingRepository).log(t.id, 'alerts', {
      at: new Date().toISOString(),
      alertKey: 'anomaly:rate_spike',
      source: 'anomaly',
      status: 'firing',
      summary: 'x',
    });
    // The rollup has written the current hour.
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    const historyKeys = new HistoryKeys(pulse.options.redis.keyPrefix);
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    await waitFor(
      () => redis.exists(historyKeys.hour(t.id, hour)),
      (e) => e === 1,
      { timeoutMs: 10_000 },
    );

    // Count what the export produces, to see it wait for the reader.
    const compliance = pulse.app.get(ComplianceService);
    const original = compliance.exportTenant.bind(compliance);
    let produced = 0;
    let producedBytes = 0;
    compliance.exportTenant = async function* (...args: Parameters<typeof original>) {
      for await (const r of original(...args)) {
        produced++;
        producedBytes += JSON.stringify(r).length + 1;
        yield r;
      }
    };
    const res = await fetch(`${pulse.url}/api/v1/admin/tenants/${t.id}/export`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text: string;
    let stalled: { records: number; bytes: number; received: number };
    try {
      text = decoder.decode((await reader.read()).value, { stream: true });
      // The reader pauses: production stops once the buffers between the two are full.
      let last = -1;
      while (produced !== last) {
        last = produced;
        await new Promise((r) => setTimeout(r, 1000));
      }
      stalled = { records: produced, bytes: producedBytes, received: text.length };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      compliance.exportTenant = original;
      await reader.cancel().catch(() => undefined);
    }
    const records = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportRecord);
    expect(records.length).toBe(produced);
    // Held in flight while paused: what the socket buffers take (~4 MB of 11.8 MB here), not the export.
    expect(stalled!.bytes - stalled!.received).toBeLessThan(8 * 1024 * 1024);
    expect(stalled!.bytes).toBeLessThan(producedBytes * 0.6);
    const types = new Set(records.map((r) => r.type));
    for (const type of [
      'tenant',
      'apiKey',
      'channel',
      'rule',
      'silence',
      'customMetric',
      'client',
      'minute',
      'hour',
      'day',
      'subjects',
      'clientDay',
      'anomaly',
      'alert',
      'delivery',
      'audit',
    ])
      expect(types, type).toContain(type);
    expect(records.filter((r) => r.type === 'client')).toHaveLength(CLIENTS);
    const minutes = records.filter((r) => r.type === 'minute') as { data: { fields: Record<string, string> } }[];
    expect(minutes.reduce((s, m) => s + Number(m.data.fields.m ?? 0), 0)).toBe(300);
    expectNoSecret('export', text);
    const report = await call('GET', '/api/v1/admin/compliance/report', ADMIN_KEY);
    expectNoSecret('report', report.text);
    const csv = await call('GET', '/api/v1/admin/compliance/report?format=csv', ADMIN_KEY);
    expect(csv.text.split('\n')[0]).toContain('retention_enforced');
    expect(csv.text).toContain(t.id);
    expectNoSecret('report csv', csv.text);
    const mine = (
      report.body.tenants as { id: string; channels: { host: string }[]; retentionEnforced: boolean }[]
    ).find((x) => x.id === t.id)!;
    expect(mine.channels.map((c) => c.host)).toEqual(['127.0.0.1:9']);
    expect(mine.retentionEnforced).toBe(true);

    // Erasure: every key under the tenant's prefix is gone, and the receipt says what it removed.
    const prefix = keys.tenantScope(t.id);
    const scan = async () => {
      let cursor = '0';
      let found = 0;
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[{}]/g, '\\$&')}*`, 'COUNT', 1000);
        cursor = next;
        found += batch.length;
      } while (cursor !== '0');
      return found;
    };
    const before = await scan();
    expect(before).toBeGreaterThan(40_000);
    const erased = await call('DELETE', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ tenantId: t.id, removed: { coldItems: 0 }, remaining: 0 });
    expect((erased.body.removed as { redisKeys: number }).redisKeys).toBeGreaterThanOrEqual(before);
    expect(await scan()).toBe(0);
    expect(await redis.exists(keys.apiKey(hashApiKey(t.apiKey)))).toBe(0); // the key's index entry too
    // The trail keeps the facts of the tenant's actions and of the erasure, not its data.
    const after = await auditOf(`/api/v1/admin/audit?tenantId=${t.id}`, ADMIN_KEY);
    // The export itself was an entry of the trail (fields sealed now, the fact kept).
    expect(after.filter((e) => e.action === 'tenant.export')).toHaveLength(1);
    const erasure = after.find((e) => e.action === 'tenant.erase')!;
    expect(erasure).toMatchObject({ actor: { type: 'admin' }, status: 200, target: `tenant:${t.id}` });
    expect(erasure.details).toMatchObject({ remaining: 0 });
    const before_ = after.filter((e) => e.action !== 'tenant.erase');
    expect(before_.length).toBeGreaterThan(0);
    for (const e of before_) {
      expect(e.erased).toBe(true);
      expect(e.target).toBeNull();
      expect(e.sourceIp).toBeNull();
      expect(e.actor.keyId).toBeUndefined();
    }
    const receipts = (await call('GET', '/api/v1/admin/compliance/report', ADMIN_KEY)).body.erasures as {
      tenantId: string;
    }[];
    expect(receipts.some((r) => r.tenantId === t.id)).toBe(true);
    expect(await scan()).toBe(0); // reading the trail and the report brought nothing of it back
  }, 120_000);

  it('a date no trail can hold (before 1970, week dates) is a 400 naming the parameter, on every date parameter', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('au-dates'), 'enterprise');
    const cases: [string, string, RegExp][] = [
      ['/api/v1/audit?from=1960-01-01T00:00:00Z', t.apiKey, /^from /],
      ['/api/v1/audit?to=1969-12-31T23:59:59Z', t.apiKey, /^to /],
      ['/api/v1/audit?from=2026-W10-1', t.apiKey, /^from /],
      ['/api/v1/admin/audit?from=1960-01-01T00:00:00Z', ADMIN_KEY, /^from /],
      ['/api/v1/admin/audit?to=0001-01-01T00:00:00Z', ADMIN_KEY, /^to /],
    ];
    for (const [path, key, message] of cases) {
      const res = await call('GET', path, key);
      expect(res.status, path).toBe(400);
      expect(String(res.body.message), path).toMatch(message);
    }
    // The same class on a body: a silence's until that is not a date Date can place.
    const silence = await call('POST', '/api/v1/alerts/silences', t.apiKey, {
      matcher: { anomalyType: 'rate_spike' },
      until: '2099-W10-1',
    });
    expect(silence.status).toBe(400);
    expect(String(silence.body.message)).toMatch(/^until /);
    // The bounds themselves are fine.
    expect(
      (await call('GET', '/api/v1/audit?from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', t.apiKey)).status,
    ).toBe(200);
  });

  it('no cell of the CSV report can run as a spreadsheet formula (OWASP: = + - @ tab CR)', async () => {
    const id = `-2-3-${uniqueTenantId('csv')}`;
    await createTenant(pulse.url, id, 'basic');
    const csv = await call('GET', '/api/v1/admin/compliance/report?format=csv', ADMIN_KEY);
    expect(csv.status).toBe(200);
    const row = csv.text.split('\n').find((line) => line.includes(id));
    expect(row?.split(',')[0]).toBe(`'${id}`);
    for (const line of csv.text.split('\n'))
      for (const cell of line.split(',')) expect(cell, line).not.toMatch(/^"?[=+@\t\r]|^"?-(?!\d+(\.\d+)?$)/);
  });
});

describe("Compliance: the export holds the tenant's JetStream (a fixed reader)", () => {
  const MINUTE_MS = 60_000;
  /** The fixed figures; history answers only the periods of the range asked (each at most once). */
  class RangeReader extends FakeJetStreamReader {
    readonly asked: { fromMs: number; toMs: number; resolution: string }[] = [];
    /** "Now" for the fixed figures, set before the export: a minute boundary crossed while the export runs must not move them. */
    anchorMs = Date.now();

    override history(
      tenantId: string,
      fromMs: number,
      toMs: number,
      resolution: 'minute' | 'hour' = 'minute',
    ): Promise<JetStreamHistoryPoint[]> {
      this.asked.push({ fromMs, toMs, resolution });
      const view = this.views.get(tenantId);
      if (!view) return Promise.resolve([]);
      // The last hour of minutes, and the current hour; only those inside [from, to].
      const points =
        resolution === 'minute'
          ? lagHistory(view, 60, this.anchorMs)
          : [
              {
                ...lagHistory(view, 1, this.anchorMs)[0],
                timestamp: new Date(Math.floor(this.anchorMs / 3_600_000) * 3_600_000).toISOString(),
              },
            ];
      return Promise.resolve(
        points.filter((p) => Date.parse(p.timestamp) >= fromMs && Date.parse(p.timestamp) <= toMs),
      );
    }
  }
  const reader = new RangeReader();
  let pulse: RunningPulse;

  beforeAll(async () => {
    pulse = await startPulse(testOptions(), withJetStreamReader(reader));
  });

  afterAll(async () => {
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it("current view and history within the retention, each minute once, no other tenant's", async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('jsexp'), 'enterprise');
    const other = await createTenant(pulse.url, uniqueTenantId('jsexp'), 'enterprise');
    const view = laggingTenant(t.id);
    reader.views.set(t.id, view);
    reader.views.set(other.id, { ...laggingTenant(other.id), streams: [streamFigures('THEIRS', [], 1, 1)] });
    reader.anchorMs = Date.now();
    const res = await fetch(`${pulse.url}/api/v1/admin/tenants/${t.id}/export`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const records = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportRecord);
    const of = (type: string) => records.filter((r) => r.type === type);
    expect(of('jetstream')).toEqual([{ type: 'jetstream', data: view }]);
    const minutes = of('jetstreamMinute').map(
      (r) => r.data as { timestamp: string; consumers: { stream: string; consumer: string; pending: number }[] },
    );
    // The fixed hour of minutes, each once, oldest first, points as the history route writes them.
    expect(minutes).toHaveLength(60);
    expect(new Set(minutes.map((m) => m.timestamp)).size).toBe(60);
    expect(minutes.map((m) => m.timestamp)).toEqual([...minutes.map((m) => m.timestamp)].sort());
    expect(minutes.at(-1)!.consumers).toContainEqual(
      expect.objectContaining({ stream: 'ORDERS', consumer: 'orders-worker', pending: 48_213 }),
    );
    expect(of('jetstreamHour')).toHaveLength(1);
    expect(text).not.toContain('THEIRS');
    // Bounded reads within the retention (25 h of minutes, the tier's hours), an hour or a day each.
    const exported = reader.asked;
    for (const a of exported) {
      const span = a.toMs - a.fromMs;
      expect(span).toBeLessThanOrEqual(a.resolution === 'minute' ? 59 * MINUTE_MS : 23 * 3_600_000);
    }
    const firstMinute = Math.min(...exported.filter((a) => a.resolution === 'minute').map((a) => a.fromMs));
    expect(Date.now() - firstMinute).toBeLessThanOrEqual(25 * 3_600_000 + 2 * MINUTE_MS);
  });

  it('holds the stored view while JetStream is off (the API hides it then)', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('jsexp'), 'enterprise');
    const view = laggingTenant(t.id);
    reader.views.set(t.id, view);
    reader.statusNow = { state: 'off', detail: 'JETSTREAM_MONITORING=false', lastPollAt: null, unowned: 0 };
    try {
      expect(await reader.current(t.id)).toBeNull();
      const res = await fetch(`${pulse.url}/api/v1/admin/tenants/${t.id}/export`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(res.status).toBe(200);
      const records = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ExportRecord);
      expect(records.filter((r) => r.type === 'jetstream')).toEqual([{ type: 'jetstream', data: view }]);
    } finally {
      reader.statusNow = { state: 'ok', lastPollAt: new Date().toISOString(), unowned: 2 };
    }
  });
});
