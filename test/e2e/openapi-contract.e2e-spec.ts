import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv, type ValidateFunction } from 'ajv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingRepository } from '../../src/alerting/alerting.repository.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { ERROR_CODES } from '../../src/common/errors/error-codes.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { Redis } from 'ioredis';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { startBuiltPulse } from '../support/built-pulse.js';
import { type CreatedTenant, request } from '../support/http.js';
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

type Tier = 'basic' | 'professional' | 'enterprise';
const TIERS: Tier[] = ['basic', 'professional', 'enterprise'];

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  parameters?: { name: string; in: string; required?: boolean }[];
}
interface Document {
  info: { version: string; license?: { name: string; url?: string } };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

/**
 * The OpenAPI document is the contract: it must be a valid document, lint clean by Redocly's
 * recommended rules, and describe what the routes really answer — every GET route is called for
 * each tier (and the writes the test makes on the way are checked too), and each answer's status
 * must be documented for the operation and its body must validate against the documented schema.
 */
describe('OpenAPI contract (real NATS and Redis)', () => {
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let doc: Document;
  let ajv: Ajv;
  const tenants = {} as Record<Tier, CreatedTenant>;
  const ids: Record<string, string> = {};
  /** `METHOD /path` of every operation whose answer was checked. */
  const checked = new Set<string>();

  beforeAll(async () => {
    // Private targets allowed so the channel test attempts a delivery (to a closed loopback port).
    pulse = await startPulse(testOptions({ alerting: { allowPrivateTargets: true } }));
    nc = await publisher();
    // The document production serves: the built service's, whose request bodies the Swagger CLI
    // plugin (nest build) described; the in-process app's has the same routes and answers.
    const built = await startBuiltPulse();
    try {
      doc = (await (await fetch(`${built.url}/api/docs-json`)).json()) as Document;
    } finally {
      await built.stop();
    }
    ajv = new Ajv({ strict: false, allErrors: true });
    // The document's components, under an id the response schemas' references resolve against.
    ajv.addSchema({ $id: 'openapi', components: withoutDiscriminators(doc.components) });
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s));
  });

