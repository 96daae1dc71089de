import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { JobFailures } from '../jobs/job-failures.js';
import { Timings } from '../jobs/timings.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceRepository } from '../heartbeat/presence.repository.js';
import { estimateCardinality } from '../monitoring/subject-sketch.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import { combineFigures } from '../monitoring/custom/combine.js';
import { aggregateValue } from '../monitoring/custom/figures.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { type Anomaly, type AnomalyEvent, anomalySubject } from './anomaly.js';
import { AnomalyEvents } from './anomaly-events.js';
import { AnomalyRepository, type TenantCounters } from './anomaly.repository.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '../config/detector-config.js';
import { offlineDeltas, type WindowFigures } from './detectors.js';
import { subjectPattern } from './subject-pattern.js';
import {
  closeWindow,
  type CustomSeriesKey,
  customSeriesKey,
  initialPipelineState,
  type PipelineState,
  pipelineConfig,
  PULSE_SERIES_RESOLUTION,
  type SeriesKey,
} from './window-pipeline.js';

const TOP_SUBJECTS = 200;
/** A window more than this many windows after the last one closed spans a gap: not judged. */
const MAX_SPANNED_WINDOWS = 3;

/** The counters a window's deltas are taken from, as of the last window closed. */
/** `nats` is absent in states stored before those counters existed. */
type Snapshot = Omit<TenantCounters, 'sketch' | 'subjects' | 'latencyP95' | 'nats' | 'natsAuthSources'> & {
  distinct: number;
  nats?: TenantCounters['nats'];
};

/** One change still to be stored, published and notified (the pass's outbox). */
interface PendingEvent {
  event: 'opened' | 'resolved';
  anomaly: Anomaly;
}

interface StoredState {
  pipeline: PipelineState;
  last: Snapshot;
  pending: PendingEvent[];
}

const delta = (now: number, before: number) => Math.max(0, now - before);

/** A window's custom series: each metric's value, name and measurement resolution. */
interface CustomWindow {
  series: Partial<Record<CustomSeriesKey, number | null>>;
  names: Partial<Record<CustomSeriesKey, string>>;
  resolution: Partial<Record<SeriesKey, number>>;
}
const NO_CUSTOM: CustomWindow = { series: {}, names: {}, resolution: {} };
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The stored periods a window is made of: its hours when windows are whole hours, else its
 * minutes (at most 60 either way); none when windows are not whole minutes (custom metrics are
 * stored per minute, so such a window has no figures of its own).
 */
export function customWindowPeriods(from: number, windowMs: number): (string | number)[] {
  const [step, name] =
    windowMs % HOUR_MS === 0
      ? [HOUR_MS, (t: number) => `h${t / 1000}`]
      : windowMs % MINUTE_MS === 0
        ? [MINUTE_MS, (t: number) => t / 1000]
        : [0, () => 0];
  if (step === 0 || from % step !== 0) return [];
  return Array.from({ length: Math.min(60, windowMs / step) }, (_, i) => name(from + i * step));
}

/**
 * Closes anomaly windows on wall-clock boundaries of ANOMALY_WINDOW_SECONDS, each exactly once
 * whatever the number of instances, for every enterprise tenant.
 *
 * Window k is [k·W, (k+1)·W); every instance wakes at each boundary plus a settle delay (the flush
 * interval, so the window's counts have reached Redis) and the one holding the lock closes window
 * k for the tenants whose stored state is before k. The state is written by compare-and-set on
 * the window index, so even two overlapping passes (a lock lost to a long pause) cannot close a
 * window twice. Figures are deltas of the tenant's counters in Redis (every instance's traffic).
 *
 * Open, resolve and notify are idempotent: the pass first stores the new state together with an
 * outbox of the changes it decided (anomaly ids are derived from tenant, condition and window),
 * then stores, publishes and emits each change (AnomalyEvents: alerting listens) and removes it
 * from the outbox. A pass that
 * fails or is stopped half-way leaves the rest in the outbox; the next pass delivers it before
 * closing anything new. Delivery is at least once: only a crash between a notification and the
 * outbox update can repeat that one notification.
 *
 * A pass (`run(now)`) returns the number of anomalies opened.
 */
@Injectable()
export class AnomalyDetectionJob extends LockedJobService<number> {
  private readonly logger = new Logger(AnomalyDetectionJob.name);
  private readonly rules: DetectorConfig;
  protected readonly job: LockedJob<number>;
  private readonly lockTtl: number;
  private readonly windowMs: number;
  private readonly settleMs: number;
  private closedWindows = 0;

