import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OfflineDetector } from '../../src/heartbeat/offline-detector.job.js';
import { AdvisoriesService } from '../../src/jetstream/advisories.service.js';
import { JETSTREAM_READER, type JetStreamReader } from '../../src/jetstream/jetstream.types.js';
import { createTenant, request } from '../support/http.js';
import { hasPrometheus, PROMTOOL, sayPrometheusMissing } from '../support/prometheus.js';
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

sayPrometheusMissing('the promtool check of /metrics');

describe('operator surface', () => {
  const options = testOptions();
  let pulse: RunningPulse;

  beforeAll(async () => {
    pulse = await startPulse(options);
  });

  afterAll(async () => {
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const scrape = async () =>
    (await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();

  it.skipIf(!hasPrometheus)('promtool check metrics finds nothing to report in a scrape', async () => {
    await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: ADMIN_KEY });
    // promtool exits non-zero and prints each problem (a gauge named _total, a missing HELP, …).
    const out = execFileSync(PROMTOOL, ['check', 'metrics'], { input: await scrape(), encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });

  it('flush and job durations are histograms (every pass observed, not the last value)', async () => {
    await waitFor(scrape, (text) => /pulse_flush_duration_seconds_count [1-9]/.test(text));
    await waitFor(
      () => pulse.app.get(OfflineDetector).run(),
      (r) => r !== null,
    );
    const text = await scrape();
    expect(text).toContain('# TYPE pulse_flush_duration_seconds histogram');
    expect(text).toContain('# TYPE pulse_job_duration_seconds histogram');
    expect(text).toMatch(/pulse_job_duration_seconds_count\{job_name="offline-detector"\} [1-9]/);
    expect(text).not.toMatch(/^pulse_nodejs_active_\w+_total/m);
  });

  it('/metrics exposes the named series in Prometheus format, to the admin key only', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('prom'), 'basic');
    await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey });
    expect((await fetch(`${pulse.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(
      401,
    );
    const res = await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const series of [
      'pulse_messages_ingested_total',
      'pulse_messages_rejected_total',
      'pulse_flush_duration_seconds',
      'pulse_flush_backlog_messages',
      'pulse_nats_connected 1',
      'pulse_redis_connected 1',
      'pulse_redis_cluster_slots_failing 0',
      'pulse_heartbeats_total',
      'pulse_presence_heartbeats_total{outcome="written"}',
      'pulse_presence_heartbeats_total{outcome="superseded"}',
      '# TYPE pulse_heartbeat_processing_seconds histogram',
      'pulse_heartbeat_processing_seconds_bucket{le="+Inf"}',
      'pulse_alert_deliveries_total',
      'pulse_event_requests_total{outcome="delivered"} 0',
      'pulse_events_dropped_total{reason="backlog"} 0',
      'pulse_events_appended_total',
      'pulse_http_request_duration_seconds_bucket',
      'pulse_process_resident_memory_bytes',
    ]) {
      expect(text, series).toContain(series);
    }
    // Route patterns, never tenant ids, in labels.
    expect(text).toContain('route="/api/v1/metrics/realtime"');
    expect(text).not.toContain(t.id);
  });

  it("JetStream advisories this instance handled: in /metrics and in the console's JetStream block", async () => {
    const advisories = pulse.app.get(AdvisoriesService);
    const before = advisories.status();
    // Not an advisory Pulse knows: rejected (no I/O, counted at once).
    advisories.handle({
      subject: '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C',
      data: new TextEncoder().encode('{"type": 42}'),
    });
    const text = await scrape();
    expect(text).toContain('# TYPE pulse_jetstream_advisories_total counter');
    expect(text).toContain(`pulse_jetstream_advisories_total{outcome="rejected"} ${before.rejected + 1}`);
    for (const outcome of ['counted', 'unmatched', 'dropped'])
      expect(text).toMatch(new RegExp(`pulse_jetstream_advisories_total\\{outcome="${outcome}"\\} \\d+`));
    expect(text).toMatch(/^pulse_jetstream_advisory_last_timestamp_seconds \d/m);
    const overview = await request<{ jetstream: { advisories: { state: string; rejected: number } } }>(
      pulse.url,
      'GET',
      '/api/v1/admin/overview',
      { key: ADMIN_KEY },
    );
    expect(overview.status).toBe(200);
    expect(overview.body.jetstream.advisories).toMatchObject({ state: 'on', rejected: before.rejected + 1 });
  });

  it('the JetStream poll and advisory states: 1 for the current one, 0 for the others', async () => {
    const states = (text: string, component: string) =>
      ['off', 'ok', 'error'].map((state) => {
        const m = new RegExp(`^pulse_jetstream_state\\{component="${component}",state="${state}"\\} (\\d+)$`, 'm').exec(
          text,
        );
        return m === null ? null : Number(m[1]);
      });
    let text = await scrape();
    expect(text).toContain('# TYPE pulse_jetstream_state gauge');
    const poll = pulse.app.get<JetStreamReader>(JETSTREAM_READER).status().state;
    expect(states(text, 'poll')).toEqual(['off', 'ok', 'error'].map((s) => (s === poll ? 1 : 0)));
    expect(states(text, 'advisories')).toEqual([0, 1, 0]);
    // A failing poll and a refused advisory subscription.
    const reader = pulse.app.get<JetStreamReader>(JETSTREAM_READER);
    const status = vi.spyOn(reader, 'status').mockReturnValue({ state: 'error', lastPollAt: null, unowned: 0 });
    const advisories = pulse.app.get(AdvisoriesService);
    const refused = vi.spyOn(advisories, 'status').mockReturnValue({ ...advisories.status(), state: 'error' });
    try {
      text = await scrape();
      expect(states(text, 'poll')).toEqual([0, 0, 1]);
      expect(states(text, 'advisories')).toEqual([0, 0, 1]);
    } finally {
      status.mockRestore();
      refused.mockRestore();
    }
  });
});

describe('OpenAPI', () => {
  it('lists every route with the bearer scheme and the error body', async () => {
    const options = testOptions();
    const pulse = await startPulse(options);
    try {
      const res = await fetch(`${pulse.url}/api/docs-json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { securitySchemes: Record<string, { scheme: string }>; schemas: Record<string, unknown> };
      };
      const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      for (const route of [
        'POST /api/v1/admin/tenants',
        'GET /api/v1/admin/tenants',
        'GET /api/v1/admin/tenants/{id}',
        'PATCH /api/v1/admin/tenants/{id}',
        'DELETE /api/v1/admin/tenants/{id}',
        'POST /api/v1/admin/tenants/{id}/api-keys',
        'GET /api/v1/admin/tenants/{id}/api-keys',
        'DELETE /api/v1/admin/tenants/{id}/api-keys/{keyId}',
        'GET /api/v1/metrics/realtime',
        'GET /api/v1/metrics/presence',
        'GET /api/v1/metrics/analytics',
        'GET /api/v1/metrics/export',
        'GET /api/v1/metrics/anomalies',
        'POST /api/v1/metrics/anomalies/backtest',
        'GET /api/v1/metrics/health-check',
        'POST /api/v1/alerts/channels',
        'GET /api/v1/alerts/channels',
        'GET /api/v1/alerts/channels/{id}',
        'PATCH /api/v1/alerts/channels/{id}',
        'DELETE /api/v1/alerts/channels/{id}',
        'POST /api/v1/alerts/channels/{id}/test',
        'POST /api/v1/alerts/rules',
        'GET /api/v1/alerts/rules',
        'PATCH /api/v1/alerts/rules/{id}',
        'DELETE /api/v1/alerts/rules/{id}',
        'POST /api/v1/alerts/silences',
        'GET /api/v1/alerts/silences',
        'GET /api/v1/alerts',
        'GET /api/v1/alerts/deliveries',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
      ]) {
        expect(routes, route).toContain(route);
      }
      expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
      expect(doc.components.schemas).toHaveProperty('ErrorBody');
      expect(doc.components.securitySchemes.bearer).not.toHaveProperty('bearerFormat');
      expect(doc.components.schemas).toHaveProperty('BacktestBody');
      expect(doc.paths['/api/v1/metrics/analytics'].get.responses).toHaveProperty('403');
      const ui = await fetch(`${pulse.url}/api/docs`);
      expect(ui.status).toBe(200);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });
});

describe('SSE stream', () => {
  it('sends the tier-shaped realtime body about every second', async () => {
    const options = testOptions();
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('sse'), 'professional');
      const controller = new AbortController();
      const res = await fetch(`${pulse.url}/api/v1/metrics/stream`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const started = Date.now();
      while ((text.match(/^data: /gm) ?? []).length < 2 && Date.now() - started < 5000) {
        const { value } = await reader.read();
        text += decoder.decode(value);
      }
      controller.abort();
      const events = text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)));
      expect(events.length).toBeGreaterThanOrEqual(2);
      expect(events[0]).toMatchObject({ tenantId: t.id, tier: 'professional' });
      expect(events[0]).toHaveProperty('latencyMs');
      expect(events[0]).not.toHaveProperty('errorRate');
      expect((await fetch(`${pulse.url}/api/v1/metrics/stream`)).status).toBe(401);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });
});

