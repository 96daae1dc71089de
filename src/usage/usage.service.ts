import { Inject, Injectable, Optional } from '@nestjs/common';
import { RetentionExceededError } from '../analytics/analytics.errors.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { LIMIT_NAMES, type LimitName } from '../common/limits.js';
import type { TenantPrincipal } from '../common/principal.js';
import { SharedReads } from '../common/shared-reads.js';
import { tierAtLeast, TIERS } from '../common/tiers.js';
import { dayOf } from '../common/time.js';
import {
  DEFAULT_LIMIT_THRESHOLDS,
  type LimitThresholds,
  PULSE_OPTIONS,
  type PulseOptions,
} from '../config/pulse-options.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { HistoryReader } from '../history/history-reader.js';
import { JETSTREAM_READER, type JetStreamReader } from '../jetstream/jetstream.types.js';
import {
  type DeploymentShape,
  SERVER_USAGE_READER,
  type ServerSnapshot,
  type ServerUsageReader,
} from '../nats-events/server-usage.types.js';
import { NO_TENANT_LIMITS, type Tenant } from '../tenants/tenant.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { hourStartOf } from './limit-forecast.js';
import {
  FORECAST_LIMITS,
  forecastOf,
  type HourlySeries,
  hourlySeriesOf,
  type JetStreamUse,
  jetstreamUseOf,
  type SeriesFits,
  useOf,
  utilisationsOf,
} from './limit-utilisation.js';
import { resolveLimits } from './limit-values.js';
import { usageOf } from './usage-figures.js';
import type { LimitUtilisation, UsageAnswer, UsageFigures, UtilisationSource, Volume } from './usage.types.js';

/** The history a usage answer carries: hours of the last day, or days. */
export const USAGE_PERIODS = ['24h', '7d', '30d'] as const;
export type UsagePeriod = (typeof USAGE_PERIODS)[number];
/** Days of history each period reaches back to (a tenant must keep that many). */
const PERIOD_DAYS: ReadonlyMap<UsagePeriod, number> = new Map([
  ['24h', 1],
  ['7d', 7],
  ['30d', 30],
]);

/**
 * Hours of history a forecast is fitted on, at most: two weeks (fourteen daily seasons) for a
 * week's horizon. 720 (analytics' 30 days) cost 200 ms of reads and 25-65 ms a fit per limit.
 */
const FORECAST_HOURS = 336;
/** A tenant's hourly series (and the forecasts fitted on them) are read once an hour and shared this long (ms). */
const SERIES_SHARED_MS = 10 * 60_000;
/**
 * Tenants whose series are kept at most: 5 × 336 numbers each, and the fits of the hour (at most
 * 4 × 168 + 2 × 744 steps × 3 numbers: ~50 KB).
 */
const MAX_SHARED_SERIES = 1000;

/** A tenant's series of one hour, and the forecasts fitted on them so far (filled as limits ask). */
interface FittedSeries {
  series: HourlySeries;
  fits: SeriesFits;
}
/** Tenants read at once by the operator's ranking. */
const RANKING_BATCH = 50;
/** The ranking is shared this long (the operator console polls it). */
const RANKING_SHARED_MS = 10_000;
/** The most tenants the ranking lists. */
export const MAX_RANKED = 100;

