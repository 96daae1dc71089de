import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobFailures } from '../common/job-failures.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { estimateCardinality } from '../monitoring/subject-sketch.js';
import { AlertingService } from '../alerting/alerting.service.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { forEachTenant, LockedJob, LockedJobService } from '../redis/locked-job.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { type Anomaly, type AnomalyEvent, anomalySubject } from './anomaly.js';
import { AnomalyStore, type TenantCounters } from './anomaly.store.js';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig, type DetectorState, evaluate, initialState, type WindowFigures } from './detectors.js';
import { subjectPattern } from './subject-pattern.js';

const TOP_SUBJECTS = 200;

interface StoredState {
  detector: DetectorState;
  last: { messages: number; sent: number; received: number; errors: number; rejected: number; distinct: number; day: string; offline: Record<string, number>; at?: number };
}

const delta = (now: number, before: number) => Math.max(0, now - before);

/** A window more than three windows (and 5 s) long covers a gap rather than one window of traffic. */
function stretched(lastAt: number | undefined, now: number, windowMs: number): boolean {
  if (lastAt === undefined) return false;
  const elapsed = now - lastAt;
  return elapsed > 3 * windowMs && elapsed - windowMs > 5000;
}

/**
 * Every ANOMALY_WINDOW_SECONDS one instance (Redis lock) closes a window for each enterprise
 * tenant: the window's figures are the deltas of the tenant's counters in Redis (so every
 * instance's traffic is in them), the detectors decide, anomalies open once and resolve after the
 * hold-down, and each change is stored (30 days) and published on `_PULSE.tenant.{id}.anomaly`.
 *
 * A pass (`run()`) returns the number of anomalies opened.
 */
@Injectable()
export class AnomalyDetectionJob extends LockedJobService<number> {
  private readonly logger = new Logger(AnomalyDetectionJob.name);
  private readonly config: DetectorConfig;
  protected readonly job: LockedJob<number>;
  private readonly lockTtl: number;
  private readonly windowMs: number;

  constructor(
    private readonly store: AnomalyStore,
    private readonly directory: TenantDirectory,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly alerting: AlertingService,
  ) {
    super();
    this.config = { ...DEFAULT_DETECTOR_CONFIG, ...options.anomalyDetectors };
    this.lockTtl = Math.max(30_000, 3 * options.anomalyWindowMs);
    this.windowMs = options.anomalyWindowMs;
    this.job = new LockedJob(
      { lock, scheduler, failures, logger: this.logger },
      { name: 'anomaly-detector', intervalMs: options.anomalyWindowMs, lockTtlMs: this.lockTtl, work: (held, now) => this.pass(held, now) },
    );
  }

  private async pass(held: HeldLock, now: number): Promise<number> {
    let opened = 0;
    await forEachTenant(this.directory.list('enterprise'), async (tenant) => {
      opened += await this.closeWindow(tenant.id, now);
      await held.extend(this.lockTtl);
    });
    return opened;
  }

  private async closeWindow(tenantId: string, now: number): Promise<number> {
    const counters = await this.store.counters(tenantId, now, TOP_SUBJECTS);
    const distinct = counters.sketch ? estimateCardinality(counters.sketch) : 0;
    const stored = await this.store.loadState<StoredState>(tenantId);
    const last = { ...snapshot(counters, distinct), at: now };
    if (!stored) {
      // First sight of the tenant: remember the counters; the first window closes next time.
      await this.store.saveState(tenantId, { detector: initialState(), last } satisfies StoredState);
      return 0;
    }
    if (stretched(stored.last.at, now, this.windowMs)) {
      // The window spans a gap (Redis could not serve this tenant, or no instance ran the job):
      // counts held back meanwhile arrive at once and would look like a burst. Not judged; the
      // next window starts from here.
      this.logger.warn(`tenant ${tenantId}: ${Math.round((now - stored.last.at!) / 1000)} s since the last window, not judged`);
      await this.store.saveState(tenantId, { detector: stored.detector, last } satisfies StoredState);
      return 0;
    }
    const newDay = stored.last.day !== counters.day;
    const figures: WindowFigures = {
      messages: delta(counters.messages, stored.last.messages),
      sent: delta(counters.sent, stored.last.sent),
      received: delta(counters.received, stored.last.received),
      errors: delta(counters.errors, stored.last.errors),
      rejected: delta(counters.rejected, stored.last.rejected),
      newDistinct: newDay ? distinct : delta(distinct, stored.last.distinct),
      patterns: counters.subjects.map((subject) => subjectPattern(subject)),
      offline: Object.fromEntries(
        Object.entries(counters.offline)
          .map(([id, n]) => [id, newDay ? n : delta(n, stored.last.offline[id] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      ),
    };
    const result = evaluate(stored.detector, figures, this.config);
    const at = new Date(now).toISOString();
    for (const resolved of result.resolved) {
      const anomaly = await this.store.find(tenantId, resolved.id);
      if (!anomaly) continue;
      const done: Anomaly = { ...anomaly, status: 'resolved', resolvedAt: at };
      await this.store.save(tenantId, done);
      this.publish({ event: 'resolved', tenantId, anomaly: done });
      await this.alerting.onAnomaly(tenantId, 'resolved', done);
    }
    for (const draft of result.opened) {
      const anomaly: Anomaly = {
        id: `an_${randomBytes(8).toString('hex')}`,
        type: draft.type,
        severity: draft.severity,
        status: 'open',
        summary: draft.summary,
        details: draft.details,
        detectedAt: at,
        resolvedAt: null,
      };
      await this.store.save(tenantId, anomaly);
      result.state.open[draft.key] = { id: anomaly.id, type: draft.type, clear: 0 };
      this.publish({ event: 'opened', tenantId, anomaly });
      await this.alerting.onAnomaly(tenantId, 'opened', anomaly);
    }
    await this.store.saveState(tenantId, { detector: result.state, last } satisfies StoredState);
    // Anomalies that stay open are notified again once the repeat interval has passed.
    const fresh = new Set(result.opened.map((d) => d.key));
    for (const [key, open] of Object.entries(result.state.open)) {
      if (fresh.has(key)) continue;
      const anomaly = await this.store.find(tenantId, open.id);
      if (anomaly) await this.alerting.repeatAnomaly(tenantId, anomaly, now);
    }
    return result.opened.length;
  }

  private publish(event: AnomalyEvent): void {
    try {
      this.nats.publish(anomalySubject(event.tenantId), JSON.stringify(event));
    } catch (err) {
      this.logger.warn(`anomaly event not published: ${(err as Error).message}`);
    }
  }
}

function snapshot(c: TenantCounters, distinct: number): StoredState['last'] {
  return { messages: c.messages, sent: c.sent, received: c.received, errors: c.errors, rejected: c.rejected, distinct, day: c.day, offline: c.offline };
}