describe('SSE stream re-checks its credential', () => {
  const options = testOptions();
  let pulse: RunningPulse;

  beforeAll(async () => {
    pulse = await startPulse(options);
  });

  afterAll(async () => {
    await pulse?.close();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  const opened: { close: () => void }[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  /** Opens a stream and collects its events until it ends (closed by the test after it). */
  async function open(key: string) {
    const controller = new AbortController();
    const res = await fetch(`${pulse.url}/api/v1/metrics/stream`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    const events: { type: string; data: Record<string, unknown> }[] = [];
    // A refused stream's error body (JSON).
    const refusal = res.status === 200 ? undefined : ((await res.json()) as Record<string, unknown>);
    let ended = false;
    const done = (async () => {
      if (res.status !== 200) return;
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done: finished } = await reader.read();
          if (finished) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const lines = buffer.slice(0, cut).split('\n');
            buffer = buffer.slice(cut + 2);
            const type = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
            const data = lines
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('');
            if (data) events.push({ type, data: JSON.parse(data) });
          }
        }
        ended = true;
      } catch {
        // aborted by the test
      }
    })();
    const stream = { status: res.status, refusal, events, ended: () => ended, done, close: () => controller.abort() };
    opened.push(stream);
    return stream;
  }

  it('a revoked key or a disabled tenant ends an open stream within seconds; a tier change reshapes it', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('sse-rev'), 'basic');
    const stream = await open(t.apiKey);
    expect(stream.status).toBe(200);
    await waitFor(
      async () => stream.events.length,
      (n) => n >= 1,
    );
    expect(stream.events[0].data).not.toHaveProperty('latencyMs');
    expect(
      (
        await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, {
          key: ADMIN_KEY,
          body: { tier: 'professional' },
        })
      ).status,
    ).toBe(200);
    await waitFor(
      async () => stream.events.at(-1)?.data.tier,
      (tier) => tier === 'professional',
      { timeoutMs: 5000 },
    );
    expect(stream.events.at(-1)!.data).toHaveProperty('latencyMs');

    const keys = await request<{ apiKeys: { keyId: string }[] }>(
      pulse.url,
      'GET',
      `/api/v1/admin/tenants/${t.id}/api-keys`,
      { key: ADMIN_KEY },
    );
    expect(
      (
        await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${t.id}/api-keys/${keys.body.apiKeys[0].keyId}`, {
          key: ADMIN_KEY,
        })
      ).status,
    ).toBe(204);
    const revokedAt = Date.now();
    await waitFor(async () => stream.ended(), Boolean, { timeoutMs: 8000 });
    expect(stream.ended()).toBe(true);
    expect(Date.now() - revokedAt).toBeLessThan(6000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'closed' });

    const u = await createTenant(pulse.url, uniqueTenantId('sse-dis'), 'basic');
    const second = await open(u.apiKey);
    await waitFor(
      async () => second.events.length,
      (n) => n >= 1,
    );
    expect(
      (
        await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${u.id}`, {
          key: ADMIN_KEY,
          body: { status: 'disabled' },
        })
      ).status,
    ).toBe(200);
    await waitFor(async () => second.ended(), Boolean, { timeoutMs: 8000 });
    expect(second.ended()).toBe(true);
  });

  it('at most 5 open streams per key: the sixth gets 429', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('sse-cap'), 'basic');
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await open(t.apiKey));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await open(t.apiKey);
    expect(sixth.status).toBe(429);
    expect(sixth.refusal).toMatchObject({ statusCode: 429, code: 'TOO_MANY_STREAMS' });
    streams[0].close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await open(t.apiKey);
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });
});

