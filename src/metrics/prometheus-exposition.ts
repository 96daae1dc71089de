import { Counter, Gauge, Registry } from 'prom-client';
import type { PresenceSummary } from '../heartbeat/presence.repository.js';
import type { RealtimeView } from './realtime-view.js';

/** Subjects exposed as label values, at most (the busiest today): the bound on the series a scrape returns. */
export const EXPOSED_SUBJECTS = 20;
/** Custom metrics exposed, at most (an enterprise tenant may define up to CUSTOM_METRICS_PER_TENANT). */
export const EXPOSED_CUSTOM_METRICS = 50;

/**
 * The tenant's own figures in the Prometheus text format (README, Prometheus and Grafana), shaped
 * by tier as the realtime view is: what the view holds, nothing more. prom-client writes the
 * format (HELP, TYPE, label escaping); a Registry per call holds only this tenant's series.
 * Bounded: at most 4 + 1 + 3 + EXPOSED_SUBJECTS + 2 + 2 × EXPOSED_CUSTOM_METRICS series.
 */
export async function tenantExposition(view: RealtimeView, presence: PresenceSummary): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  // Counters of all-time totals: Prometheus' rate() and increase() work on them as on any counter.
  const counter = (name: string, help: string, value: number) =>
    new Counter({ name, help, registers }).inc(Math.max(0, value));
  counter('pulse_tenant_messages_total', 'Messages published on the tenant’s subjects, all time', view.messages.total);
  counter('pulse_tenant_bytes_total', 'Payload bytes published on the tenant’s subjects, all time', view.bytes.total);
  const clients = new Gauge({
    name: 'pulse_tenant_clients',
    help: 'Clients by heartbeat status',
    labelNames: ['status'],
    registers,
  });
  for (const status of ['healthy', 'degraded', 'unhealthy', 'offline'] as const)
    clients.set({ status }, presence[status]);
  if (view.latencyMs && view.latencyMs.samples > 0) {
    const latency = new Gauge({
      name: 'pulse_tenant_latency_seconds',
      help: 'Publish-to-Pulse latency over the last 5 minutes, by quantile',
      labelNames: ['quantile'],
      registers,
    });
    latency.set({ quantile: '0.5' }, view.latencyMs.p50 / 1000);
    latency.set({ quantile: '0.95' }, view.latencyMs.p95 / 1000);
    latency.set({ quantile: '0.99' }, view.latencyMs.p99 / 1000);
  }
  if (view.subjects) {
    const subjects = new Gauge({
      name: 'pulse_tenant_subject_messages_today',
      help: `Messages today (UTC) on the tenant’s busiest ${EXPOSED_SUBJECTS} subjects`,
      labelNames: ['subject'],
      registers,
    });
    for (const s of view.subjects.top.slice(0, EXPOSED_SUBJECTS)) subjects.set({ subject: s.subject }, s.messages);
    new Gauge({
      name: 'pulse_tenant_subjects_distinct_today',
      help: 'Distinct subjects today (estimate)',
      registers,
    }).set(view.subjects.distinct);
  }
  if (view.errorRate !== undefined) {
    new Gauge({
      name: 'pulse_tenant_error_ratio',
      help: 'Client-reported errors over messages, last 5 minutes',
      registers,
    }).set(view.errorRate);
  }
  if (view.anomalies) {
    new Gauge({ name: 'pulse_tenant_anomalies_open', help: 'Open anomalies', registers }).set(view.anomalies.open);
  }
  if (view.custom && view.custom.length > 0) {
    const labelNames = ['id', 'name', 'unit', 'aggregation'];
    const last = new Gauge({
      name: 'pulse_tenant_custom_metric_last_minute',
      help: 'Each custom metric over the last complete minute',
      labelNames,
      registers,
    });
    const today = new Gauge({
      name: 'pulse_tenant_custom_metric_today',
      help: 'Each custom metric over today (UTC) so far',
      labelNames,
      registers,
    });
    for (const m of view.custom.slice(0, EXPOSED_CUSTOM_METRICS)) {
      const labels = { id: m.id, name: m.name, unit: m.unit ?? '', aggregation: m.aggregation };
      if (m.lastMinute !== null) last.set(labels, m.lastMinute);
      if (m.today !== null) today.set(labels, m.today);
    }
  }
  return registry.metrics();
}
