import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import { COARSE_LATENCY_BUCKETS, coarseUpperMs } from '../common/latency-histogram.js';
import type { TenantJetStream } from '../jetstream/jetstream.types.js';
import { LIMIT_NAMES } from '../common/limits.js';
import type { UsageExposition } from '../usage/usage.service.js';
import { addJetStreamSeries, MAX_JETSTREAM_SERIES } from './jetstream-exposition.js';
import type { LatencyTotals, RealtimeRead } from './realtime.reader.js';

/** Subjects exposed as label values, at most (the busiest today): the bound on the series a scrape returns. */
export const EXPOSED_SUBJECTS = 20;
/** Custom metrics exposed, at most (an enterprise tenant may define up to CUSTOM_METRICS_PER_TENANT). */
export const EXPOSED_CUSTOM_METRICS = 50;
/** Usage series at most: the server's messages and bytes in and out, each limit's value and utilisation. */
export const MAX_USAGE_SERIES = 6 + 2 * LIMIT_NAMES.length;
/**
 * Series (sample lines) a scrape returns at most, whatever the tenant's traffic: messages and
 * bytes, clients by 4 statuses, the usage series; professional: the histogram's buckets (+Inf
 * included), sum and count, 3 percentiles, the busiest subjects and their distinct count, the
 * JetStream series; enterprise: the error ratio, open anomalies and 2 series a custom metric.
 */
export const MAX_SERIES =
  2 +
  4 +
  MAX_USAGE_SERIES +
  COARSE_LATENCY_BUCKETS +
  2 +
  3 +
  EXPOSED_SUBJECTS +
  1 +
  MAX_JETSTREAM_SERIES +
  2 +
  2 * EXPOSED_CUSTOM_METRICS;

/** The `le` bounds (seconds) of the latency histogram: coarse buckets 0..18; +Inf holds the last. */
export const LATENCY_LE_SECONDS = Array.from({ length: COARSE_LATENCY_BUCKETS - 1 }, (_, k) => coarseUpperMs(k) / 1000);

/**
 * The tenant's own figures in the Prometheus text format (README, Prometheus and Grafana), shaped
 * by tier as the realtime view is: what the view holds, nothing more. prom-client writes the
 * format (HELP, TYPE, label escaping); a Registry per call holds only this tenant's series, at
 * most MAX_SERIES. `jetstream`: the tenant's last JetStream poll, passed when its tier has the
 * feature (null: never polled, or monitoring off: no JetStream series). `usage` (every tier): the
 * server's all-time messages and bytes in and out, and the limits that have a value.
 */
