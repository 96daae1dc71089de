import { Inject, Injectable, Optional } from '@nestjs/common';
import { NatsEventsService } from '../nats-events/nats-events.service.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LatencyBucketsHistogram } from './latency-buckets-histogram.js';
import { HeartbeatService } from '../heartbeat/heartbeat.service.js';
import { PresenceWriter } from '../heartbeat/presence-writer.js';
import { TrafficAggregator } from '../monitoring/traffic-aggregator.js';
import { TrafficFlusher } from '../monitoring/traffic-flusher.js';
import { NatsStatus } from '../nats/nats-status.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { AlertSender } from '../alerting/alert-sender.js';
import { EventLog } from '../events/event-log.js';
import { EventDeliveryWorker } from '../events/event-delivery.worker.js';
import { AnomalyDetectionJob } from '../anomalies/anomaly-detection.job.js';
import { Timings } from '../jobs/timings.js';
import { JobFailures } from '../jobs/job-failures.js';
import { AdvisoriesService } from '../jetstream/advisories.service.js';
import { JETSTREAM_READER, type JetStreamReader } from '../jetstream/jetstream.types.js';
import { TenantShards } from '../tenants/tenant-shards.js';
import { PULSE_VERSION } from '../config/build-info.js';

/** The states `pulse_jetstream_state` reports for each JetStream component. */
const JETSTREAM_STATES = ['off', 'ok', 'error'] as const;

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
  private readonly registers = [this.registry];

  // Registered in the order the exposition lists them.
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
    advisories: AdvisoriesService,
    shards: TenantShards,
    eventLog: EventLog,
    eventDeliveries: EventDeliveryWorker,
    @Optional() @Inject(JETSTREAM_READER) jetstream?: JetStreamReader,
  ) {
    this.buildMetrics();
    this.processMetrics();
    this.tapMetrics(aggregator);
    this.shardMetrics(shards);
    this.natsSystemMetrics(natsEvents);
    this.advisoryMetrics(advisories, jetstream);
    this.connectionMetrics(flusher, nats, health);
    this.heartbeatMetrics(heartbeats, writer);
    this.failureMetrics(flusher, writer, jobFailures);
    this.durationMetrics(timings);
    this.counter(
      'pulse_anomaly_windows_closed_total',
      'Anomaly-detection windows this instance closed (each window is closed by one instance: the sum over instances is the number of windows)',
      () => anomalies.stats().windowsClosed,
    );
    this.counter(
      'pulse_anomaly_windows_late_total',
      "Tenant windows a pass of this instance skipped because the tenant's detection was already past them (a pass late after a pause, or this instance's clock behind another's); each window is judged once",
      () => anomalies.stats().windowsLate,
    );
    this.httpDuration = new Histogram({
      name: 'pulse_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: this.registers,
    });
    this.alertMetrics(sender);
    this.eventMetrics(eventLog, eventDeliveries);
  }

  /** `pulse_build_info`: which Pulse (package.json's version) on which Node.js; always 1. */
  private buildMetrics(): void {
    const info = new Gauge({
      name: 'pulse_build_info',
      help: "Pulse's version (package.json, semantic versioning) and the Node.js version it runs on; always 1",
      labelNames: ['version', 'nodejs_version'],
      registers: this.registers,
    });
    info.set({ version: PULSE_VERSION, nodejs_version: process.versions.node }, 1);
  }

  /** Node.js and process metrics (prom-client's defaults), less the misnamed ones. */
  private processMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'pulse_' });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
  }

  private tapMetrics(aggregator: TrafficAggregator): void {
    this.counter(
      'pulse_messages_ingested_total',
      'Tenant messages counted by this instance',
      () => aggregator.stats().messages,
    );
    this.counter(
      'pulse_messages_rejected_total',
      'Tenant messages whose processing failed (counted as rejected)',
      () => aggregator.stats().rejected,
    );
  }

  /** Tenant shards (PULSE_SHARDS): which one this instance serves, and how many tenants it owns. */
  private shardMetrics(shards: TenantShards): void {
    const info = new Gauge({
      name: 'pulse_shard_info',
      help: "This instance's tenant shard (shard, 0-based) of the deployment's shards (shards); always 1. One shard: shard 0 of 1",
      labelNames: ['shard', 'shards'],
      registers: this.registers,
    });
    info.set({ shard: String(shards.index), shards: String(shards.count) }, 1);
    this.gauge(
      'pulse_shard_tenants',
      "Active tenants this instance's shard owns, whose messages and heartbeats it subscribes (one shard: every active tenant)",
      () => shards.ownedCount(),
    );
  }

  private natsSystemMetrics(natsEvents: NatsEventsService): void {
    this.outcomeCounter(
      'pulse_nats_system_events_total',
      'NATS server advisories this instance handled that matched no tenant (outcome=unmatched) or were no advisory it knows (outcome=rejected)',
      () => natsEvents.status(),
      ['unmatched', 'rejected'],
    );
    this.gauge(
      'pulse_nats_system_connected',
      'The NATS system-account connection is up (1), down (0), or not configured (-1)',
      () => {
        const state = natsEvents.status().state;
        return state === 'off' ? -1 : state === 'connected' ? 1 : 0;
      },
    );
  }

  /**
   * JetStream advisories this instance handled (the queue group shares them out among instances),
   * and the state of the JetStream poll (the last one stored, any instance's) and of this
   * instance's advisory subscription.
   */
  private advisoryMetrics(advisories: AdvisoriesService, jetstream: JetStreamReader | undefined): void {
    this.outcomeCounter(
      'pulse_jetstream_advisories_total',
      'JetStream advisories this instance handled: counted for a tenant (outcome=counted), matching no polled stream and consumer of a tenant, or of a tenant without anomalies (unmatched), no advisory it knows or malformed (rejected), dropped with the queue full (dropped)',
      () => advisories.status(),
      ['counted', 'unmatched', 'rejected', 'dropped'],
    );
    this.gauge(
      'pulse_jetstream_advisory_last_timestamp_seconds',
      'When this instance last handled a JetStream advisory (Unix seconds; 0: none yet)',
      () => {
        const last = advisories.status().lastAt;
        return last === null ? 0 : Date.parse(last) / 1000;
      },
    );
    new Gauge({
      name: 'pulse_jetstream_state',
      help: "State of the JetStream poll (component=poll, the last poll of any instance) and of this instance's advisory subscription (component=advisories): 1 for the current state (off, ok or error), 0 for the others",
      labelNames: ['component', 'state'],
      registers: this.registers,
      collect() {
        const advisory = advisories.status().state;
        const current = {
          poll: jetstream?.status().state ?? 'off',
          advisories: advisory === 'on' ? 'ok' : advisory,
        };
        for (const [component, now] of Object.entries(current))
          for (const state of JETSTREAM_STATES) this.set({ component, state }, state === now ? 1 : 0);
      },
    });
  }

  /** The flush backlog, and the NATS and Redis connections it waits on. */
  private connectionMetrics(flusher: TrafficFlusher, nats: NatsStatus, health: PulseHealthService): void {
    this.gauge(
      'pulse_flush_backlog_messages',
      'Counted messages waiting in memory for Redis',
      () => flusher.snapshot().backlogMessages,
    );
    this.gauge('pulse_nats_connected', '1 when the NATS connection is up', () =>
      nats.current().state === 'connected' ? 1 : 0,
    );
    this.counter(
      'pulse_nats_slow_consumer_events_total',
      'Slow-consumer reports on the tap',
      () => nats.current().slowConsumerEvents,
    );
    new Gauge({
      name: 'pulse_redis_connected',
      help: '1 when Redis answers',
      registers: this.registers,
      async collect() {
        const r = await health.redisStatus();
        this.set(r.state === 'ready' && !r.error ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pulse_redis_cluster_slots_failing',
      help: 'Redis Cluster slots whose master is lost or suspected lost (0 on a single Redis)',
      registers: this.registers,
      async collect() {
        this.set((await health.redisStatus()).cluster?.slotsFailing ?? 0);
      },
    });
  }

  private heartbeatMetrics(heartbeats: HeartbeatService, writer: PresenceWriter): void {
    this.labelledCounter(
      'pulse_heartbeats_total',
      'Heartbeats by outcome (accepted or the rejection reason)',
      ['outcome'],
      () => {
        const stats = heartbeats.stats();
        return [
          [{ outcome: 'accepted' }, stats.accepted],
          ...Object.entries(stats.rejected).map(([reason, n]) => [{ outcome: reason }, n] as const),
        ];
      },
    );
    this.gauge(
      'pulse_presence_pending_heartbeats',
      'Heartbeats buffered for the next presence write',
      () => writer.snapshot().pending,
    );
    this.counter(
      'pulse_presence_shed_retries_total',
      'Heartbeats of failed presence writes dropped instead of kept for retry (the buffer was full)',
      () => writer.snapshot().shed,
    );
    this.counter(
      'pulse_presence_unconfirmed_deliveries_total',
      'Delivered heartbeats (pd_m) of presence writes that timed out: Redis may have counted them, so they are not sent again',
      () => writer.snapshot().unconfirmedDeliveries,
    );
    this.outcomeCounter(
      'pulse_presence_heartbeats_total',
      'Accepted heartbeats the presence writer has done with: written to Redis (outcome=written), or replaced in its buffer by a newer heartbeat of the same client before the write (outcome=superseded)',
      () => writer.snapshot(),
      ['written', 'superseded'],
    );
    new LatencyBucketsHistogram(
      'pulse_heartbeat_processing_seconds',
      'Heartbeats from receipt to their acknowledged Redis write (whole milliseconds; the sum is estimated from bucket midpoints)',
      this.registers,
      () => writer.processingHistogram(),
    );
  }

  private failureMetrics(flusher: TrafficFlusher, writer: PresenceWriter, jobFailures: JobFailures): void {
    this.labelledCounter(
      'pulse_flush_failed_writes_total',
      'Redis writes that failed and were kept in memory for retry: tenant count deltas (store=traffic), heartbeat batches (store=presence)',
      ['store'],
      () => [
        [{ store: 'traffic' }, flusher.snapshot().failedWrites],
        [{ store: 'presence' }, writer.snapshot().failedWrites],
      ],
    );
    this.labelledCounter(
      'pulse_job_failures_total',
      'Passes of a scheduled job that failed on this instance (the next pass retries)',
      ['job_name'],
      () => [...jobFailures.totals()].map(([name, n]) => [{ job_name: name }, n] as const),
    );
  }

  /** Flush and job durations, observed as Timings reports them. */
  private durationMetrics(timings: Timings): void {
    const flushDuration = new Histogram({
      name: 'pulse_flush_duration_seconds',
      help: 'Duration of each flush of counts to Redis',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: this.registers,
    });
    const jobDuration = new Histogram({
      name: 'pulse_job_duration_seconds',
      help: 'Duration of each pass of a scheduled job that ran on this instance (held the lock)',
      labelNames: ['job_name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: this.registers,
    });
    timings.subscribe((kind, name, seconds) => {
      if (kind === 'flush') flushDuration.observe(seconds);
      else jobDuration.observe({ job_name: name }, seconds);
    });
  }

  private alertMetrics(sender: AlertSender): void {
    this.labelledCounter(
      'pulse_alert_deliveries_total',
      'Alert delivery attempts by channel type and outcome',
      ['channel', 'outcome'],
      () =>
        [...sender.attemptCounts()].map(([key, n]) => {
          const [channel, outcome] = key.split('|');
          return [{ channel, outcome }, n] as const;
        }),
    );
  }

  /** Webhook events (issue #38): appended, dropped, requests by outcome, events delivered and their lag. */
  private eventMetrics(log: EventLog, worker: EventDeliveryWorker): void {
    this.counter(
      'pulse_events_appended_total',
      "Events this instance appended to the tenants' event logs",
      () => log.snapshot().appended,
    );
    this.labelledCounter(
      'pulse_events_dropped_total',
      "Events dropped: `buffer` (this instance's append buffer full), `backlog` (trimmed from a tenant's log before a subscription took them, counted when found)",
      ['reason'],
      () => [
        [{ reason: 'buffer' }, log.snapshot().dropped],
        [{ reason: 'backlog' }, worker.stats.eventsDropped],
      ],
    );
    this.labelledCounter(
      'pulse_event_requests_total',
      'Webhook requests to event subscriptions by outcome',
      ['outcome'],
      () =>
        (['delivered', 'failed'] as const).map(
          (outcome) => [{ outcome }, worker.stats.requests.get(outcome) ?? 0] as const,
        ),
    );
    this.counter(
      'pulse_events_delivered_total',
      'Events delivered to subscriptions (2xx)',
      () => worker.stats.eventsDelivered,
    );
    this.counter(
      'pulse_event_subscriptions_paused_total',
      'Subscriptions this instance paused after failures in a row',
      () => worker.stats.paused,
    );
    this.counter(
      'pulse_event_delivery_lag_seconds_total',
      'Summed age of the delivered events at delivery, append to 2xx (over pulse_events_delivered_total: the mean lag)',
      () => worker.stats.lagMsSum / 1000,
    );
    this.gauge(
      'pulse_events_buffered',
      'Events waiting in this instance for their batched append',
      () => log.snapshot().buffered,
    );
  }

  /** A counter that reads its total at scrape time from a component that keeps it. */
  private counter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: this.registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** As `counter`, one total per label set. */
  private labelledCounter<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: () => Iterable<readonly [Partial<Record<L, string>>, number]>,
  ): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: this.registers,
      collect() {
        this.reset();
        for (const [labels, n] of read()) this.inc(labels, n);
      },
    });
  }

  /** As `labelledCounter`, labelled `outcome`: each outcome's total read from one status object. */
  private outcomeCounter<S, K extends keyof S & string>(
    name: string,
    help: string,
    status: () => S & Record<K, number>,
    outcomes: K[],
  ): void {
    this.labelledCounter(name, help, ['outcome'], () => {
      const s = status();
      return outcomes.map((outcome) => [{ outcome }, s[outcome]] as const);
    });
  }

  /** A gauge set at scrape time from a component's current value. */
  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: this.registers,
      collect() {
        this.set(read());
      },
    });
  }
}