/** The limits an account's claims may set (all but the monthly messages, always the tenant's). */
const CLAIMED_LIMITS: ReadonlySet<LimitName> = new Set(LIMIT_NAMES.filter((n) => n !== 'monthlyMessages'));

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** One tenant close to a limit: its highest utilisation (the operator console's ranking). */
export interface RankedTenant {
  tenantId: string;
  limit: LimitName;
  used: number;
  max: number;
  utilisation: number;
  level: LimitUtilisation['level'];
  /** When the median forecast reaches the limit; null: not within the horizon, or no forecast. */
  reachedAt: string | null;
}

/** `GET /api/v1/admin/usage`. */
export interface UsageRanking {
  generatedAt: string;
  thresholds: LimitThresholds;
  /** Tenants with a measured utilisation of some limit. */
  total: number;
  tenants: RankedTenant[];
}

/** What the tenant's Prometheus exposition adds (metrics/prometheus-exposition.ts). */
export interface UsageExposition {
  /**
   * All-time messages and bytes in and out as the server counts them, and what it delivered to
   * Pulse itself (in the accounts shape part of `egress`); null: never counted (no system account).
   */
  server: { ingress: Volume; egress: Volume; pulseDelivered: Volume } | null;
  limits: LimitUtilisation[];
}

/** What the usage reads of a tenant's record. */
type TenantRecord = Pick<Tenant, 'id' | 'natsAccount' | 'limits' | 'monthlyMessageQuota'>;

/** A tenant's record before the directory has it: no account, no limits. */
const newTenant = (id: string): TenantRecord => ({
  id,
  natsAccount: null,
  limits: NO_TENANT_LIMITS,
  monthlyMessageQuota: null,
});

/** What one reading of a tenant holds. */
interface Reading {
  tenant: TenantRecord;
  shape: DeploymentShape;
  snapshot: ServerSnapshot | null;
  serverFigures: UsageAnswer['serverFigures'];
  jetstream: JetStreamUse | null;
  /** The month's day hashes the tenant keeps, oldest first: the last is today's. */
  days: Record<string, string>[];
  monthFrom: number;
  limits: LimitUtilisation[];
}

/**
 * What a tenant sees of its usage and limits (issue #34; README, Usage and limits): the day's and
 * the month's figures from the history (Pulse's publish count beside the server's ingress and
 * egress), every limit's value (the account's claims, else the tenant's own), its use now and
 * peak today, utilisation, level and forecast. The server's figures come through
 * SERVER_USAGE_READER (nats-events; absent: off), JetStream in the one-account shape through
 * JETSTREAM_READER. It is the UTILISATION_SOURCE the limit watch reads.
 */
@Injectable()
export class UsageService implements UtilisationSource {
  private readonly thresholds: LimitThresholds;
  private readonly sharedRanking = new SharedReads<UsageRanking>(RANKING_SHARED_MS, MAX_RANKED);
  private readonly sharedSeries = new SharedReads<FittedSeries>(SERIES_SHARED_MS, MAX_SHARED_SERIES);

  constructor(
    private readonly history: HistoryReader,
    private readonly directory: TenantDirectory,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    /** nats-events' reader; absent: server figures off (until NatsEventsModule provides it). */
    @Inject(SERVER_USAGE_READER) private readonly server: ServerUsageReader,
    /** JetStreamModule's reader; absent: no JetStream use in the one-account shape. */
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstreamReader: JetStreamReader | null = null,
  ) {
    this.thresholds = options.limitThresholds ?? DEFAULT_LIMIT_THRESHOLDS;
  }

  /**
   * Every limit's utilisation now, without forecasts (the limit watch asks for every tenant and
   * needs levels only; a forecast reads up to 720 hours). Empty for a tenant not active. In the
   * accounts shape without a snapshot (the server's figures lost: no claims known) only the limits
   * never read from claims (the monthly messages) are listed: one not listed keeps the watch's
   * state, where its value read as none would resolve its open crossings.
   */
  async limits(tenantId: string, options: { forecast?: boolean; now?: number } = {}): Promise<LimitUtilisation[]> {
    const now = options.now ?? Date.now();
    const tenant = this.directory.get(tenantId);
    if (!tenant) return [];
    const reading = await this.read(tenant, now, { whole: false });
    if (reading.shape === 'account' && reading.snapshot === null)
      return reading.limits.filter((l) => !CLAIMED_LIMITS.has(l.limit));
    return reading.limits;
  }

  /** `GET /api/v1/metrics/usage`: the tenant's usage, limits with forecasts, and its history over `period`. */
  async usage(principal: TenantPrincipal, period: UsagePeriod, now = Date.now()): Promise<UsageAnswer> {
    this.checkPeriod(principal, period);
    // The key was just checked against Redis; a tenant this instance's directory has not synced yet
    // (a moment after its creation) reads as one without limits of its own.
    const tenant = this.directory.get(principal.tenantId) ?? newTenant(principal.tenantId);
    const [reading, points] = await Promise.all([
      this.read(tenant, now, { whole: true }),
      this.historyOf(tenant.id, tenant.natsAccount ? 'account' : 'subjects', period, now),
    ]);
    await this.addForecasts(tenant.id, reading, reading.limits, now);
    const status = this.server?.status() ?? { state: 'off' as const, lastPollAt: null };
    return {
      tenantId: tenant.id,
      shape: reading.shape,
      natsAccount: tenant.natsAccount,
      serverFigures: reading.serverFigures,
      polledAt: reading.snapshot ? iso(reading.snapshot.at) : status.lastPollAt,
      thresholds: { ...this.thresholds },
      today: usageOf(reading.days.slice(-1), reading.shape),
      month: usageOf(reading.days, reading.shape),
      monthFrom: iso(reading.monthFrom),
      limits: reading.limits,
      history: { granularity: period === '24h' ? 'hour' : 'day', points },
    };
  }

  /** What the tenant's Prometheus exposition shows of its usage: the server's all-time totals and its limits. */
  async exposition(tenantId: string, now = Date.now()): Promise<UsageExposition> {
    const tenant = this.directory.get(tenantId);
    if (!tenant) return { server: null, limits: [] };
    const fields = [
      F.serverIngressMessages,
      F.serverIngressBytes,
      F.serverEgressMessages,
      F.serverEgressBytes,
      F.pulseDeliveredMessages,
      F.pulseDeliveredBytes,
    ];
    const [reading, totals] = await Promise.all([
      this.read(tenant, now, { whole: false }),
      this.history.totals(tenantId, fields),
    ]);
    const [inM, inB, outM, outB, pdM, pdB] = totals.map((v) => Number(v ?? 0));
    const counted = totals.slice(0, 4).some((v) => v !== null) || reading.serverFigures !== 'off';
    return {
      server: counted
        ? {
            ingress: { messages: inM, bytes: inB },
            egress: { messages: outM, bytes: outB },
            pulseDelivered: { messages: pdM, bytes: pdB },
          }
        : null,
      limits: reading.limits,
    };
  }

  /**
   * `GET /api/v1/admin/usage`: the tenants closest to a limit, by their highest measured
   * utilisation (then tenant id), at most `limit`, each with its forecast date for that limit.
   * Tenants without any limit cost one snapshot read; the others a reading each, RANKING_BATCH at
   * a time; the forecasts only for those listed. Shared for 10 s (the console polls it).
   */
  ranking(limit: number, now = Date.now()): Promise<UsageRanking> {
    return this.sharedRanking.get(String(limit), now, () => this.rank(limit, now));
  }

  private async rank(limit: number, now: number): Promise<UsageRanking> {
    const candidates: { reading: Reading; top: LimitUtilisation }[] = [];
    const tenants = this.directory.list();
    for (let i = 0; i < tenants.length; i += RANKING_BATCH) {
      const batch = tenants.slice(i, i + RANKING_BATCH);
      const read = await Promise.all(
        batch.map(async (tenant) => {
          const snapshot = await this.snapshotOf(tenant.id);
          const limits = resolveLimits(snapshot?.claims ?? null, tenant);
          if (![...limits.values()].some((l) => l.max !== null)) return null;
          return this.read(tenant, now, { whole: false, snapshot });
        }),
      );
      for (const reading of read) {
        if (!reading) continue;
        const top = highest(reading.limits);
        if (top) candidates.push({ reading, top });
      }
    }
    candidates.sort(
      (a, b) => b.top.utilisation! - a.top.utilisation! || (a.reading.tenant.id < b.reading.tenant.id ? -1 : 1),
    );
    const listed = candidates.slice(0, limit);
    await Promise.all(listed.map(({ reading, top }) => this.addForecasts(reading.tenant.id, reading, [top], now)));
    return {
      generatedAt: iso(now),
      thresholds: { ...this.thresholds },
      total: candidates.length,
      tenants: listed.map(({ reading, top }) => ({
        tenantId: reading.tenant.id,
        limit: top.limit,
        used: top.used,
        max: top.max!,
        utilisation: top.utilisation!,
        level: top.level,
        reachedAt: top.forecast?.reachedAt ?? null,
      })),
    };
  }

  private snapshotOf(tenantId: string): Promise<ServerSnapshot | null> {
    return this.server ? this.server.snapshot(tenantId) : Promise.resolve(null);
  }

  /**
   * One reading of a tenant: its snapshot, its JetStream (the poll's attributed streams, in the
   * one-account shape), the month's day hashes it keeps, and its limits' utilisation. `whole`
   * reads everything (the tenant's answer); otherwise (the watch, the ranking, Prometheus) only
   * what a limit with a value needs: today's hash, the month's only for a monthly limit, the
   * JetStream view only for a JetStream limit; the use of the others reads as not measured.
   */
  private async read(
    tenant: TenantRecord,
    now: number,
    { whole, snapshot: known }: { whole: boolean; snapshot?: ServerSnapshot | null },
  ): Promise<Reading> {
    const snapshot = known !== undefined ? known : await this.snapshotOf(tenant.id);
    const shape: DeploymentShape = snapshot?.shape ?? (tenant.natsAccount ? 'account' : 'subjects');
    const resolved = resolveLimits(snapshot?.claims ?? null, tenant);
    const limited = (names: LimitName[]) => whole || names.some((n) => resolved.get(n)!.max !== null);
    const wholeMonth = limited(['data', 'monthlyMessages']);
    const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const date = new Date(now);
    const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    // The day hashes keep today and `days` days before it (Retention).
    const monthFrom = Math.max(monthStart, todayStart - this.directory.retentionOf(tenant.id).days * DAY_MS);
    const dayList: string[] = [];
    for (let d = wholeMonth ? monthFrom : todayStart; d <= todayStart; d += DAY_MS) dayList.push(dayOf(d));
    const readView =
      shape === 'subjects' &&
      this.jetstreamReader !== null &&
      limited(['jetstreamMemory', 'jetstreamStorage', 'jetstreamStreams', 'jetstreamConsumers']);
    const [days, view] = await Promise.all([
      this.history.days(tenant.id, dayList, now),
      readView ? this.jetstreamReader.current(tenant.id) : null,
    ]);
    const jetstream = shape === 'account' ? (snapshot?.jetstream ?? null) : view ? jetstreamUseOf(view) : null;
    const serverFigures = this.server?.status().state ?? 'off';
    const use = useOf({
      snapshot,
      serverCounters: serverFigures !== 'off' || snapshot !== null,
      jetstream,
      today: days[days.length - 1],
      month: wholeMonth ? usageOf(days, shape) : null,
      // The server enforces an account's `subs` per connection (README, Deployment shapes).
    });
    const limits = utilisationsOf(resolved, use, this.thresholds);
    return { tenant, shape, snapshot, serverFigures, jetstream, days, monthFrom, limits };
  }

  /**
   * Fills the forecasts of `which` (limits of the reading) from the tenant's complete hours: one
   * read of them for all, shared for the hour (the series change when the hour turns; a read stays
   * SERIES_SHARED_MS, so the previous hour's last rollup is taken in). Each series is fitted once
   * per read and the fit kept with it: a request applies only the use now and the limit.
   */
  private async addForecasts(
    tenantId: string,
    reading: Reading,
    which: LimitUtilisation[],
    now: number,
  ): Promise<void> {
    const wanted = which.filter((u) => u.max !== null && u.utilisation !== null && FORECAST_LIMITS.has(u.limit));
    if (wanted.length === 0) return;
    const currentHour = hourStartOf(now);
    const { series, fits } = await this.sharedSeries.get(`${tenantId}\u0000${currentHour}`, now, async () => {
      const kept = Math.floor(this.directory.retentionOf(tenantId).hourSeconds / 3600);
      const count = Math.min(FORECAST_HOURS, kept);
      const starts = Array.from({ length: count }, (_, i) => (currentHour - (count - i) * HOUR_MS) / 1000);
      return { series: hourlySeriesOf(await this.history.hours(tenantId, starts, now)), fits: new Map() };
    });
    for (const u of wanted) u.forecast = forecastOf(u, series, reading.jetstream, now, fits);
  }

  /**
   * A period reaches back no further than the tenant keeps history: beyond it, 403 naming the
   * lowest tier whose retention covers the period, or, when the tenant's tier does (a shorter
   * retention of its own), RETENTION_EXCEEDED.
   */
  private checkPeriod(principal: TenantPrincipal, period: UsagePeriod): void {
    const needs = PERIOD_DAYS.get(period)!;
    const keeps = this.directory.retentionOf(principal.tenantId).days;
    if (needs <= keeps) return;
    const tier = TIERS.find((t) => this.directory.tierRetentionDays(t) >= needs);
    if (tier && !tierAtLeast(principal.tier, tier))
      throw new TierRequiredException(tier, principal.tier, `period=${period}`);
    throw new RetentionExceededError(
      `period=${period} reaches back ${needs} days; this tenant keeps ${keeps} days of history (a retention override on the tenant extends it)`,
    );
  }

  /** The usage per hour of the last 24 (the current one so far last), or per day of the last 7 or 30 (today last). */
  private async historyOf(
    tenantId: string,
    shape: DeploymentShape,
    period: UsagePeriod,
    now: number,
  ): Promise<(UsageFigures & { timestamp: string })[]> {
    if (period === '24h') {
      const current = hourStartOf(now);
      const starts = Array.from({ length: 24 }, (_, i) => current - (23 - i) * HOUR_MS);
      const hours = await this.history.hours(
        tenantId,
        starts.map((s) => s / 1000),
        now,
      );
      return starts.map((s, i) => ({ timestamp: iso(s), ...usageOf([hours[i]], shape) }));
    }
    const n = PERIOD_DAYS.get(period)!;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const starts = Array.from({ length: n }, (_, i) => today - (n - 1 - i) * DAY_MS);
    const days = await this.history.days(
      tenantId,
      starts.map((s) => dayOf(s)),
      now,
    );
    return starts.map((s, i) => ({ timestamp: iso(s), ...usageOf([days[i]], shape) }));
  }
}

/** The limit used most (measured utilisation), or null when none is. */
function highest(limits: LimitUtilisation[]): LimitUtilisation | null {
  let top: LimitUtilisation | null = null;
  for (const u of limits) if (u.utilisation !== null && (top === null || u.utilisation > top.utilisation!)) top = u;
  return top;
}
