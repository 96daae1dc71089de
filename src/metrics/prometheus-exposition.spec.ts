import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PresenceSummary } from '../heartbeat/presence.repository.js';
import { COARSE_LATENCY_BUCKETS } from '../common/latency-histogram.js';
import type { RealtimeView } from './realtime-view.js';
import {
  EXPOSED_CUSTOM_METRICS,
  EXPOSED_SUBJECTS,
  MAX_SERIES,
  MAX_USAGE_SERIES,
  tenantExposition,
} from './prometheus-exposition.js';
import { LIMIT_NAMES } from '../common/limits.js';
import type { UsageExposition } from '../usage/usage.service.js';
import {
  EXPOSED_JETSTREAM_CONSUMERS,
  EXPOSED_JETSTREAM_STREAMS,
  MAX_JETSTREAM_LABEL_CHARS,
  MAX_JETSTREAM_SERIES,
} from './jetstream-exposition.js';
import type { TenantJetStream } from '../jetstream/jetstream.types.js';
import { consumerFigures, laggingTenant, streamFigures } from '../../test/support/jetstream-fake.js';

const PROMTOOL = '/usr/bin/promtool';
const counter = (total: number) => ({ total, today: total, lastMinute: 0, perSecond: 0 });
const presence: PresenceSummary = { online: 3, healthy: 2, degraded: 1, unhealthy: 0, offline: 4, total: 7 };
const basic: RealtimeView = {
  tenantId: 'acme',
  tier: 'basic',
  generatedAt: '2026-12-02T18:00:00.000Z',
  messages: counter(1234),
  bytes: counter(56789),
  clients: { active: 3, total: 7 },
};
const samples = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/**
 * The largest JetStream: more streams (each with a limit) and consumers (each draining) than are
 * exposed, names the tenant chose with quotes, backslashes and newlines, and two long names that
 * cut to the same label.
 */
function largestJetStream(): TenantJetStream {
  const long = 'S'.repeat(MAX_JETSTREAM_LABEL_CHARS + 20);
  const streams = Array.from({ length: EXPOSED_JETSTREAM_STREAMS + 10 }, (_, i) =>
    streamFigures(i === 0 ? 'ORD"ERS\\x\n' : `S${i}`, [`tenant.acme.s${i}.>`], 1999 - i, 10_000 + i, {
      maxMessages: 2000,
    }),
  );
  const consumers = Array.from({ length: EXPOSED_JETSTREAM_CONSUMERS + 10 }, (_, i) =>
    consumerFigures(i < 2 ? `${long}${i}` : 'S1', i < 2 ? 'c' : `c${i}`, {
      pending: 10_000 - i,
      ackPending: 5,
      redelivered: 1,
      drain: { state: 'draining', seconds: 60 + i },
    }),
  );
  return {
    tenantId: 'acme',
    polledAt: '2026-12-02T18:00:00.000Z',
    streams,
    consumers,
    omitted: { streams: 7, consumers: 40 },
  };
}

/** The largest exposition: every tier field, more subjects and custom metrics than are exposed. */
function enterprise(): Parameters<typeof tenantExposition>[0] {
  const top = Array.from({ length: 30 }, (_, i) => ({ subject: `orders."${i}"\\x`, messages: 100 - i, bytes: 1 }));
  const custom = Array.from({ length: EXPOSED_CUSTOM_METRICS + 5 }, (_, i) => ({
    id: `cm_${i}`,
    name: i === 0 ? 'order value' : `m${i}`,
    unit: 'EUR',
    aggregation: 'sum',
    lastMinute: 12.5,
    today: 100,
    unparsable: 0,
    tooLarge: 0,
  }));
  const counts = new Array<number>(COARSE_LATENCY_BUCKETS).fill(0);
  counts[0] = 1; // 0 ms
  counts[5] = 3; // 16..31 ms
  counts[19] = 2; // beyond 262.143 s: only in +Inf
  return {
    view: {
      ...basic,
      tier: 'enterprise',
      latencyMs: { p50: 20, p95: 40, p99: 80, samples: 10 },
      subjects: { distinct: 30, top },
      errorRate: 0.05,
      anomalies: { open: 2 },
      custom,
    },
    presence,
    latencyTotals: { counts, sumMs: 600_090 },
  };
}

/** Usage with the server's totals and every limit set, measured but for the JetStream streams. */
function usage(): UsageExposition {
  return {
    server: {
      ingress: { messages: 100, bytes: 5000 },
      egress: { messages: 500, bytes: 25_000 },
      pulseDelivered: { messages: 100, bytes: 5600 },
    },
    limits: LIMIT_NAMES.map((limit, i) => ({
      limit,
      max: 10 * (i + 1),
      source: 'tenant' as const,
      used: 8 * (i + 1),
      utilisation: limit === 'jetstreamStreams' ? null : 0.8,
      peakToday: 8 * (i + 1),
      peakUtilisation: 0.8,
      level: 'warning' as const,
      forecast: null,
    })),
  };
}