describe('rate limits (Redis, across instances)', () => {
  it('429 with Retry-After past the per-key limit, counted across two instances; key guessing hits the address limit', async () => {
    const options = testOptions({ rateLimit: { perKeyPerMinute: 5, perAddressPerMinute: 12 } });
    const a = await startPulse(options);
    const b = await startPulse(options);
    try {
      const t = await createTenant(a.url, uniqueTenantId('rl'), 'basic');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const target = i % 2 === 0 ? a : b;
        statuses.push((await request(target.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).status);
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses[5]).toBe(429);
      const limited = await fetch(`${a.url}/api/v1/metrics/realtime`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      // Guessing keys from one address: each guess is a new key, the address limit still applies.
      const guesses: number[] = [];
      for (let i = 0; i < 8; i++)
        guesses.push(
          (await request(b.url, 'GET', '/api/v1/metrics/realtime', { key: `pk_guess${i}xxxxxxxxxxxxxxxxxxxxxxxx` }))
            .status,
        );
      expect(guesses).toContain(429);
      const guessed = await request(b.url, 'GET', '/api/v1/metrics/realtime', { key: `pk_guess8${'x'.repeat(24)}` });
      expect(guessed.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      // Probes are never limited.
      expect((await fetch(`${a.url}/health/live`)).status).toBe(200);
      expect(limited.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await a.close();
      await b.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });

  it('one budget per key across routes; /metrics is limited too; a trusted proxy gives each forwarded client its own', async () => {
    const options = testOptions({ rateLimit: { perKeyPerMinute: 8, perAddressPerMinute: 6 }, trustProxy: 'loopback' });
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('rl-routes'), 'professional');
      const routes = ['/api/v1/metrics/realtime', '/api/v1/metrics/presence', '/api/v1/metrics/health-check'];
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${pulse.url}${routes[i % 3]}`, {
          headers: { authorization: `Bearer ${t.apiKey}`, 'x-forwarded-for': `203.0.113.${i}` },
        });
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(8);
      expect(statuses.slice(8)).toEqual([429, 429, 429, 429]);
      // Guessing the admin key on /metrics from one forwarded address hits the address limit.
      const guesses: number[] = [];
      for (let i = 0; i < 8; i++) {
        guesses.push(
          (
            await fetch(`${pulse.url}/metrics`, {
              headers: { authorization: `Bearer wrong-admin-key-${i}`, 'x-forwarded-for': '198.51.100.7' },
            })
          ).status,
        );
      }
      expect(guesses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(guesses.slice(6)).toEqual([429, 429]);
      // Another client behind the same proxy has its own address budget.
      const other = await fetch(`${pulse.url}/metrics`, {
        headers: { authorization: 'Bearer wrong-admin-key-x', 'x-forwarded-for': '198.51.100.8' },
      });
      expect(other.status).toBe(401);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });
});
