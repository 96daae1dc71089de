import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
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
import { FakeJetStreamReader, laggingTenant, withJetStreamReader } from '../support/jetstream-fake.js';
import { claims, FakeServerUsageReader, serverSnapshot, withServerUsageReader } from '../support/server-usage-fake.js';

/** The tenant exposition as a scraper gets it (prometheus-scrape.e2e-spec.ts has a real Prometheus scrape it). */
describe('tenant Prometheus exposition (real NATS and Redis)', () => {
  let pulse: RunningPulse;
  let nc: NatsConnection;
  // The JetStream poller's figures, fixed (the JetStream e2e of src/jetstream has the real poller).
  const jetstream = new FakeJetStreamReader();
  // The server's figures per tenant, fixed (nats-events' reader has its own e2e).
  const server = new FakeServerUsageReader();

  beforeAll(async () => {
    const fake = withServerUsageReader(server, withJetStreamReader(jetstream));
    pulse = await startPulse(testOptions(), fake);
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

  it('exposes the busiest EXPOSED_SUBJECTS (20) subjects as its HELP says, not the 10 of the realtime view', async () => {
    const t = await createTenant(pulse.url, uniqueTenantId('prom-subjects'), 'professional');
    // 25 subjects, subject k with k + 1 messages: the busiest 20 are s5 … s24.
    await publishMany(nc, 325, (i) => `tenant.${t.id}.s${Math.floor((Math.sqrt(8 * i + 1) - 1) / 2)}`);
    await waitFor(
      () => realtimeTotal(pulse.url, t.apiKey),
      (n) => n === 325,
    );
    const text = (await scrape(t.apiKey)).text;
    expect(text).toContain('busiest 20 subjects');
    const exposed = text
      .split('\n')
      .filter((l) => l.startsWith('pulse_tenant_subject_messages_today{'))
      .map((l) => /subject="[^"]*\.s(\d+)"\} (\d+)/.exec(l)!.slice(1).map(Number));
    expect(exposed).toHaveLength(20);
    expect(exposed.map(([k]) => k).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    for (const [k, messages] of exposed) expect(messages).toBe(k + 1);
  });

  it("exposes the tenant's JetStream (professional and up): its own streams and consumers only, bounded", async () => {
    const pro = await createTenant(pulse.url, uniqueTenantId('prom-js'), 'professional');
    const other = await createTenant(pulse.url, uniqueTenantId('prom-js-b'), 'basic');
    jetstream.views.set(pro.id, laggingTenant(pro.id));
    const theirs = { ...laggingTenant(other.id) };
    theirs.streams = theirs.streams.map((s) => ({ ...s, name: `B_${s.name}` }));
    theirs.consumers = theirs.consumers.map((c) => ({ ...c, stream: `B_${c.stream}`, name: `b-${c.name}` }));
    jetstream.views.set(other.id, theirs);
    const mine = await scrape(pro.apiKey);
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('pulse_jetstream_consumer_pending{stream="ORDERS",consumer="orders-worker"} 48213');
    expect(mine.text).toContain('pulse_jetstream_consumer_drain_seconds{stream="BILLING",consumer="billing-sync"} 180');
    expect(mine.text).toContain('pulse_jetstream_stream_fill_ratio{stream="ORDERS"}');
    expect(mine.text).toContain('pulse_jetstream_consumers_omitted 12');
    expect(mine.text).not.toContain('B_');
    // Basic has no JetStream feature: no series, though the poll holds its streams.
    const basic = await scrape(other.apiKey);
    expect(basic.status).toBe(200);
    expect(basic.text).not.toContain('pulse_jetstream');
  });

  it("exposes every tier's usage: the server's all-time figures in and out, each limit and its utilisation, its own only", async () => {
    const id = uniqueTenantId('prom-use');
    const created = await request<{ apiKey: string }>(pulse.url, 'POST', '/api/v1/admin/tenants', {
      key: ADMIN_KEY,
      body: { id, tier: 'basic', monthlyMessageQuota: 1000 },
    });
    const other = await createTenant(pulse.url, uniqueTenantId('prom-use-b'), 'basic');
    server.snapshots.set(
      id,
      serverSnapshot(id, { shape: 'account', connections: 4, claims: claims({ connections: 5 }) }),
    );
    server.snapshots.set(other.id, serverSnapshot(other.id, { connections: 1, claims: claims({ connections: 77 }) }));
    // The all-time server counters as nats-events' writer keeps them in the totals hash.
    const redis = new Redis(SHARED_REDIS);
    try {
      await redis.hset(new HistoryKeys(pulse.options.redis.keyPrefix).totals(id), {
        sv_in_m: 10,
        sv_in_b: 1000,
        sv_out_m: 50,
        sv_out_b: 5000,
      });
    } finally {
      redis.disconnect();
    }
    await publishMany(nc, 250, () => `tenant.${id}.x`);
    await waitFor(
      () => realtimeTotal(pulse.url, created.body.apiKey),
      (n) => n === 250,
    );
    const text = (
      await waitFor(
        () => scrape(created.body.apiKey),
        (s) => s.text.includes('pulse_tenant_limit_utilisation{limit="monthlyMessages"} 0.25'),
      )
    ).text;
    expect(text).toContain('pulse_tenant_server_ingress_messages_total 10');
    expect(text).toContain('pulse_tenant_server_ingress_bytes_total 1000');
    expect(text).toContain('pulse_tenant_server_egress_messages_total 50');
    expect(text).toContain('pulse_tenant_server_egress_bytes_total 5000');
    expect(text).toContain('pulse_tenant_limit{limit="connections"} 5');
    expect(text).toContain('pulse_tenant_limit_utilisation{limit="connections"} 0.8');
    expect(text).toContain('pulse_tenant_limit{limit="monthlyMessages"} 1000');
    // The published messages this month (the day hash, flushed): 250 of 1,000.
    expect(text).toContain('pulse_tenant_limit_utilisation{limit="monthlyMessages"} 0.25');
    expect(text).not.toContain('pulse_tenant_limit{limit="subscriptions"}'); // no value: no series
    expect(text).not.toContain(' 77');
    const theirs = await scrape(other.apiKey);
    expect(theirs.text).toContain('pulse_tenant_limit{limit="connections"} 77');
    expect(theirs.text).toContain('pulse_tenant_server_ingress_messages_total 0');
  });
});
