import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, request } from '../support/http.js';
import { ADMIN_KEY, deletePrefix, type RunningPulse, SHARED_REDIS, startPulse, testOptions, uniqueTenantId } from '../support/pulse-app.js';

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

  it('/metrics exposes the named series in Prometheus format, to the admin key only', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('prom'), 'basic');
    await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey });
    expect((await fetch(`${pulse.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(401);
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
      'pulse_heartbeats_total',
      'pulse_alert_deliveries_total',
      'pulse_http_request_duration_seconds_bucket',
      'pulse_process_resident_memory_bytes',
    ]) {
      expect(text, series).toContain(series);
    }
    // Route patterns, never tenant ids, in labels.
    expect(text).toContain('route="/api/v1/metrics/realtime"');
    expect(text).not.toContain(t.id);
  });
});
