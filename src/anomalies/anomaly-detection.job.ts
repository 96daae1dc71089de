import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
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
import { AdvisoriesService } from '../jetstream/advisories.service.js';
import { JETSTREAM_READER, type JetStreamReader, type TenantJetStream } from '../jetstream/jetstream.types.js';
import type { JetStreamWindow } from './jetstream-families.js';
import { type Anomaly, type AnomalyEvent, anomalySubject } from './anomaly.js';
import { AnomalyEvents } from './anomaly-events.js';
import { AnomalyRepository, type HeldWindows, type TenantCounters } from './anomaly.repository.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '../config/detector-config.js';
import { delta, type JudgedWindow, shareOf, type Snapshot, snapshot, windowFigures } from './window-figures.js';
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
/** Share of the counts since the last window that may be missing from the missed windows' seconds (flushes still in flight). */
const HELD_TOLERANCE = 0.01;
/** Windows back that a window seen busy is remembered (a takeover after longer is a gap anyway). */
const BUSY_REMEMBERED = 240;

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
  /** Tenant windows a pass skipped because the tenant's stored window was already past them. */
  private lateWindows = 0;
  /**
   * Windows whose pass this instance found the lock held for by another (so Redis answered, and
   * took the counts as they came): what a takeover may judge one by one. Recent ones only.
   */
  private readonly busy = new Set<number>();

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
    private readonly advisories: AdvisoriesService,
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstream?: JetStreamReader,
  ) {
    super();
    this.rules = { ...DEFAULT_DETECTOR_CONFIG, ...options.anomalyDetectors };
    this.windowMs = options.anomalyWindowMs;
    // Short (half a window, 1-30 s) and renewed while a pass runs (LockedJob): a holder that dies
    // mid-pass blocks the others for one window at most, and the survivor judges the windows missed.
    this.lockTtl = Math.min(30_000, Math.max(1000, Math.floor(options.anomalyWindowMs / 2)));
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
        onBusy: (now) => this.sawBusy(this.windowAt(now)),
      },
    );
  }

  /** Windows this instance closed (a window counts once across instances), and tenant windows it found late. */
  stats(): { windowsClosed: number; windowsLate: number } {
    return { windowsClosed: this.closedWindows, windowsLate: this.lateWindows };
  }

  /** The index of the last window that has ended by `now` (after the settle delay). */
  windowAt(now: number): number {
    return Math.floor((now - this.settleMs) / this.windowMs) - 1;
  }

  private sawBusy(window: number): void {
    this.busy.add(window);
    for (const w of this.busy) if (w < window - BUSY_REMEMBERED) this.busy.delete(w);
  }

  private async pass(held: HeldLock, now: number): Promise<number> {
    const window = this.windowAt(now);
    let opened = 0;
    const lateBefore = this.lateWindows;
    try {
      await forEachTenant(this.directory.list('anomalies'), async (tenant) => {
        opened += await this.closeTenantWindow(tenant.id, window, tenant.anomalySensitivity);
        await held.extend(this.lockTtl);
      });
    } finally {
      const late = this.lateWindows - lateBefore;
      if (late > 0)
        this.logger.warn(
          `window ${window}: ${late} tenant(s) already closed past it (a pass late after a pause, or this instance's clock behind another's); not judged again`,
        );
    }
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
    if (stored && stored.window >= window) {
      // Closed already (by another instance, or a retry), or the tenant's state is past it (a pass
      // late after a pause, or this instance's clock behind another's): never judged again.
      if (stored.window > window) this.lateWindows++;
      return 0;
    }

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
    const before = stored.state.last;
    // More than three windows missed (a pass that died under a long lock, a stalled holder): judged
    // one by one when Redis holds them, else not judged. Two or three (a pass skipped, a takeover
    // at the next boundary) stay averages: the per-second split shows every stall of a client's
    // publishing in short windows (a 1 s window read 333 where 398 came, and opened a dip).
    const held =
      spanned > MAX_SPANNED_WINDOWS ? await this.heldWindows(tenantId, stored.window, window, counters, before) : null;
    if (spanned > MAX_SPANNED_WINDOWS && !held) {
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
    const windows = this.judgedWindows(stored.window, window, spanned, counters, before, distinct, held);
    const { pipeline, pending, opened, fresh } = await this.judge(
      tenantId,
      stored.state.pipeline,
      windows,
      sensitivity,
      counters.latencyP95,
    );
    const next: StoredState = { pipeline, last, pending };
    if (!(await this.store.saveDetection(tenantId, stored.window, window, next))) return 0; // another pass closed it
    await this.deliver(tenantId, window, next);
    await this.repeatStillOpen(tenantId, pipeline, fresh);
    return opened;
  }

  /**
   * The windows to judge since `lastClosed`. Held: each missed window with its own messages and
   * bytes, the counters Redis keeps only as totals shared out evenly. Otherwise one window (a
   * window that covers two or three is judged per window: its totals divided).
   */
  private judgedWindows(
    lastClosed: number,
    window: number,
    spanned: number,
    counters: TenantCounters,
    before: Snapshot,
    distinct: number,
    held: { messages: number; bytes: number }[] | null,
  ): JudgedWindow[] {
    const figures = windowFigures(counters, before, distinct);
    const bytes = delta(counters.bytes, before.bytes);
    if (held) {
      return held.map((h, i) => ({
        from: (lastClosed + 1 + i) * this.windowMs,
        figures: shareOf(figures, spanned, i === spanned - 1, h.messages),
        messages: h.messages,
        bytes: h.bytes,
        last: i === spanned - 1,
      }));
    }
    return [
      {
        from: window * this.windowMs,
        figures: { ...figures, messages: Math.round(figures.messages / spanned) },
        messages: figures.messages / spanned,
        bytes: bytes / spanned,
        last: true,
      },
    ];
  }

  /** Runs the pipeline over the windows in order: the events to deliver, and what opened. */
  private async judge(
    tenantId: string,
    start: PipelineState,
    windows: JudgedWindow[],
    sensitivity: 'low' | 'medium' | 'high',
    latencyP95: number | null,
  ): Promise<{ pipeline: PipelineState; pending: PendingEvent[]; opened: number; fresh: Set<string> }> {
    const clients = await this.presence.summary(tenantId);
    // The tenant's JetStream at the last poll: null (no reader, none polled) costs nothing more.
    const jetstream = (await this.jetstream?.current(tenantId)) ?? null;
    let pipeline = start;
    const pending: PendingEvent[] = [];
    const openedHere = new Map<string, Anomaly>();
    const fresh = new Set<string>();
    for (const w of windows) {
      const custom = await this.customWindow(tenantId, w.from);
      const sample = w.figures.sent + w.figures.received;
      const config = pipelineConfig(this.windowMs, sensitivity, this.rules, 'all', {
        ...PULSE_SERIES_RESOLUTION,
        ...custom.resolution,
      });
      const result = closeWindow(
        tenantId,
        pipeline,
        {
          at: w.from,
          figures: w.figures,
          series: {
            messages: w.messages,
            bytes: w.bytes,
            // Too few messages for a rate to mean anything: no data this window.
            error_rate: sample >= this.rules.minErrorSample ? w.figures.errors / sample : null,
            active_clients: clients.online,
            // The latency read is of the last window's minutes only.
            latency_p95: w.last ? latencyP95 : null,
            ...custom.series,
          },
          names: custom.names,
          jetstream: jetstream ? await this.jetstreamWindow(tenantId, w, jetstream) : undefined,
        },
        config,
      );
      pipeline = result.state;
      const at = new Date(w.from + this.windowMs).toISOString();
      for (const resolved of result.resolved) {
        const anomaly = openedHere.get(resolved.id) ?? (await this.store.find(tenantId, resolved.id));
        if (anomaly && anomaly.status === 'open')
          pending.push({ event: 'resolved', anomaly: { ...anomaly, status: 'resolved', resolvedAt: at } });
      }
      for (const draft of result.opened) {
        const anomaly: Anomaly = {
          id: draft.id,
          type: draft.type,
          severity: draft.severity,
          status: 'open',
          summary: draft.summary,
          details: { ...draft.details, score: Number(draft.score.toFixed(4)) },
          detectedAt: at,
          resolvedAt: null,
        };
        pending.push({ event: 'opened', anomaly });
        openedHere.set(anomaly.id, anomaly);
        fresh.add(draft.key);
      }
    }
    return { pipeline, pending, opened: openedHere.size, fresh };
  }

  /**
   * What the JetStream families judge in a window: the last poll (for the window being closed
   * only; a missed one has no poll of its own) and the window's max-deliveries advisories.
   */
  private async jetstreamWindow(tenantId: string, w: JudgedWindow, current: TenantJetStream): Promise<JetStreamWindow> {
    const advisories = await this.advisories.read(tenantId, w.from);
    return { current: w.last ? current : null, maxDeliveries: advisories.maxDeliveries };
  }

  /** Anomalies that stay open are notified again once the repeat interval has passed. */
  private async repeatStillOpen(tenantId: string, pipeline: PipelineState, fresh: Set<string>): Promise<void> {
    for (const [key, open] of Object.entries(pipeline.open)) {
      if (fresh.has(key)) continue;
      const anomaly = await this.store.find(tenantId, open.id);
      if (anomaly) await this.events.stillOpen(tenantId, anomaly, Date.now());
    }
  }

  /**
   * The missed windows after `lastClosed` up to `window` as Redis holds them, when the counts
   * were flushed window by window and only the judging was missed (a lock holder that died, or
   * whose pass stalled): this instance found the lock held by another at every missed window
   * (Redis answered then, so it took the counts as they came, not at once after an outage), and
   * every message counted since the last window closed is in those windows' seconds (or the open
   * window's; more than 1 % elsewhere, or beyond what is read, is a gap). Else null.
   */
  private async heldWindows(
    tenantId: string,
    lastClosed: number,
    window: number,
    counters: TenantCounters,
    before: Snapshot,
  ): Promise<HeldWindows['windows'] | null> {
    for (let w = lastClosed + 1; w < window; w++) if (!this.busy.has(w)) return null;
    const from = (lastClosed + 1) * this.windowMs;
    const held = await this.store.heldWindows(tenantId, from, this.windowMs, window - lastClosed, Date.now());
    if (!held) return null;
    const since = delta(counters.messages, before.messages);
    const there = held.windows.reduce((n, w) => n + w.messages, 0) + held.after;
    return since - there <= since * HELD_TOLERANCE ? held.windows : null;
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