export async function tenantExposition(
  read: Pick<RealtimeRead, 'view' | 'presence' | 'latencyTotals'>,
  jetstream: TenantJetStream | null = null,
  usage: UsageExposition | null = null,
): Promise<string> {
  const { view, presence } = read;
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
  if (usage) addUsageSeries(registers, usage);
  if (read.latencyTotals) registry.registerMetric(latencyHistogram(read.latencyTotals));
  if (view.latencyMs && view.latencyMs.samples > 0) {
    const latency = new Gauge({
      name: 'pulse_tenant_latency_recent_seconds',
      // Not "quantile": that label belongs to summaries (promtool check metrics says so).
      help: 'Publish-to-Pulse latency over the last 5 minutes, by percentile (within 4.5 %)',
      labelNames: ['percentile'],
      registers,
    });
    latency.set({ percentile: 'p50' }, view.latencyMs.p50 / 1000);
    latency.set({ percentile: 'p95' }, view.latencyMs.p95 / 1000);
    latency.set({ percentile: 'p99' }, view.latencyMs.p99 / 1000);
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
  if (jetstream) addJetStreamSeries(registry, jetstream);
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

/**
 * The usage series: counters of the server's all-time figures (absent without a system account:
 * nothing counted), and per limit that has a value its value and, when its use is measured, its
 * utilisation (a ratio: 0.8 is 80 %).
 */
function addUsageSeries(registers: Registry[], usage: UsageExposition): void {
  if (usage.server) {
    const counter = (name: string, help: string, value: number) =>
      new Counter({ name, help, registers }).inc(Math.max(0, value));
    const { ingress, egress, pulseDelivered } = usage.server;
    counter(
      'pulse_tenant_server_ingress_messages_total',
      'Messages the tenant’s connections published, as the NATS server counts them, all time',
      ingress.messages,
    );
    counter(
      'pulse_tenant_server_ingress_bytes_total',
      'Bytes the tenant’s connections published, as the NATS server counts them, all time',
      ingress.bytes,
    );
    counter(
      'pulse_tenant_server_egress_messages_total',
      'Messages the NATS server delivered to the tenant’s connections (fan-out included), all time',
      egress.messages,
    );
    counter(
      'pulse_tenant_server_egress_bytes_total',
      'Bytes the NATS server delivered to the tenant’s connections (fan-out included), all time',
      egress.bytes,
    );
    // Counters never go down: the accounts shape's own egress is server egress − Pulse's deliveries,
    // taken in PromQL (README, Egress excludes Pulse's own tap), not a counter that could dip.
    counter(
      'pulse_tenant_pulse_delivered_messages_total',
      'Messages of the tenant the NATS server delivered to Pulse itself (tap and heartbeats), all time',
      pulseDelivered.messages,
    );
    counter(
      'pulse_tenant_pulse_delivered_bytes_total',
      'Bytes (headers and payload) of the tenant the NATS server delivered to Pulse itself, all time',
      pulseDelivered.bytes,
    );
  }
  const limited = usage.limits.filter((u) => u.max !== null);
  if (limited.length === 0) return;
  const value = new Gauge({
    name: 'pulse_tenant_limit',
    help: 'Each limit the tenant has: connections, subscriptions, payload and data bytes, JetStream, monthly messages',
    labelNames: ['limit'],
    registers,
  });
  const utilisation = new Gauge({
    name: 'pulse_tenant_limit_utilisation',
    help: 'Each limit’s use over its value now (1 is the limit; data and monthly messages: this month)',
    labelNames: ['limit'],
    registers,
  });
  for (const u of limited) {
    value.set({ limit: u.limit }, u.max!);
    if (u.utilisation !== null) utilisation.set({ limit: u.limit }, u.utilisation);
  }
}

/**
 * The all-time latency histogram as a Prometheus histogram. Its bucket counts are already
 * aggregated in Redis (every instance's samples), which prom-client's Histogram cannot take (it
 * observes one value at a time), so this is a metric object of the shape a Registry formats:
 * name, help, type and the values get() returns, as prom-client's own histogram gives them.
 */
function latencyHistogram(totals: LatencyTotals): Metric {
  const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
  let cumulative = 0;
  LATENCY_LE_SECONDS.forEach((le, k) => {
    cumulative += totals.counts[k] ?? 0;
    values.push({ metricName: 'pulse_tenant_latency_seconds_bucket', labels: { le }, value: cumulative });
  });
  const count = totals.counts.reduce((a, b) => a + b, 0);
  values.push({ metricName: 'pulse_tenant_latency_seconds_bucket', labels: { le: '+Inf' }, value: count });
  values.push({ metricName: 'pulse_tenant_latency_seconds_sum', labels: {}, value: totals.sumMs / 1000 });
  values.push({ metricName: 'pulse_tenant_latency_seconds_count', labels: {}, value: count });
  const metric = {
    name: 'pulse_tenant_latency_seconds',
    help: 'Publish-to-Pulse latency of the measured messages (X-Published-At, sampled at high rates), all time',
    type: 'histogram',
    aggregator: 'sum',
    get: () => Promise.resolve({ ...metric, values }),
  };
  return metric as unknown as Metric;
}