  afterAll(async () => {
    await nc?.close();
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  /** Checks one answer against the document (and, given, its status); returns the parsed body. */
  async function conforms(method: string, template: string, res: Response, status?: number): Promise<unknown> {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const documented = operation.responses[String(res.status)];
    const text = await res.text();
    expect(documented, `${method} ${template} answered ${res.status}, which is not documented: ${text}`).toBeDefined();
    if (status !== undefined) expect(res.status, `${method} ${template}: ${text}`).toBe(status);
    checked.add(`${method} ${template}`);
    if (res.status === 204) return undefined;
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const content = documented.content ?? {};
    expect(Object.keys(content), `${method} ${template} ${res.status} as ${mediaType}`).toContain(mediaType);
    if (mediaType !== 'application/json') return text;
    const body: unknown = JSON.parse(text);
    const validate = compile(content[mediaType].schema);
    expect(validate(body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    if (res.status >= 400) {
      // Every error answer carries a code from the catalogue, whatever its schema says.
      expect(ERROR_CODES, `${method} ${template} ${res.status} code: ${text}`).toContain(
        (body as { code?: unknown }).code,
      );
    }
    return body;
  }

  function compile(schema: object): ValidateFunction {
    return ajv.compile(rebase(schema));
  }

  const call = (method: string, path: string, key?: string, body?: unknown) =>
    fetch(`${pulse.url}${path}`, {
      method,
      headers: {
        ...(key && { authorization: `Bearer ${key}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('is a valid OpenAPI document (swagger-parser) with no Redocly lint errors', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    // Every operation has a summary and a tag; every answer with a body documents its schema.
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations) as [string, Operation & Record<string, unknown>][]) {
        expect(operation.summary, `${method} ${path} summary`).toBeTruthy();
        expect((operation.tags as string[] | undefined)?.length, `${method} ${path} tags`).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status === '204') continue;
          for (const [type, media] of Object.entries(response.content ?? {})) {
            expect(media.schema, `${method} ${path} ${status} ${type}`).toBeDefined();
          }
          expect(response.content, `${method} ${path} ${status} has a body schema`).toBeDefined();
        }
      }
    }
  });

  it('ErrorBody documents code: required, the enum of every code in the catalogue', () => {
    const errorBody = doc.components.schemas.ErrorBody as {
      required?: string[];
      properties: Record<string, { enum?: string[]; description?: string }>;
    };
    expect(errorBody.required).toContain('code');
    expect(errorBody.properties.code.enum).toEqual([...ERROR_CODES]);
    for (const code of ERROR_CODES) expect(errorBody.properties.code.description).toContain(code);
  });

  it('writes answer as documented (tenants, keys, channels, rules, silences, backtest, channel test)', async () => {
    for (const tier of TIERS) {
      const id = uniqueTenantId(`oa-${tier}`);
      const res = await call('POST', '/api/v1/admin/tenants', ADMIN_KEY, { id, tier });
      tenants[tier] = (await conforms('POST', '/api/v1/admin/tenants', res, 201)) as CreatedTenant;
    }
    const basic = tenants.basic.id;
    const key = tenants.enterprise.apiKey;
    const write = async (method: string, template: string, path: string, as: string, body: unknown, status: number) =>
      (await conforms(method, template, await call(method, path, as, body), status)) as { id: string };
    await write(
      'POST',
      '/api/v1/admin/tenants/{id}/api-keys',
      `/api/v1/admin/tenants/${basic}/api-keys`,
      ADMIN_KEY,
      undefined,
      201,
    );
    await write('PATCH', '/api/v1/admin/tenants/{id}', `/api/v1/admin/tenants/${basic}`, ADMIN_KEY, { name: 'B' }, 200);
    // A NATS identity names one tenant: giving another tenant's is a documented 409.
    const user = `oa-user-${basic}`;
    const identities = (users: string[]) => ({ natsIdentities: { users } });
    await write(
      'PATCH',
      '/api/v1/admin/tenants/{id}',
      `/api/v1/admin/tenants/${basic}`,
      ADMIN_KEY,
      identities([user]),
      200,
    );
    const other = `/api/v1/admin/tenants/${tenants.professional.id}`;
    await write('PATCH', '/api/v1/admin/tenants/{id}', other, ADMIN_KEY, identities([user]), 409);
    await write('POST', '/api/v1/admin/tenants', '/api/v1/admin/tenants', ADMIN_KEY, { id: basic }, 409);
    // Erasure answers its receipt; a second one finds nothing.
    const gone = uniqueTenantId('oa-erase');
    await write('POST', '/api/v1/admin/tenants', '/api/v1/admin/tenants', ADMIN_KEY, { id: gone }, 201);
    await write('DELETE', '/api/v1/admin/tenants/{id}', `/api/v1/admin/tenants/${gone}`, ADMIN_KEY, undefined, 200);
    await write('DELETE', '/api/v1/admin/tenants/{id}', `/api/v1/admin/tenants/${gone}`, ADMIN_KEY, undefined, 404);
    ids.channel = (
      await write(
        'POST',
        '/api/v1/alerts/channels',
        '/api/v1/alerts/channels',
        key,
        { type: 'webhook', name: 'ops', config: { url: 'https://127.0.0.1:9/pulse' } },
        201,
      )
    ).id;
    const rule = {
      name: 'few clients',
      metric: 'online_clients',
      operator: 'lt',
      threshold: 3,
      forSeconds: 300,
      severity: 'warning',
    };
    ids.rule = (await write('POST', '/api/v1/alerts/rules', '/api/v1/alerts/rules', key, rule, 201)).id;
    const silence = { matcher: { anomalyType: 'rate_spike' }, until: new Date(Date.now() + 3_600_000).toISOString() };
    await write('POST', '/api/v1/alerts/silences', '/api/v1/alerts/silences', key, silence, 201);
    await write('PATCH', '/api/v1/alerts/rules/{id}', `/api/v1/alerts/rules/${ids.rule}`, key, { threshold: 4 }, 200);
    await write(
      'PATCH',
      '/api/v1/alerts/channels/{id}',
      `/api/v1/alerts/channels/${ids.channel}`,
      key,
      { name: 'o' },
      200,
    );
    await write(
      'POST',
      '/api/v1/alerts/channels/{id}/test',
      `/api/v1/alerts/channels/${ids.channel}/test`,
      key,
      undefined,
      200,
    );
    await write(
      'POST',
      '/api/v1/metrics/anomalies/backtest',
      '/api/v1/metrics/anomalies/backtest',
      key,
      { period: '7d' },
      200,
    );
    const metric = {
      name: 'order value',
      subject: 'orders.created',
      source: 'json',
      field: 'amount',
      aggregation: 'sum',
      unit: 'EUR',
    };
    ids.custom = (await write('POST', '/api/v1/metrics/custom', '/api/v1/metrics/custom', key, metric, 201)).id;
    await write(
      'PATCH',
      '/api/v1/metrics/custom/{id}',
      `/api/v1/metrics/custom/${ids.custom}`,
      key,
      { unit: 'USD' },
      200,
    );
    // Event subscriptions: created (the secret once), changed, rotated, tested, replayed.
    const events = '/api/v1/events/subscriptions';
    ids.subscription = (
      await write('POST', events, events, key, { url: 'https://127.0.0.1:9/events', types: ['client.online'] }, 201)
    ).id;
    const one = `${events}/${ids.subscription}`;
    await write('PATCH', `${events}/{id}`, one, key, { clientFilter: 'app-*' }, 200);
    await write('POST', `${events}/{id}/rotate-secret`, `${one}/rotate-secret`, key, undefined, 200);
    await write('POST', `${events}/{id}/test`, `${one}/test`, key, undefined, 200);
    await write('POST', `${events}/{id}/replay`, `${one}/replay`, key, { from: new Date().toISOString() }, 200);
    await write(
      'POST',
      events,
      events,
      tenants.basic.apiKey,
      { url: 'https://127.0.0.1:9/', types: ['client.online'] },
      403,
    );
    // Errors answer with the documented error body too.
    await write('POST', '/api/v1/alerts/rules', '/api/v1/alerts/rules', key, { name: 'x' }, 400);
    await write('GET', '/api/v1/alerts/rules/{id}', '/api/v1/alerts/rules/ru_00000000', key, undefined, 404);
    await write(
      'POST',
      '/api/v1/metrics/anomalies/backtest',
      '/api/v1/metrics/anomalies/backtest',
      tenants.professional.apiKey,
      { period: '7d' },
      403,
    );
  });

  it('every GET route, for every tier, answers as the document says', async () => {
    // Traffic, heartbeats, an anomaly, an alert and a delivery, so that lists have items to check.
    for (const tier of TIERS) {
      const t = tenants[tier];
      await publishMany(nc, 30, (i) => `tenant.${t.id}.orders.${i % 3}`);
      sendHeartbeat(nc, t.id, 'app-1', heartbeat(t.id, 'app-1'));
    }
    await nc.flush();
    const ent = tenants.enterprise;
    await pulse.app.get(AnomalyRepository).save(ent.id, {
      id: 'an_contract',
      type: 'rate_spike',
      severity: 'warning',
      status: 'open',
      summary: 'Message rate 12× its baseline',
      details: { ratio: 12 },
      detectedAt: new Date().toISOString(),
      resolvedAt: null,
    });
    const alerting = pulse.app.get(AlertingRepository);
    await alerting.log(ent.id, 'alerts', {
      at: new Date().toISOString(),
      alertKey: 'anomaly:rate_spike',
      source: 'anomaly',
      anomalyId: 'an_contract',
      rule: 'rate_spike',
      type: 'rate_spike',
      severity: 'warning',
      status: 'firing',
      summary: 'Message rate 12× its baseline',
      silenced: false,
    });
    await waitFor(
      () => request<{ clients: { total: number } }>(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: ent.apiKey }),
      (r) => r.body.clients?.total === 1,
    );
    // The subjects are in today's ranking (the subject page's 200).
    for (const t of [tenants.professional, ent])
      await waitFor(
        () => request<{ total: number }>(pulse.url, 'GET', '/api/v1/metrics/subjects', { key: t.apiKey }),
        (r) => r.body.total === 3,
      );

    const gets = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([path]) => path);
    const concrete = (template: string) =>
      template
        .replace(
          '{id}',
          template.includes('/admin/')
            ? tenants.basic.id
            : template.includes('/anomalies/')
              ? 'an_contract'
              : template.includes('/rules/')
                ? ids.rule
                : template.includes('/custom/')
                  ? ids.custom
                  : template.includes('/events/')
                    ? ids.subscription
                    : ids.channel,
        )
        .replace('{keyId}', tenants.basic.keyId)
        .replace('{clientId}', 'app-1');
    /** An hour that ended and settled: two hours ago (the usage export's `hour`). */
    const settledHour = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 13);
    const queries: Record<string, string> = {
      '/api/v1/metrics/analytics': '?period=24h',
      '/api/v1/metrics/export': '?period=1h&format=ndjson',
      '/api/v1/admin/usage/export': `?hour=${settledHour}`,
    };
    for (const template of gets) {
      if (template === '/api/v1/metrics/stream') continue; // below
      const path = concrete(template) + (queries[template] ?? '');
      if (template.startsWith('/api/v1/admin') || template === '/metrics') {
        await conforms('GET', template, await call('GET', path, ADMIN_KEY), 200);
      } else if (template.startsWith('/health')) {
        await conforms('GET', template, await call('GET', path), 200);
      } else {
        for (const tier of TIERS) {
          // Each tenant's own subject (the traffic above).
          const own = path.replace('{subject}', encodeURIComponent(`tenant.${tenants[tier].id}.orders.0`));
          const res = await call('GET', own, tenants[tier].apiKey);
          // The subscription is the enterprise tenant's: to the professional one it is a 404.
          const foreign = template.startsWith('/api/v1/events/subscriptions/{id}') && tier !== 'enterprise';
          await conforms('GET', template, res, allowed(template, tier) ? (foreign ? 404 : 200) : 403);
        }
      }
    }
    // The list routes had something to list, so their item schemas were exercised.
    const list = async (path: string, field: string) =>
      ((await (await call('GET', path, ent.apiKey)).json()) as Record<string, unknown[]>)[field].length;
    expect(await list('/api/v1/metrics/anomalies', 'anomalies')).toBeGreaterThan(0);
    expect(await list('/api/v1/alerts', 'alerts')).toBeGreaterThan(0);
    expect(await list('/api/v1/alerts/deliveries', 'deliveries')).toBeGreaterThan(0);
    expect(await list('/api/v1/metrics/presence', 'clients')).toBeGreaterThan(0);

    // The export in both media types: NDJSON lines are ExportRows (with the custom metric's values),
    // CSV has its header row with the custom metric's column.
    const seriesPoint = compile({ $ref: '#/components/schemas/ExportRow' });
    const ndjson = (await (await call('GET', '/api/v1/metrics/export?period=1h&format=ndjson', ent.apiKey)).text())
      .trim()
      .split('\n');
    expect(ndjson.length).toBeGreaterThan(0);
    for (const line of ndjson) expect(seriesPoint(JSON.parse(line)), ajv.errorsText(seriesPoint.errors)).toBe(true);
    const csv = await conforms(
      'GET',
      '/api/v1/metrics/export',
      await call('GET', '/api/v1/metrics/export?period=1h&format=csv', ent.apiKey),
    );
    expect(String(csv).split('\n')[0]).toContain('timestamp');
    expect(String(csv).split('\n')[0]).toContain(`custom_${ids.custom}`);
    expect(JSON.parse(ndjson[0])).toHaveProperty(['custom', ids.custom]);

    // The usage export in both media types: NDJSON lines are UsageRecords, the CloudEvents batch an
    // array of UsageCloudEvents, one per tenant (of those created before the hour: the test's are
    // made older).
    const redis = new Redis(SHARED_REDIS);
    try {
      const keys = new RedisKeys(pulse.options.redis.keyPrefix);
      for (const tier of TIERS)
        await redis.hset(keys.tenant(tenants[tier].id), 'createdAt', '2020-01-01T00:00:00.000Z');
    } finally {
      redis.disconnect();
    }
    const usageRecord = compile({ $ref: '#/components/schemas/UsageRecord' });
    const usageLines = String(
      await conforms(
        'GET',
        '/api/v1/admin/usage/export',
        await call('GET', `/api/v1/admin/usage/export?hour=${settledHour}&format=ndjson`, ADMIN_KEY),
        200,
      ),
    )
      .trim()
      .split('\n');
    expect(usageLines.length).toBeGreaterThanOrEqual(TIERS.length);
    for (const line of usageLines) expect(usageRecord(JSON.parse(line)), ajv.errorsText(usageRecord.errors)).toBe(true);
    const usageEvents = compile({
      type: 'array',
      items: { $ref: '#/components/schemas/UsageCloudEvent' },
    });
    const batch: unknown = JSON.parse(
      String(
        await conforms(
          'GET',
          '/api/v1/admin/usage/export',
          await call('GET', `/api/v1/admin/usage/export?hour=${settledHour}&format=cloudevents`, ADMIN_KEY),
          200,
        ),
      ),
    );
    expect(usageEvents(batch), ajv.errorsText(usageEvents.errors)).toBe(true);
    expect((batch as unknown[]).length).toBe(usageLines.length);
    await conforms(
      'GET',
      '/api/v1/admin/usage/export',
      await call('GET', '/api/v1/admin/usage/export?hour=yesterday', ADMIN_KEY),
      400,
    );

    // Errors of GET routes: 401, 403 and 400 answer with the documented error body.
    await conforms('GET', '/api/v1/metrics/realtime', await call('GET', '/api/v1/metrics/realtime'));
    await conforms(
      'GET',
      '/api/v1/metrics/anomalies',
      await call('GET', '/api/v1/metrics/anomalies', tenants.basic.apiKey),
    );
    await conforms(
      'GET',
      '/api/v1/metrics/presence',
      await call('GET', '/api/v1/metrics/presence?limit=5', tenants.basic.apiKey),
    );
    await conforms(
      'GET',
      '/api/v1/metrics/analytics',
      await call('GET', '/api/v1/metrics/analytics?period=2y', ent.apiKey),
    );
    await conforms(
      'GET',
      '/api/v1/admin/tenants/{id}',
      await call('GET', '/api/v1/admin/tenants/nobody-here', ADMIN_KEY),
    );
    // Usage: per day over 30 days (enterprise), a period beyond the retention (403) and a bad one (400).
    await conforms(
      'GET',
      '/api/v1/metrics/usage',
      await call('GET', '/api/v1/metrics/usage?period=30d', ent.apiKey),
      200,
    );
    await conforms(
      'GET',
      '/api/v1/metrics/usage',
      await call('GET', '/api/v1/metrics/usage?period=7d', tenants.basic.apiKey),
      403,
    );
    await conforms(
      'GET',
      '/api/v1/metrics/usage',
      await call('GET', '/api/v1/metrics/usage?period=2y', tenants.basic.apiKey),
      400,
    );

    const missed = gets.filter((t) => t !== '/api/v1/metrics/stream' && !checked.has(`GET ${t}`));
    expect(missed, 'GET routes the test did not check').toEqual([]);
  });

  it("carries Pulse's one version (package.json) in info.version, /health/live and /metrics' pulse_build_info", async () => {
    const { version, license } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      version: string;
      license: string;
    };
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(doc.info.version).toBe(version);
    expect(doc.info.license?.name).toBe(license);
    const live = await conforms('GET', '/health/live', await call('GET', '/health/live'), 200);
    expect(live).toEqual({ status: 'ok', version });
    const metrics = String(await conforms('GET', '/metrics', await call('GET', '/metrics', ADMIN_KEY), 200));
    expect(metrics).toContain('# TYPE pulse_build_info gauge');
    const info = metrics.split('\n').filter((line) => line.startsWith('pulse_build_info{'));
    expect(info).toEqual([`pulse_build_info{version="${version}",nodejs_version="${process.versions.node}"} 1`]);
  });

  it('the stream is text/event-stream and its realtime events are the documented Realtime body', async () => {
    const controller = new AbortController();
    const res = await fetch(`${pulse.url}/api/v1/metrics/stream`, {
      headers: { authorization: `Bearer ${tenants.professional.apiKey}` },
      signal: controller.signal,
    });
    const operation = doc.paths['/api/v1/metrics/stream'].get;
    expect(Object.keys(operation.responses['200'].content ?? {})).toEqual(['text/event-stream']);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: realtime\n(?:id: .*\n)?data: .+\n/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(/event: realtime\n(?:id: .*\n)?data: (.+)\n/.exec(text)![1]) as unknown;
    const realtime = compile({ $ref: '#/components/schemas/Realtime' });
    expect(realtime(data), ajv.errorsText(realtime.errors)).toBe(true);
  });
});

/** Whether a tier may read a route: alerting, anomalies and JetStream history are enterprise; analytics, export and JetStream professional. */
function allowed(template: string, tier: Tier): boolean {
  if (
    template.startsWith('/api/v1/alerts') ||
    template.startsWith('/api/v1/metrics/custom') ||
    template === '/api/v1/metrics/anomalies' ||
    template === '/api/v1/metrics/anomalies/{id}/story' ||
    template === '/api/v1/metrics/jetstream/history' ||
    template === '/api/v1/audit'
  ) {
    return tier === 'enterprise';
  }
  if (
    template === '/api/v1/metrics/analytics' ||
    template === '/api/v1/metrics/export' ||
    template === '/api/v1/metrics/connections' ||
    template === '/api/v1/metrics/jetstream' ||
    template.startsWith('/api/v1/metrics/clients') ||
    template.startsWith('/api/v1/metrics/subjects') ||
    template.startsWith('/api/v1/events')
  )
    return tier !== 'basic';
  return true;
}

/** Ajv does not take OpenAPI's discriminator mapping; the oneOf alone decides (tiers are disjoint). */
function withoutDiscriminators<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (k: string, v: unknown) => (k === 'discriminator' ? undefined : v)) as T;
}

/** A response schema with its references pointed at the document's components. */
function rebase(schema: object): object {
  return JSON.parse(
    JSON.stringify(withoutDiscriminators(schema)).replaceAll('"#/components/', '"openapi#/components/'),
  ) as object;
}
