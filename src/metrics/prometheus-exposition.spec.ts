import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PresenceSummary } from '../heartbeat/presence.repository.js';
import { COARSE_LATENCY_BUCKETS } from '../common/latency-histogram.js';
import type { RealtimeView } from './realtime-view.js';
import { EXPOSED_CUSTOM_METRICS, EXPOSED_SUBJECTS, MAX_SERIES, tenantExposition } from './prometheus-exposition.js';

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

  it('enterprise: a bounded subject label set (escaped), anomalies, custom metrics; never more than MAX_SERIES', async () => {
    const text = await tenantExposition(enterprise());
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

  it.skipIf(!existsSync(PROMTOOL))(
    'promtool check metrics finds nothing to report in the largest exposition',
    async () => {
      const text = await tenantExposition(enterprise());
      // Exits non-zero and prints each problem (a counter without _total, a missing HELP, …).
      expect(execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
    },
  );
});
