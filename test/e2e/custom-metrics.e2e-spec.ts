import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleEvaluatorJob } from '../../src/alerting/rule-evaluator.job.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { TrafficAggregator } from '../../src/monitoring/traffic-aggregator.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { REDIS_CLIENT } from '../../src/redis/redis-client.js';
import { ExportSlots } from '../../src/metrics/export-slots.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
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
import { Redis } from 'ioredis';

interface Summary {
  id: string;
  aggregation: string;
  lastMinute: number | null;
  today: number | null;
  unparsable: number;
  tooLarge: number;
}

/** Custom metrics over a tenant's own traffic, counted by two instances in one queue group. */
describe('custom metrics (real NATS and Redis, two instances)', () => {
  // Three definitions at most, so the limit is reached within the suite.
  const options = testOptions({ customMetricsPerTenant: 3 });
  let a: RunningPulse;
  let b: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  let tenant: CreatedTenant;
  const keys = new RedisKeys(options.redis.keyPrefix);

  beforeAll(async () => {
    a = await startPulse(options);
    b = await startPulse(options);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
    tenant = await createTenant(a.url, uniqueTenantId('custom'), 'enterprise');
    await waitFor(
      async () => [a, b].every((p) => p.app.get(MessageTap).subscribedTenants().includes(tenant.id)),
      Boolean,
    );
  });

  afterAll(async () => {
    await nc?.close();
    await a?.close();
    await b?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, key = tenant.apiKey) =>
    request<T>(a.url, method, `/api/v1${path}`, { key, body });
  const custom = async (on: RunningPulse) =>
    (await request<{ custom: Summary[] }>(on.url, 'GET', '/api/v1/metrics/realtime', { key: tenant.apiKey })).body
      .custom;
  /** Both instances have loaded `n` definitions of the tenant. */
  const loaded = (n: number) =>
    waitFor(async () => [a, b].every((p) => p.app.get(TrafficAggregator).customMetricCount(tenant.id) === n), Boolean);

  it('a sum of amount over orders.created: 100 × 2.5 and 50 non-JSON read 250 with 50 unparsable, exactly', async () => {
    const created = await api<{ id: string }>('POST', '/metrics/custom', {
      name: 'order value',
      subject: 'orders.created',
      source: 'json',
      field: 'amount',
      aggregation: 'sum',
      unit: 'EUR',
    });
    expect(created.status).toBe(201);
    await loaded(1);
    for (let i = 0; i < 100; i++) nc.publish(`tenant.${tenant.id}.orders.created`, JSON.stringify({ amount: 2.5 }));
    for (let i = 0; i < 50; i++) nc.publish(`tenant.${tenant.id}.orders.created`, `not json ${i}`);
    // Other subjects are not inspected.
    for (let i = 0; i < 30; i++) nc.publish(`tenant.${tenant.id}.orders.paid`, JSON.stringify({ amount: 1000 }));
    await nc.flush();
    const summary = await waitFor(
      async () => (await custom(b)).find((c) => c.id === created.body.id),
      (c) => c !== undefined && c.today === 250 && c.unparsable === 50,
    );
    expect(summary).toMatchObject({ aggregation: 'sum', today: 250, unparsable: 50, tooLarge: 0 });
    // Both instances took part (one queue group), and nothing was counted twice.
    const shares = [a, b].map((p) => p.app.get(TrafficAggregator).stats().messages);
    expect(shares.every((n) => n > 0)).toBe(true);
    expect(shares[0] + shares[1]).toBe(180);
    expect((await custom(a)).find((c) => c.id === created.body.id)).toMatchObject({ today: 250, unparsable: 50 });
  });

  it('the series: zero-filled buckets with the analytics rules, the same total by minutes, hours and days', async () => {
    const id = (await api<{ metrics: { id: string }[] }>('GET', '/metrics/custom')).body.metrics[0].id;
    type Series = {
      resolution: string;
      series: { value: number | null; count: number }[];
      totals: { value: number; count: number; unparsable: number };
    };
    const hour = await api<Series>('GET', `/metrics/custom/${id}/series?period=1h`);
    expect(hour.status).toBe(200);
    expect(hour.body.resolution).toBe('1m');
    expect(hour.body.series).toHaveLength(60);
    expect(hour.body.totals).toMatchObject({ value: 250, count: 100, unparsable: 50 });
    expect(hour.body.series.filter((p) => p.count === 0).every((p) => p.value === 0)).toBe(true);
    const month = await api<Series>('GET', `/metrics/custom/${id}/series?period=30d`);
    expect(month.body.resolution).toBe('1d');
    expect(month.body.series).toHaveLength(30);
    expect(month.body.totals).toMatchObject({ value: 250, count: 100, unparsable: 50 });
    // Hours are kept too: 7 days at 1h (the analytics default), the same total again.
    const week = await api<Series>('GET', `/metrics/custom/${id}/series?period=7d`);
    expect(week.body.resolution).toBe('1h');
    expect(week.body.series).toHaveLength(168);
    expect(week.body.totals).toMatchObject({ value: 250, count: 100, unparsable: 50 });
    const refused = await api('GET', `/metrics/custom/${id}/series?period=7d&resolution=5m`);
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toMatch(/^resolution: .*2016 points; at most 2000/);
    expect((await api('GET', '/metrics/custom/cm_nothere/series')).status).toBe(404);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect((await api('GET', '/metrics/custom/cm_nothere/series')).body.code).toBe('CUSTOM_METRIC_NOT_FOUND');
    // No further back than the tenant keeps (enterprise: 30 days), as analytics: 365 zero-filled days were answered.
    for (const period of ['90d', '365d']) {
      const beyond = await api('GET', `/metrics/custom/${id}/series?period=${period}`);
      expect(beyond.status).toBe(403);
      expect(beyond.body).toMatchObject({ code: 'RETENTION_EXCEEDED' });
      expect(String(beyond.body.message)).toMatch(
        new RegExp(`^period=${period} reaches back \\d+ days; this tenant keeps 30 days`),
      );
      const analytics = await api('GET', `/metrics/analytics?period=${period}`);
      expect([analytics.status, analytics.body.code]).toEqual([403, 'RETENTION_EXCEEDED']);
    }
    // The export carries it as a column: the same total.
    const csv = await (
      await fetch(`${a.url}/api/v1/metrics/export?period=1h&format=csv`, {
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      })
    ).text();
    const [header, ...rows] = csv.trim().split('\n');
    const column = header.split(',').indexOf(`custom_${id}`);
    expect(column).toBeGreaterThan(0);
    expect(rows.reduce((sum, r) => sum + Number(r.split(',')[column] || 0), 0)).toBe(250);
  });

  it('p95 of a header value is within the histogram error (4.5 %)', async () => {
    const created = await api<{ id: string }>('POST', '/metrics/custom', {
      name: 'checkout duration',
      subject: 'checkout.*',
      source: 'header',
      header: 'X-Duration-Ms',
      aggregation: 'p95',
      unit: 'ms',
    });
    expect(created.status).toBe(201);
    await loaded(2);
    for (let i = 1; i <= 200; i++) {
      const h = natsHeaders();
      h.set('X-Duration-Ms', String(i));
      nc.publish(`tenant.${tenant.id}.checkout.eu`, 'x', { headers: h });
    }
    await nc.flush();
    const summary = await waitFor(
      async () => (await custom(a)).find((c) => c.id === created.body.id),
      (c) => c !== undefined && c.today !== null && c.today > 150,
    );
    // The exact p95 of 1..200 is 190.
    expect(Math.abs(summary!.today! - 190) / 190).toBeLessThanOrEqual(0.045);
  });

  it('validation names the field; professional is refused with the tier; at most the configured number', async () => {
    const bad = [
      [{ name: 'x', subject: 'orders..x', source: 'count', aggregation: 'count' }, /subject/],
      [{ name: 'x', subject: 'orders.x', source: 'json', aggregation: 'sum' }, /field is required/],
      [{ name: 'x', subject: 'orders.x', source: 'json', field: 'a..b', aggregation: 'sum' }, /field must be/],
      [{ name: 'x', subject: 'orders.x', source: 'header', aggregation: 'sum' }, /header is required/],
      [{ name: 'x', subject: 'orders.x', source: 'count', aggregation: 'p95' }, /aggregation must be count/],
      [{ name: 'x', subject: 'orders.x', source: 'count', aggregation: 'median' }, /aggregation must be one of/],
      [{ subject: 'orders.x', source: 'count', aggregation: 'count' }, /name/],
    ] as const;
    for (const [body, message] of bad) {
      const res = await api('POST', '/metrics/custom', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message)).toMatch(message);
      expect(res.body.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
    }
    const third = { name: 'orders', subject: 'orders.>', source: 'count', aggregation: 'count' };
    expect((await api('POST', '/metrics/custom', third)).status).toBe(201);
    const fourth = await api('POST', '/metrics/custom', third);
    expect(fourth.status).toBe(409);
    expect(String(fourth.body.message)).toMatch(/at most 3/);
    expect(fourth.body.code).toBe('LIMIT_REACHED');
    const pro = await createTenant(a.url, uniqueTenantId('custom-pro'), 'professional');
    const refused = await api('GET', '/metrics/custom', undefined, pro.apiKey);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ requiredTier: 'enterprise', currentTier: 'professional' });
  });

  it('deleting a definition stops it on every instance and removes its stored figures', async () => {
    const list = await api<{ metrics: { id: string }[] }>('GET', '/metrics/custom');
    const id = list.body.metrics[0].id;
    const index = keys.customFigureKeys(tenant.id, id);
    const written = await redis.zrange(index, '0', '-1');
    expect(written.length).toBeGreaterThan(0);
    expect((await api('DELETE', `/metrics/custom/${id}`)).status).toBe(204);
    await loaded(2);
    expect(await redis.exists(index, ...written)).toBe(0);
    expect((await api('GET', `/metrics/custom/${id}`)).status).toBe(404);
    // The realtime view is shared for 250 ms: the deletion shows within that.
    await waitFor(
      async () => (await custom(a)).some((c) => c.id === id),
      (present) => !present,
    );
    // Traffic after the deletion writes nothing for it.
    for (let i = 0; i < 20; i++) nc.publish(`tenant.${tenant.id}.orders.created`, JSON.stringify({ amount: 1 }));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 4 * options.flushIntervalMs));
    expect(await redis.exists(index)).toBe(0);
  });

  it('a rule on custom:<id> fires on the minute the metric passes its threshold, and resolves after', async () => {
    const created = await api<{ id: string }>('POST', '/metrics/custom', {
      name: 'failed payments',
      subject: 'payments.failed',
      source: 'count',
      aggregation: 'count',
    });
    expect(created.status).toBe(201);
    const unknown = await api('POST', '/alerts/rules', {
      name: 'x',
      metric: 'custom:cm_nothere',
      operator: 'gt',
      threshold: 1,
      forSeconds: 0,
      severity: 'warning',
    });
    expect(unknown.status).toBe(400);
    expect(String(unknown.body.message)).toMatch(/no custom metric/);
    const rule = await api<{ id: string }>('POST', '/alerts/rules', {
      name: 'failed payments',
      metric: `custom:${created.body.id}`,
      operator: 'gt',
      threshold: 5,
      forSeconds: 0,
      severity: 'critical',
    });
    expect(rule.status).toBe(201);
    await loaded(3);
    // All 12 within one minute: not in the last 3 s of one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 57_000) await new Promise((r) => setTimeout(r, 60_100 - intoMinute));
    const sentAt = Date.now();
    for (let i = 0; i < 12; i++) nc.publish(`tenant.${tenant.id}.payments.failed`, 'x');
    await nc.flush();
    await waitFor(
      async () => (await custom(a)).find((c) => c.id === created.body.id)?.today,
      (n) => n === 12,
    );
    // The evaluator reads a custom metric's last complete minute: run it as of the minutes after.
    const minuteEnd = (Math.floor(sentAt / 60_000) + 1) * 60_000;
    const evaluator = a.app.get(RuleEvaluatorJob);
    const at = async (ms: number) =>
      waitFor(
        () => evaluator.run(ms),
        (r) => r !== null,
      );
    await at(minuteEnd + 5_000);
    const history = async () =>
      (await api<{ alerts: { ruleId?: string; status: string }[] }>('GET', '/alerts')).body.alerts;
    expect((await history()).filter((e) => e.ruleId === rule.body.id).map((e) => e.status)).toEqual(['firing']);
    await at(minuteEnd + 65_000);
    expect((await history()).filter((e) => e.ruleId === rule.body.id).map((e) => e.status)).toEqual([
      'resolved',
      'firing',
    ]);
  });
});