describe('tenant Prometheus exposition', () => {
  it('basic: the totals as counters and clients by status, with HELP and TYPE, nothing of higher tiers', async () => {
    const text = await tenantExposition({ view: basic, presence, latencyTotals: null });
    expect(text).toContain('# TYPE pulse_tenant_messages_total counter');
    expect(text).toContain('pulse_tenant_messages_total 1234');
    expect(text).toContain('pulse_tenant_bytes_total 56789');
    expect(text).toContain('# HELP pulse_tenant_clients Clients by heartbeat status');
    expect(text).toContain('pulse_tenant_clients{status="offline"} 4');
    expect(text).not.toContain('pulse_tenant_latency');
    expect(text).not.toContain('pulse_tenant_subject');
  });

  it('professional+: the all-time latency histogram, cumulative, in seconds with exact le bounds', async () => {
    const text = await tenantExposition(enterprise());
    expect(text).toContain('# TYPE pulse_tenant_latency_seconds histogram');
    const buckets = samples(text).filter((l) => l.startsWith('pulse_tenant_latency_seconds_bucket'));
    expect(buckets).toHaveLength(COARSE_LATENCY_BUCKETS);
    expect(buckets[0]).toBe('pulse_tenant_latency_seconds_bucket{le="0"} 1');
    expect(buckets[4]).toBe('pulse_tenant_latency_seconds_bucket{le="0.015"} 1');
    expect(buckets[5]).toBe('pulse_tenant_latency_seconds_bucket{le="0.031"} 4');
    expect(buckets[18]).toBe('pulse_tenant_latency_seconds_bucket{le="262.143"} 4');
    expect(buckets[19]).toBe('pulse_tenant_latency_seconds_bucket{le="+Inf"} 6');
    expect(text).toContain('pulse_tenant_latency_seconds_sum 600.09');
    expect(text).toContain('pulse_tenant_latency_seconds_count 6');
    expect(text).toContain('pulse_tenant_latency_recent_seconds{percentile="p95"} 0.04');
  });

  it("usage (every tier): the server's totals as counters, each limit with a value and its utilisation", async () => {
    const text = await tenantExposition({ view: basic, presence, latencyTotals: null }, null, usage());
    expect(text).toContain('# TYPE pulse_tenant_server_ingress_messages_total counter');
    expect(text).toContain('pulse_tenant_server_ingress_messages_total 100');
    expect(text).toContain('pulse_tenant_server_ingress_bytes_total 5000');
    expect(text).toContain('pulse_tenant_server_egress_messages_total 500');
    expect(text).toContain('pulse_tenant_server_egress_bytes_total 25000');
    expect(text).toContain('pulse_tenant_pulse_delivered_messages_total 100');
    expect(text).toContain('pulse_tenant_pulse_delivered_bytes_total 5600');
    expect(text).toContain('# TYPE pulse_tenant_limit gauge');
    expect(text).toContain('pulse_tenant_limit{limit="connections"} 10');
    expect(text).toContain('pulse_tenant_limit_utilisation{limit="connections"} 0.8');
    expect(text).toContain('pulse_tenant_limit{limit="monthlyMessages"} 90');
    // A limit whose use is not measured has its value, no utilisation.
    expect(text).toContain('pulse_tenant_limit{limit="jetstreamStreams"} 70');
    expect(text).not.toContain('pulse_tenant_limit_utilisation{limit="jetstreamStreams"}');
    expect(
      samples(text).filter(
        (l) =>
          l.startsWith('pulse_tenant_limit') ||
          l.startsWith('pulse_tenant_server') ||
          l.startsWith('pulse_tenant_pulse_delivered'),
      ),
    ).toHaveLength(MAX_USAGE_SERIES - 1);
    // No server figures and no limit with a value: no usage series at all.
    const none = await tenantExposition({ view: basic, presence, latencyTotals: null }, null, {
      server: null,
      limits: usage().limits.map((u) => ({ ...u, max: null, utilisation: null })),
    });
    expect(none).not.toContain('pulse_tenant_server');
    expect(none).not.toContain('pulse_tenant_limit');
  });

  it('enterprise: a bounded subject label set (escaped), anomalies, custom metrics; never more than MAX_SERIES', async () => {
    const full = usage();
    full.limits = full.limits.map((u) => ({ ...u, utilisation: 0.8 }));
    const text = await tenantExposition(enterprise(), largestJetStream(), full);
    const lines = samples(text);
    expect(lines.filter((l) => l.startsWith('pulse_tenant_subject_messages_today{'))).toHaveLength(EXPOSED_SUBJECTS);
    expect(text).toContain('pulse_tenant_subject_messages_today{subject="orders.\\"0\\"\\\\x"} 100');
    expect(text).toContain('pulse_tenant_anomalies_open 2');
    expect(text).toContain(
      'pulse_tenant_custom_metric_today{id="cm_0",name="order value",unit="EUR",aggregation="sum"} 100',
    );
    expect(lines.filter((l) => l.startsWith('pulse_tenant_custom_metric_today{'))).toHaveLength(EXPOSED_CUSTOM_METRICS);
    // The largest input reaches the bound exactly: the bound counts every series there is.
    expect(lines).toHaveLength(MAX_SERIES);
  });

  it('JetStream: streams and consumers with their figures, drain in seconds only when known, omitted counted', async () => {
    const text = await tenantExposition(enterprise(), laggingTenant('acme'));
    expect(text).toContain('# TYPE pulse_jetstream_stream_messages gauge');
    expect(text).toContain('pulse_jetstream_stream_messages{stream="ORDERS"} 50133');
    expect(text).toContain('pulse_jetstream_stream_bytes{stream="AUDIT"} 420000000');
    expect(text).toContain('pulse_jetstream_stream_fill_ratio{stream="BILLING"} 0.034');
    expect(text).not.toContain('pulse_jetstream_stream_fill_ratio{stream="AUDIT"}'); // no limit: no fill
    expect(text).toContain('pulse_jetstream_consumer_pending{stream="ORDERS",consumer="orders-worker"} 48213');
    expect(text).toContain('pulse_jetstream_consumer_ack_pending{stream="ORDERS",consumer="orders-worker"} 250');
    expect(text).toContain('pulse_jetstream_consumer_redelivered{stream="ORDERS",consumer="orders-worker"} 37');
    expect(text).toContain('pulse_jetstream_consumer_drain_seconds{stream="BILLING",consumer="billing-sync"} 180');
    expect(text).toContain('pulse_jetstream_consumer_drain_seconds{stream="AUDIT",consumer="archiver"} 0');
    // Not draining, and not known yet: no time to drain at all (no made-up number).
    expect(text).not.toContain('pulse_jetstream_consumer_drain_seconds{stream="ORDERS",consumer="orders-worker"}');
    expect(text).not.toContain('pulse_jetstream_consumer_drain_seconds{stream="ORDERS",consumer="orders-audit"}');
    expect(text).toContain('pulse_jetstream_consumers_omitted 12');
    expect(text).toContain('pulse_jetstream_streams_omitted 0');
    // Without a poll (or below professional: the service passes none) there is no JetStream series.
    expect(await tenantExposition(enterprise())).not.toContain('pulse_jetstream');
  });

  it('JetStream: bounded series, tenant names escaped and cut, the rest counted as omitted', async () => {
    const text = await tenantExposition(enterprise(), largestJetStream());
    const lines = samples(text).filter((l) => l.startsWith('pulse_jetstream_'));
    expect(lines).toHaveLength(MAX_JETSTREAM_SERIES);
    expect(lines.filter((l) => l.startsWith('pulse_jetstream_stream_messages{'))).toHaveLength(
      EXPOSED_JETSTREAM_STREAMS,
    );
    expect(lines.filter((l) => l.startsWith('pulse_jetstream_consumer_pending{'))).toHaveLength(
      EXPOSED_JETSTREAM_CONSUMERS,
    );
    // A quote, a backslash and a newline in a stream name are escaped per the text format.
    expect(text).toContain('pulse_jetstream_stream_messages{stream="ORD\\"ERS\\\\x\\n"} 1999');
    // A long name is cut; the second consumer whose labels cut the same is left out (and counted).
    const cut = `${'S'.repeat(MAX_JETSTREAM_LABEL_CHARS - 1)}…`;
    expect(text).toContain(`pulse_jetstream_consumer_pending{stream="${cut}",consumer="c"} 10000`);
    expect(lines.every((l) => l.length < 2 * MAX_JETSTREAM_LABEL_CHARS + 120)).toBe(true);
    // 40 left out by the poll, 10 beyond the bound; 7 and 10 streams.
    expect(text).toContain('pulse_jetstream_consumers_omitted 50');
    expect(text).toContain('pulse_jetstream_streams_omitted 17');
  });

  it.skipIf(!existsSync(PROMTOOL))(
    'promtool check metrics finds nothing to report in the largest exposition',
    async () => {
      const text = await tenantExposition(enterprise(), largestJetStream(), usage());
      // Exits non-zero and prints each problem (a counter without _total, a missing HELP, …).
      expect(execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
    },
  );
});
