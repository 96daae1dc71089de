import { Injectable } from '@nestjs/common';
import { NatsEventsService } from '../nats-events/nats-events.service.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HeartbeatService } from '../heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../heartbeat/presence-writer.js';
import { TrafficAggregator } from '../monitoring/traffic-aggregator.js';
import { TrafficFlusher } from '../monitoring/traffic-flusher.js';
import { NatsStatus } from '../nats/nats-status.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { AlertSender } from '../alerting/alert-sender.js';
import { AnomalyDetectionJob } from '../anomalies/anomaly-detection.job.js';
import { Timings } from '../jobs/timings.js';
import { JobFailures } from '../jobs/job-failures.js';

/**
 * prom-client's default metrics include three gauges named `_total`, which Prometheus reserves for
 * counters (promtool check metrics flags them). They are the sums of the same gauges by type
 * (`pulse_nodejs_active_handles`, `_requests`, `_resources`), which stay: `sum()` gives the total.
 */
const MISNAMED_DEFAULTS = [
  'pulse_nodejs_active_handles_total',
  'pulse_nodejs_active_requests_total',
  'pulse_nodejs_active_resources_total',
];

/**
 * Pulse's own metrics in Prometheus exposition (prom-client). Values that components already
 * keep are read at scrape time; only what no component counts (HTTP requests, alert deliveries)
 * is counted here. No label carries a tenant id: the series stay bounded with any number of tenants.
 * No label is named `job` or `instance`: Prometheus sets those on every scraped series (a scraped
 * one would be renamed `exported_job`), so a scheduled job's name is `job_name`.
 */
@Injectable()
export class PrometheusService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(
    aggregator: TrafficAggregator,
    flusher: TrafficFlusher,
    nats: NatsStatus,
    health: PulseHealthService,
    heartbeats: HeartbeatService,
    writer: PresenceWriter,
    sender: AlertSender,
    anomalies: AnomalyDetectionJob,
    timings: Timings,
    natsEvents: NatsEventsService,
    jobFailures: JobFailures,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'pulse_' });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    new Counter({
      name: 'pulse_messages_ingested_total',
      help: 'Tenant messages counted by this instance',
      registers,
      collect() {
        this.reset();
        this.inc(aggregator.stats().messages);
      },
    });
    new Counter({
      name: 'pulse_messages_rejected_total',
      help: 'Tenant messages whose processing failed (counted as rejected)',
      registers,
      collect() {
        this.reset();
        this.inc(aggregator.stats().rejected);
      },
    });
    new Counter({
      name: 'pulse_nats_system_events_total',
      help: 'NATS server advisories this instance handled that matched no tenant (outcome=unmatched) or were no advisory it knows (outcome=rejected)',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const s = natsEvents.status();
        this.inc({ outcome: 'unmatched' }, s.unmatched);
        this.inc({ outcome: 'rejected' }, s.rejected);
      },
    });
    new Gauge({
      name: 'pulse_nats_system_connected',
      help: 'The NATS system-account connection is up (1), down (0), or not configured (-1)',
      registers,
      collect() {
        const state = natsEvents.status().state;
        this.set(state === 'off' ? -1 : state === 'connected' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pulse_flush_backlog_messages',
      help: 'Counted messages waiting in memory for Redis',
      registers,
      collect() {
        this.set(flusher.snapshot().backlogMessages);
      },
    });
    new Gauge({
      name: 'pulse_nats_connected',
      help: '1 when the NATS connection is up',
      registers,
      collect() {
        this.set(nats.current().state === 'connected' ? 1 : 0);
      },
    });
    new Counter({
      name: 'pulse_nats_slow_consumer_events_total',
      help: 'Slow-consumer reports on the tap',
      registers,
      collect() {
        this.reset();
        this.inc(nats.current().slowConsumerEvents);
      },
    });
    new Gauge({
      name: 'pulse_redis_connected',
      help: '1 when Redis answers',
      registers,
      async collect() {
        const r = await health.redisStatus();
        this.set(r.state === 'ready' && !r.error ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pulse_redis_cluster_slots_failing',
      help: 'Redis Cluster slots whose master is lost or suspected lost (0 on a single Redis)',
      registers,
      async collect() {
        this.set((await health.redisStatus()).cluster?.slotsFailing ?? 0);
      },
    });
    new Counter({
      name: 'pulse_heartbeats_total',
      help: 'Heartbeats by outcome (accepted or the rejection reason)',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const stats = heartbeats.stats();
        this.inc({ outcome: 'accepted' }, stats.accepted);
        for (const [reason, n] of Object.entries(stats.rejected)) this.inc({ outcome: reason }, n);
      },
    });
    new Gauge({
      name: 'pulse_presence_pending_heartbeats',
      help: 'Heartbeats buffered for the next presence write',
      registers,
      collect() {
        this.set(writer.snapshot().pending);
      },
    });
    new Counter({
      name: 'pulse_flush_failed_writes_total',
      help: 'Redis writes that failed and were kept in memory for retry: tenant count deltas (store=traffic), heartbeat batches (store=presence)',
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        this.inc({ store: 'traffic' }, flusher.snapshot().failedWrites);
        this.inc({ store: 'presence' }, writer.snapshot().failedWrites);
      },
    });
    new Counter({
      name: 'pulse_job_failures_total',
      help: 'Passes of a scheduled job that failed on this instance (the next pass retries)',
      labelNames: ['job_name'],
      registers,
      collect() {
        this.reset();
        for (const [name, n] of jobFailures.totals()) this.inc({ job_name: name }, n);
      },
    });
    const flushDuration = new Histogram({
      name: 'pulse_flush_duration_seconds',
      help: 'Duration of each flush of counts to Redis',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const jobDuration = new Histogram({
      name: 'pulse_job_duration_seconds',
      help: 'Duration of each pass of a scheduled job that ran on this instance (held the lock)',
      labelNames: ['job_name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    timings.subscribe((kind, name, seconds) => {
      if (kind === 'flush') flushDuration.observe(seconds);
      else jobDuration.observe({ job_name: name }, seconds);
    });
    new Counter({
      name: 'pulse_anomaly_windows_closed_total',
      help: 'Anomaly-detection windows this instance closed (each window is closed by one instance: the sum over instances is the number of windows)',
      registers,
      collect() {
        this.reset();
        this.inc(anomalies.stats().windowsClosed);
      },
    });
    this.httpDuration = new Histogram({
      name: 'pulse_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Counter({
      name: 'pulse_alert_deliveries_total',
      help: 'Alert delivery attempts by channel type and outcome',
      labelNames: ['channel', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [key, n] of sender.attemptCounts()) {
          const [channel, outcome] = key.split('|');
          this.inc({ channel, outcome }, n);
        }
      },
    });
  }
}