  constructor(
    private readonly store: AnomalyRepository,
    private readonly directory: TenantDirectory,
    private readonly presence: PresenceRepository,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly events: AnomalyEvents,
    private readonly customMetrics: CustomMetricRepository,
  ) {
    super();
    this.rules = { ...DEFAULT_DETECTOR_CONFIG, ...options.anomalyDetectors };
    this.windowMs = options.anomalyWindowMs;
    this.lockTtl = Math.max(30_000, 3 * options.anomalyWindowMs);
    // Wake after the flush interval (and a little more) so the window's last counts are in Redis;
    // never later than half a window.
    this.settleMs = Math.min(Math.floor(this.windowMs / 2), options.flushIntervalMs + 250);
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: this.logger },
      {
        name: 'anomaly-detector',
        intervalMs: this.windowMs,
        alignOffsetMs: this.settleMs,
        lockTtlMs: this.lockTtl,
        work: (held, now) => this.pass(held, now),
      },
    );
  }

  /** Windows this instance closed (a window counts once across instances). */
  stats(): { windowsClosed: number } {
    return { windowsClosed: this.closedWindows };
  }

  /** The index of the last window that has ended by `now` (after the settle delay). */
  windowAt(now: number): number {
    return Math.floor((now - this.settleMs) / this.windowMs) - 1;
  }

  private async pass(held: HeldLock, now: number): Promise<number> {
    const window = this.windowAt(now);
    let opened = 0;
    await forEachTenant(this.directory.list('enterprise'), async (tenant) => {
      opened += await this.closeTenantWindow(tenant.id, window, tenant.anomalySensitivity);
      await held.extend(this.lockTtl);
    });
    if (await this.store.advanceWindow(window)) this.closedWindows++;
    return opened;
  }

  private async closeTenantWindow(
    tenantId: string,
    window: number,
    sensitivity: 'low' | 'medium' | 'high',
  ): Promise<number> {
    let stored = await this.store.loadDetection<StoredState>(tenantId);
    if (stored && stored.state.pending?.length) {
      await this.deliver(tenantId, stored.window, stored.state);
      stored = { window: stored.window, state: { ...stored.state, pending: [] } };
    }
    if (stored && stored.window >= window) return 0; // closed already (by another instance, or this one)

    const from = window * this.windowMs;
    const counters = await this.store.counters(tenantId, Date.now(), TOP_SUBJECTS, from, from + this.windowMs);
    const distinct = counters.sketch ? estimateCardinality(counters.sketch) : 0;
    const last = snapshot(counters, distinct);
    if (!stored || !stored.state.pipeline) {
      // First sight of the tenant: remember the counters; the next window is the first judged.
      await this.store.saveDetection(tenantId, stored?.window ?? null, window, {
        pipeline: initialPipelineState(),
        last,
        pending: [],
      } satisfies StoredState);
      return 0;
    }
    const spanned = window - stored.window;
    if (spanned > MAX_SPANNED_WINDOWS) {
      // Windows were not closed meanwhile (Redis could not serve this tenant, or no instance ran
      // the job): counts held back arrive at once and would look like a burst. Not judged.
      this.logger.warn(`tenant ${tenantId}: ${spanned} windows since the last one closed, not judged`);
      await this.store.saveDetection(tenantId, stored.window, window, {
        ...stored.state,
        last,
        pending: [],
      } satisfies StoredState);
      return 0;
    }
    const before = stored.state.last;
    const newDay = before.day !== counters.day;
    // A window that covers two or three (a pass missed) is judged per window.
    const per = (n: number) => n / spanned;
    const messages = per(delta(counters.messages, before.messages));
    const sent = delta(counters.sent, before.sent);
    const received = delta(counters.received, before.received);
    const errors = delta(counters.errors, before.errors);
    const figures: WindowFigures = {
      messages: Math.round(messages),
      sent,
      received,
      errors,
      rejected: delta(counters.rejected, before.rejected),
      newDistinct: newDay ? distinct : delta(distinct, before.distinct),
      patterns: counters.subjects.map((subject) => subjectPattern(subject)),
      offline: offlineDeltas(counters.offline, before.offline, newDay),
      // States stored before these counters existed take the current values as their start.
      nats: {
        connects: delta(counters.nats.connects, before.nats?.connects ?? counters.nats.connects),
        slowConsumers: delta(counters.nats.slowConsumers, before.nats?.slowConsumers ?? counters.nats.slowConsumers),
        authFailures: delta(counters.nats.authFailures, before.nats?.authFailures ?? counters.nats.authFailures),
        authSources: counters.natsAuthSources,
      },
    };
    const [clients, custom] = await Promise.all([this.presence.summary(tenantId), this.customWindow(tenantId, from)]);
    const sample = sent + received;
    const config = pipelineConfig(this.windowMs, sensitivity, this.rules, 'all', {
      ...PULSE_SERIES_RESOLUTION,
      ...custom.resolution,
    });
    const result = closeWindow(
      tenantId,
      stored.state.pipeline,
      {
        at: from,
        figures,
        series: {
          messages,
          bytes: per(delta(counters.bytes, before.bytes)),
          // Too few messages for a rate to mean anything: no data this window.
          error_rate: sample >= this.rules.minErrorSample ? errors / sample : null,
          active_clients: clients.online,
          latency_p95: counters.latencyP95,
          ...custom.series,
        },
        names: custom.names,
      },
      config,
    );

    const at = new Date(from + this.windowMs).toISOString();
    const pending: PendingEvent[] = [];
    for (const resolved of result.resolved) {
      const anomaly = await this.store.find(tenantId, resolved.id);
      if (anomaly && anomaly.status === 'open')
        pending.push({ event: 'resolved', anomaly: { ...anomaly, status: 'resolved', resolvedAt: at } });
    }
    for (const draft of result.opened) {
      pending.push({
        event: 'opened',
        anomaly: {
          id: draft.id,
          type: draft.type,
          severity: draft.severity,
          status: 'open',
          summary: draft.summary,
          details: { ...draft.details, score: Number(draft.score.toFixed(4)) },
          detectedAt: at,
          resolvedAt: null,
        },
      });
    }
    const next: StoredState = { pipeline: result.state, last, pending };
    if (!(await this.store.saveDetection(tenantId, stored.window, window, next))) return 0; // another pass closed it
    await this.deliver(tenantId, window, next);

    // Anomalies that stay open are notified again once the repeat interval has passed.
    const fresh = new Set(result.opened.map((d) => d.key));
    for (const [key, open] of Object.entries(result.state.open)) {
      if (fresh.has(key)) continue;
      const anomaly = await this.store.find(tenantId, open.id);
      if (anomaly) await this.events.stillOpen(tenantId, anomaly, Date.now());
    }
    return result.opened.length;
  }

  /**
   * The tenant's custom metrics over the window, read from their stored figures (every
   * instance's values): a count or sum is 0 in a window without messages, the other aggregations
   * have no value then (not learnt).
   */
  private async customWindow(tenantId: string, from: number): Promise<CustomWindow> {
    const periods = customWindowPeriods(from, this.windowMs);
    if (periods.length === 0) return NO_CUSTOM;
    const definitions = await this.customMetrics.list(tenantId);
    if (definitions.length === 0) return NO_CUSTOM;
    const stored = await Promise.all(definitions.map((d) => this.customMetrics.figuresOf(tenantId, d.id, periods)));
    const window: CustomWindow = { series: {}, names: {}, resolution: {} };
    definitions.forEach((d, i) => {
      const key = customSeriesKey(d.id);
      window.series[key] = aggregateValue(d.aggregation, combineFigures(stored[i]));
      window.names[key] = d.name;
      if (d.aggregation === 'count') window.resolution[key] = 1;
    });
    return window;
  }

  /** Stores, publishes and notifies each pending change in order, removing each once done. */
  private async deliver(tenantId: string, window: number, state: StoredState): Promise<void> {
    const pending = [...state.pending];
    while (pending.length > 0) {
      const { event, anomaly } = pending[0];
      await this.store.save(tenantId, anomaly);
      this.publish({ event, tenantId, anomaly });
      await this.events.changed(tenantId, event, anomaly);
      pending.shift();
      await this.store.saveDetection(tenantId, window, window, { ...state, pending });
    }
  }

  private publish(event: AnomalyEvent): void {
    try {
      this.nats.publish(anomalySubject(event.tenantId), JSON.stringify(event));
    } catch (err) {
      this.logger.warn(`anomaly event not published: ${(err as Error).message}`);
    }
  }
}

function snapshot(c: TenantCounters, distinct: number): Snapshot {
  return {
    messages: c.messages,
    bytes: c.bytes,
    sent: c.sent,
    received: c.received,
    errors: c.errors,
    rejected: c.rejected,
    distinct,
    day: c.day,
    offline: c.offline,
    nats: c.nats,
  };
}
