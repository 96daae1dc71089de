import { describe, expect, it } from 'vitest';
import type { RealtimeView } from './realtime-view.js';
import { EXPOSED_SUBJECTS, tenantExposition } from './prometheus-exposition.js';

const counter = (total: number) => ({ total, today: total, lastMinute: 0, perSecond: 0 });
const presence = { online: 3, healthy: 2, degraded: 1, unhealthy: 0, offline: 4, total: 7 };
const basic: RealtimeView = {
  tenantId: 'acme',
  tier: 'basic',
  generatedAt: '2026-12-02T18:00:00.000Z',
  messages: counter(1234),
  bytes: counter(56789),
  clients: { active: 3, total: 7 },
};

describe('tenant Prometheus exposition', () => {
  it('basic: the totals as counters and clients by status, with HELP and TYPE, nothing of higher tiers', async () => {
    const text = await tenantExposition(basic, presence);
    expect(text).toContain('# TYPE pulse_tenant_messages_total counter');
    expect(text).toContain('pulse_tenant_messages_total 1234');
    expect(text).toContain('pulse_tenant_bytes_total 56789');
    expect(text).toContain('# HELP pulse_tenant_clients Clients by heartbeat status');
    expect(text).toContain('pulse_tenant_clients{status="offline"} 4');
    expect(text).not.toContain('pulse_tenant_latency');
    expect(text).not.toContain('pulse_tenant_subject');
  });

  it('enterprise: latency quantiles in seconds, a bounded subject label set (escaped), anomalies, custom metrics', async () => {
    const top = Array.from({ length: 30 }, (_, i) => ({ subject: `orders."${i}"\\x`, messages: 100 - i, bytes: 1 }));
    const text = await tenantExposition(
      {
        ...basic,
        tier: 'enterprise',
        latencyMs: { p50: 20, p95: 40, p99: 80, samples: 10 },
        subjects: { distinct: 30, top },
        errorRate: 0.05,
        anomalies: { open: 2 },
        custom: [
          {
            id: 'cm_1',
            name: 'order value',
            unit: 'EUR',
            aggregation: 'sum',
            lastMinute: 12.5,
            today: 100,
            unparsable: 0,
            tooLarge: 0,
          },
        ],
      },
      presence,
    );
    expect(text).toContain('pulse_tenant_latency_seconds{quantile="0.95"} 0.04');
    expect(text.split('\n').filter((l) => l.startsWith('pulse_tenant_subject_messages_today{'))).toHaveLength(
      EXPOSED_SUBJECTS,
    );
    expect(text).toContain('pulse_tenant_subject_messages_today{subject="orders.\\"0\\"\\\\x"} 100');
    expect(text).toContain('pulse_tenant_anomalies_open 2');
    expect(text).toContain(
      'pulse_tenant_custom_metric_today{id="cm_1",name="order value",unit="EUR",aggregation="sum"} 100',
    );
  });
});
