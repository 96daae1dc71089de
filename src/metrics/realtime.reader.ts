import { Inject, Injectable } from '@nestjs/common';
import type { Tier } from '../common/tiers.js';
import { entitled } from '../common/entitlements.js';
import { SharedReads } from '../common/shared-reads.js';
import { dayOf } from '../common/time.js';
import { COUNTER_FIELDS, latencyTotalField } from '../history/counter-schema.js';
import { COARSE_LATENCY_BUCKETS } from '../common/latency-histogram.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import type { PresenceSummary } from '../heartbeat/presence.repository.js';
import { PresenceQueryService } from '../heartbeat/presence-query.service.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import { aggregateValue } from '../monitoring/custom/figures.js';
import { MetricsRepository } from './metrics.repository.js';
import {
  buildRealtimeView,
  type CustomMetricSummary,
  realtimeMinutes,
  type RealtimeView,
  recentRates,
  type RecentRates,
  TOP_SUBJECTS,
} from './realtime-view.js';

/**
 * How long one read of a tenant's realtime view serves every request for it: the API, the SSE
 * stream and many dashboard tabs of one tenant read the same view, and its rates cover complete
 * seconds only (lastCompleteSecond), so a view this young is as current as a fresh one.
 */
export const SHARED_VIEW_MS = 250;
/** Views kept at most (one per tenant and tier read within SHARED_VIEW_MS); expired ones are dropped first. */
const MAX_SHARED_VIEWS = 10_000;

export interface RealtimeRead {
  view: RealtimeView;
  presence: PresenceSummary;
  /** When the tenant's latest counted message arrived (any instance), or null. */
  lastActivityAt: string | null;
  /** Professional+: the all-time latency histogram (the Prometheus exposition's buckets), else null. */
  latencyTotals: LatencyTotals | null;
  /** The rates of the minutes read (the view carries them when asked: `recent=true`). */
  recent: RecentRates;
}

/** Samples per coarse bucket (latency-histogram.ts) since the tenant's first, and their sum. */
export interface LatencyTotals {
  counts: number[];
  sumMs: number;
}

/** The all-time latency histogram out of the tenant's totals hash (absent fields: none yet). */
export function latencyTotalsOf(totals: Record<string, string>): LatencyTotals {
  const counts = Array.from({ length: COARSE_LATENCY_BUCKETS }, (_, k) => Number(totals[latencyTotalField(k)] ?? 0));
  return { counts, sumMs: Number(totals[COUNTER_FIELDS.latencySum] ?? 0) };
}

interface ReadOptions {
  /** Read as of this instant (no sharing: the caller asked for a specific time). */
  now?: number;
  /** The open-anomaly count, asked only when this read goes to Redis. */
  openAnomalies?: () => Promise<number>;
  /** Ranked subjects to read (rule evaluation needs none). */
  topSubjects?: number;
}

/**
 * The one way to read a tenant's realtime figures from what every instance merged in Redis: the
 * metrics API (`GET /metrics/realtime`, the SSE stream) and rule evaluation both call `read`.
 * Reads of the same tenant, tier and subject count within SHARED_VIEW_MS share one Redis round
 * (and callers arriving while it is under way wait for it instead of starting another).
 */
@Injectable()
export class RealtimeReader {
  private readonly shared = new SharedReads<RealtimeRead>(SHARED_VIEW_MS, MAX_SHARED_VIEWS);

  constructor(
    private readonly repository: MetricsRepository,
    private readonly presence: PresenceQueryService,
    private readonly customMetrics: CustomMetricRepository,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  /** A second is complete in Redis once every instance has flushed after it ended. */
  lastCompleteSecond(now: number): number {
    return Math.floor(now / 1000) - 1 - Math.ceil(this.options.flushIntervalMs / 1000);
  }

  /** The view as `tier` may see it, and the presence summary it was built from. */
  read(tenantId: string, tier: Tier, options: ReadOptions = {}): Promise<RealtimeRead> {
    if (options.now !== undefined) return this.readNow(tenantId, tier, options.now, options);
    const top = options.topSubjects ?? TOP_SUBJECTS;
    const now = Date.now();
    return this.shared.get(`${tenantId}\u0000${tier}\u0000${top}`, now, () =>
      this.readNow(tenantId, tier, now, options),
    );
  }

  private async readNow(tenantId: string, tier: Tier, now: number, options: ReadOptions): Promise<RealtimeRead> {
    const withCustom = entitled(tier, 'customMetrics');
    const [raw, presence, openAnomalies, custom] = await Promise.all([
      this.repository.readRealtime(tenantId, dayOf(now), realtimeMinutes(now), options.topSubjects ?? TOP_SUBJECTS),
      this.presence.summary(tenantId),
      options.openAnomalies ? options.openAnomalies() : Promise.resolve(0),
      withCustom ? this.customSummaries(tenantId, now) : Promise.resolve(undefined),
    ]);
    const lastCompleteSecond = this.lastCompleteSecond(now);
    const view = buildRealtimeView({
      tenantId,
      tier,
      now,
      lastCompleteSecond,
      raw,
      clients: { active: presence.online, total: presence.total },
      openAnomalies,
    });
    if (custom) view.custom = custom;
    const last = Number(raw.totals[COUNTER_FIELDS.lastActivity] ?? 0);
    return {
      view,
      presence,
      lastActivityAt: last > 0 ? new Date(last).toISOString() : null,
      latencyTotals: view.latencyMs ? latencyTotalsOf(raw.totals) : null,
      recent: recentRates(raw, now, lastCompleteSecond),
    };
  }

  /** Each custom metric over the last complete minute and today: two hashes per metric, one round. */
  private async customSummaries(tenantId: string, now: number): Promise<CustomMetricSummary[]> {
    const definitions = await this.customMetrics.list(tenantId);
    if (definitions.length === 0) return [];
    const ids = definitions.map((d) => d.id);
    // The latest minute that ended by the last complete second (every instance has flushed it).
    const minute = Math.floor((this.lastCompleteSecond(now) + 1) / 60) * 60 - 60;
    const [minutes, days] = await Promise.all([
      this.customMetrics.figures(tenantId, ids, minute),
      this.customMetrics.figures(tenantId, ids, `d${dayOf(now)}`),
    ]);
    return definitions.map((d, i) => {
      const lastMinute = aggregateValue(d.aggregation, minutes[i]);
      const perMinute = d.aggregation === 'count' || d.aggregation === 'sum';
      return {
        id: d.id,
        name: d.name,
        unit: d.unit,
        aggregation: d.aggregation,
        lastMinute,
        ...(perMinute && { perSecond: Number(((lastMinute ?? 0) / 60).toPrecision(12)) }),
        today: aggregateValue(d.aggregation, days[i]),
        unparsable: Number(days[i].u ?? 0),
        tooLarge: Number(days[i].l ?? 0),
      };
    });
  }
}
