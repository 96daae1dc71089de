import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type CreatedTenant, realtimeTotal } from '../support/http.js';
import { hasPrometheus, PrometheusServer, sayPrometheusMissing } from '../support/prometheus.js';
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

sayPrometheusMissing('the Prometheus scrape e2e');

/**
 * A real Prometheus (Debian's, as the README's test command installs it) scrapes the tenant
 * exposition with each tenant's key as its bearer token, every second, while traffic flows: what
 * Prometheus stored is what Pulse counted, PromQL works on it, and a key scrapes its tenant only.
 */
describe.skipIf(!hasPrometheus)('a real Prometheus scrapes GET /api/v1/metrics/prometheus', () => {
  let pulse: RunningPulse;
  let prometheus: PrometheusServer;
  let nc: NatsConnection;
  let a: CreatedTenant;
  let b: CreatedTenant;

  const job = (name: string, key: string) => ({
    job_name: name,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    metrics_path: '/api/v1/metrics/prometheus',
    authorization: { credentials: key },
    static_configs: [{ targets: [new URL(pulse.url).host] }],
  });

  beforeAll(async () => {
    pulse = await startPulse(testOptions());
    nc = await publisher();
    a = await createTenant(pulse.url, uniqueTenantId('scrape-a'), 'professional');
    b = await createTenant(pulse.url, uniqueTenantId('scrape-b'), 'basic');
    prometheus = await PrometheusServer.start({
      global: { evaluation_interval: '1s' },
      scrape_configs: [job('tenant-a', a.apiKey), job('tenant-b', b.apiKey), job('wrong-key', 'pk_not_a_key')],
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await nc?.close();
    await pulse?.close();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it("stores the tenant's counter equal to Pulse's total, rate() above zero, a working latency histogram; another key sees none of it", async () => {
    // Prometheus applies its targets a few seconds after it starts: traffic begins once both
    // tenants have been scraped, and flows for a few seconds, so that several scrapes see it rise.
    for (const name of ['tenant-a', 'tenant-b']) {
      expect(
        await waitFor(
          () => prometheus.scalar(`up{job="${name}"}`),
          (n) => n === 1,
          { timeoutMs: 30_000 },
        ),
      ).toBe(1);
    }
    let sentA = 0;
    let sentB = 0;
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      await publishMany(nc, 50, (i) => `tenant.${a.id}.orders.${i % 4}`);
      sentA += 50;
      await publishMany(nc, 3, () => `tenant.${b.id}.x`);
      sentB += 3;
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitFor(
      () => realtimeTotal(pulse.url, a.apiKey),
      (n) => n === sentA,
    );
    await waitFor(
      () => realtimeTotal(pulse.url, b.apiKey),
      (n) => n === sentB,
    );
    // Scraped at least twice while it rose, then once after the last flush.
    await waitFor(
      () => prometheus.scalar('count_over_time(pulse_tenant_messages_total{job="tenant-a"}[1m])'),
      (n) => n !== null && n >= 2,
      { timeoutMs: 20_000 },
    );
    const stored = await waitFor(
      () => prometheus.scalar('pulse_tenant_messages_total{job="tenant-a"}'),
      (n) => n === sentA,
      { timeoutMs: 20_000 },
    );
    expect(stored).toBe(sentA);
    expect(await prometheus.scalar('pulse_tenant_messages_total{job="tenant-a"}')).toBe(
      await realtimeTotal(pulse.url, a.apiKey),
    );
    expect(await prometheus.scalar('rate(pulse_tenant_messages_total{job="tenant-a"}[1m])')).toBeGreaterThan(0);
    expect(await prometheus.scalar('pulse_tenant_bytes_total{job="tenant-a"}')).toBe(sentA * 100);

    // Every message carried X-Published-At and none was sampled out: the histogram counts them all.
    await waitFor(
      () => prometheus.scalar('pulse_tenant_latency_seconds_count{job="tenant-a"}'),
      (n) => n === sentA,
      { timeoutMs: 20_000 },
    );
    const p99 = await prometheus.scalar(
      'histogram_quantile(0.99, sum by (le) (rate(pulse_tenant_latency_seconds_bucket{job="tenant-a"}[1m])))',
    );
    expect(p99).not.toBeNull();
    expect(Number.isFinite(p99)).toBe(true);
    expect(p99).toBeGreaterThanOrEqual(0);
    expect(p99).toBeLessThan(10); // loopback: milliseconds, and at worst the flush interval
    expect(
      await prometheus.query(`pulse_tenant_subject_messages_today{job="tenant-a",subject="tenant.${a.id}.orders.0"}`),
    ).toHaveLength(1);

    // Tenant b's key: its own counter, nothing of a's, nothing of a higher tier.
    expect(
      await waitFor(
        () => prometheus.scalar('pulse_tenant_messages_total{job="tenant-b"}'),
        (n) => n === sentB,
        { timeoutMs: 20_000 },
      ),
    ).toBe(sentB);
    const theirs = await prometheus.query('{job="tenant-b"}');
    expect(theirs.length).toBeGreaterThan(0);
    for (const series of theirs) {
      expect(Object.values(series.metric).join(' ')).not.toContain(a.id);
      expect(series.metric.__name__).not.toMatch(/latency|subject/);
    }
    expect(await prometheus.query(`{job="tenant-b",subject=~"tenant\\\\.${a.id}\\\\..*"}`)).toHaveLength(0);
    expect(await prometheus.scalar('up{job="tenant-b"}')).toBe(1);
    // A key Pulse does not know is refused (401): the target is down and stores nothing.
    expect(await prometheus.scalar('up{job="wrong-key"}')).toBe(0);
    expect(await prometheus.query('pulse_tenant_messages_total{job="wrong-key"}')).toHaveLength(0);
  });
});