/**
 * Definitions under concurrency and change, and the export of many: one instance, a limit of 56;
 * the export's Redis cost is counted on the app's own client.
 */
describe('custom metric definitions (real Redis): limit under concurrency, a fixed meaning, the export of 56', () => {
  const options = testOptions({ customMetricsPerTenant: 56 });
  let pulse: RunningPulse;
  let redis: Redis;
  const keys = new RedisKeys(options.redis.keyPrefix);

  beforeAll(async () => {
    pulse = await startPulse(options);
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await pulse?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const definition = (i: number) => ({ name: `m${i}`, subject: `s${i}`, source: 'count', aggregation: 'count' });

  it('70 concurrent creates against a limit of 56: exactly 56 are saved, the other 14 are 409', async () => {
    const tenant = await createTenant(pulse.url, uniqueTenantId('custom-race'), 'enterprise');
    const answers = await Promise.all(
      Array.from({ length: 70 }, (_, i) =>
        request(pulse.url, 'POST', '/api/v1/metrics/custom', { key: tenant.apiKey, body: definition(i) }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(56);
    expect(statuses.filter((s) => s === 409)).toHaveLength(14);
    expect(await redis.hlen(keys.customMetrics(tenant.id))).toBe(56);
  });

  it('PATCH renames and changes the unit; a change of what it measures is a 400 naming the field', async () => {
    const tenant = await createTenant(pulse.url, uniqueTenantId('custom-patch'), 'enterprise');
    const api = (method: string, path: string, body?: unknown) =>
      request(pulse.url, method, `/api/v1/metrics/custom${path}`, { key: tenant.apiKey, body });
    const created = await api('POST', '', {
      name: 'order value',
      subject: 'orders.created',
      source: 'json',
      field: 'amount',
      aggregation: 'sum',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const refused = [
      [{ field: 'price' }, /^field cannot change/],
      [{ aggregation: 'avg' }, /^aggregation cannot change/],
      [{ subject: 'orders.>' }, /^subject cannot change/],
      [{ source: 'header', header: 'x-amount', field: null }, /^source, field, header cannot change/],
      [{ name: 'renamed', aggregation: 'max' }, /^aggregation cannot change/],
    ] as const;
    for (const [body, message] of refused) {
      const res = await api('PATCH', `/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message)).toMatch(message);
    }
    // Nothing of a refused change was saved (the rename that came with one neither).
    expect((await api('GET', `/${id}`)).body).toMatchObject({
      name: 'order value',
      field: 'amount',
      aggregation: 'sum',
    });
    const renamed = await api('PATCH', `/${id}`, { name: 'basket', unit: 'EUR', field: 'amount', aggregation: 'sum' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'basket', unit: 'EUR', field: 'amount', aggregation: 'sum' });
  });

  /** Runs `body` counting the app's Redis commands, the keys its scripts were given, and those that are custom figures. */
  async function counted<T>(
    body: () => Promise<T>,
  ): Promise<{ result: T; commands: number; scriptKeys: number; customHashes: number }> {
    const client = pulse.app.get<Redis>(REDIS_CLIENT);
    const send = client.sendCommand.bind(client);
    let commands = 0;
    let scriptKeys = 0;
    let customHashes = 0;
    client.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
      commands++;
      const command = args[0] as unknown as { name: string; args: unknown[] };
      if (command.name === 'evalsha' || command.name === 'eval') {
        const n = Number(command.args[1]);
        scriptKeys += n;
        customHashes += command.args.slice(2, 2 + n).filter((k) => String(k).includes(':cm:')).length;
      }
      return send(...args);
    };
    try {
      return { result: await body(), commands, scriptKeys, customHashes };
    } finally {
      client.sendCommand = send;
    }
  }

  it('an export reads at most 10,000 custom figures hashes: 24 h of minutes for 56 metrics is a 400 naming resolution; 1h is served, values intact', async () => {
    const tenant = await createTenant(pulse.url, uniqueTenantId('custom-export'), 'enterprise');
    const ids: string[] = [];
    for (let i = 0; i < 56; i++) {
      const res = await request<{ id: string }>(pulse.url, 'POST', '/api/v1/metrics/custom', {
        key: tenant.apiKey,
        body: { name: `m${i}`, subject: `s${i}`, source: 'count', aggregation: 'count' },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // Figures of the last metric two hours ago: 7 messages (its hour hash, as the flush writes it).
    const hour = Math.floor(Date.now() / 3_600_000) * 3600 - 7200;
    await redis.hset(keys.customFigures(tenant.id, ids[55], `h${hour}`), 'c', 7);
    await redis.expire(keys.customFigures(tenant.id, ids[55], `h${hour}`), 600);
    const exportAt = (query: string) =>
      counted(async () => {
        const res = await fetch(`${pulse.url}/api/v1/metrics/export?format=csv&period=24h${query}`, {
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        return { status: res.status, text: await res.text() };
      });
    // 56 metrics × 1,440 minutes were 80,640 hashes a request (in ~135 script calls; 0.8 s, and
    // eight loops of it held other tenants' reads for seconds).
    // Asked for a resolution too fine: refused, naming the one that fits.
    for (const query of ['&resolution=1m', '&resolution=5m']) {
      const refused = await exportAt(query);
      expect(refused.result.status, query).toBe(400);
      const body = JSON.parse(refused.result.text) as { message: string };
      expect(body.message).toMatch(/^resolution: .*80,640.*at most 10,000.*resolution=1h/);
      // Refused before the figures or the series are read.
      expect(refused.customHashes, query).toBe(0);
      expect(refused.scriptKeys, query).toBeLessThan(10);
    }
    // A period beyond the tier's history is still its 403 (365 days × 56 metrics would be 20,440 hashes).
    const tooFar = await fetch(`${pulse.url}/api/v1/metrics/export?format=csv&period=365d`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
    expect(tooFar.status).toBe(403);
    await tooFar.text();
    // Not asked: the finest resolution that fits is chosen (24h's default 5m would be 16,128).
    const chosen = await exportAt('');
    expect(chosen.result.status).toBe(200);
    expect(chosen.result.text.trim().split('\n')).toHaveLength(25); // header + 24 hours
    expect(chosen.customHashes).toBe(56 * 24);
    const served = await exportAt('&resolution=1h');
    expect(served.result.status).toBe(200);
    const [header, ...rows] = served.result.text.trim().split('\n');
    const column = header.split(',').indexOf(`custom_${ids[55]}`);
    expect(column).toBeGreaterThan(0);
    expect(rows).toHaveLength(24);
    expect(rows.reduce((n, r) => n + Number(r.split(',')[column] || 0), 0)).toBe(7);
    expect(served.customHashes).toBe(56 * 24);
    expect(served.scriptKeys).toBeLessThan(3_000); // with the analytics series' own reads
    expect(served.commands).toBeLessThan(100);
  });

  it('one export at a time per tenant: a second while one reads is a 429 with Retry-After; another tenant is served', async () => {
    const tenant = await createTenant(pulse.url, uniqueTenantId('export-busy'), 'enterprise');
    const other = await createTenant(pulse.url, uniqueTenantId('export-free'), 'enterprise');
    const slots = pulse.app.get(ExportSlots);
    const exportOf = (t: { apiKey: string }) =>
      fetch(`${pulse.url}/api/v1/metrics/export?format=csv&period=1h`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
    const release = slots.take(tenant.id);
    expect(release).not.toBeNull();
    try {
      const busy = await exportOf(tenant);
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
      const free = await exportOf(other);
      expect(free.status).toBe(200);
      await free.text();
    } finally {
      release?.();
    }
    const again = await exportOf(tenant);
    expect(again.status).toBe(200);
    await again.text();
    // A refused or failed export gives its slot back too.
    expect(
      (
        await fetch(`${pulse.url}/api/v1/metrics/export?format=csv&period=1h&resolution=1d`, {
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        })
      ).status,
    ).toBe(400);
    expect((await exportOf(tenant)).status).toBe(200);
  });
});
