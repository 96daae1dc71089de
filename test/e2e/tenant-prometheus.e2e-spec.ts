import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, realtimeTotal } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/** The tenant exposition as a scraper gets it (prometheus-scrape.e2e-spec.ts has a real Prometheus scrape it). */
describe('tenant Prometheus exposition (real NATS and Redis)', () => {
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

  const scrape = async (key?: string) => {
    const res = await fetch(`${pulse.url}/api/v1/metrics/prometheus`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it("exposes the tenant's own counter equal to its realtime total; another key sees only its own; no key is 401", async () => {
    const a = await createTenant(pulse.url, uniqueTenantId('prom-a'), 'professional');
    const b = await createTenant(pulse.url, uniqueTenantId('prom-b'), 'basic');
    await publishMany(nc, 120, (i) => `tenant.${a.id}.orders.${i % 3}`);
    await publishMany(nc, 7, () => `tenant.${b.id}.x`);
    await waitFor(
      () => realtimeTotal(pulse.url, a.apiKey),
      (n) => n === 120,
    );
    await waitFor(
      () => realtimeTotal(pulse.url, b.apiKey),
      (n) => n === 7,
    );
    const mine = await scrape(a.apiKey);
    expect(mine.status).toBe(200);
    expect(mine.type).toContain('text/plain; version=0.0.4');
    expect(mine.text).toContain('pulse_tenant_messages_total 120');
    // Every message carried X-Published-At: the all-time histogram counts each (whole ms, so ≥ 0).
    expect(mine.text).toContain('pulse_tenant_latency_seconds_count 120');
    expect(mine.text).toContain('pulse_tenant_latency_seconds_bucket{le="+Inf"} 120');
    expect(mine.text).toContain(`pulse_tenant_subject_messages_today{subject="tenant.${a.id}.orders.0"} 40`);
    expect(mine.text).not.toContain(b.id);
    const theirs = await scrape(b.apiKey);
    expect(theirs.text).toContain('pulse_tenant_messages_total 7');
    expect(theirs.text).not.toContain(a.id);
    expect(theirs.text).not.toContain('pulse_tenant_subject_messages_today'); // basic: as realtime
    expect((await scrape()).status).toBe(401);
  });
});
