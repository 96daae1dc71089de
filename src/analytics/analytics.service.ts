import { Injectable } from '@nestjs/common';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { InvalidInputError } from '../common/errors/domain-error.js';
import { RetentionExceededError } from './analytics.errors.js';
import type { TenantPrincipal } from '../common/principal.js';
import { entitled, tiersWith } from '../common/entitlements.js';
import { tierAtLeast, type Tier } from '../common/tiers.js';
import { estimateCardinality, SKETCH_REGISTERS } from '../monitoring/subject-sketch.js';
import { dayOf } from '../common/time.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { HistoryReader } from '../history/history-reader.js';
import { forecast, quotaExceededAt } from './forecast.js';
import { behaviourOf, type ClientBehaviour, findOutliers, type Outlier, sumClientDays } from './client-behaviour.js';
import {
  addRecord,
  rangeBuckets,
  seriesBuckets,
  type BucketFigures,
  emptyFigures,
  hourFromMinutes,
  type Period,
  type Resolution,
  type SeriesPoint,
  toPoint,
  type Totals,
  totalsOf,
} from './buckets.js';

/** Days of history a period reaches back to (a tenant must keep at least that many). */
const PERIOD_DAYS: Record<Period, number> = { '1h': 1, '24h': 1, '7d': 7, '30d': 30, '90d': 90, '365d': 365 };
const ANALYTICS_TIERS: readonly Tier[] = tiersWith('analytics');
const TOP_SUBJECTS = 10;

/** Clients listed per response, by traffic; `total` says how many there were. */
const MAX_CLIENTS_LISTED = 1000;

export interface ClientsAnalysis {
  /** UTC days the analysis covers (client behaviour is kept per day). */
  from: string;
  total: number;
  truncated: boolean;
  items: ClientBehaviour[];
  outliers: Outlier[];
}

export interface AnalyticsView {
  tenantId: string;
  tier: Tier;
  /** `custom`: a range from–to (analyticsBetween). */
  period: Period | 'custom';
  resolution: Resolution;
  from: string;
  to: string;
  series: SeriesPoint[];
  totals: Totals;
  subjects: { distinct: number; top: { subject: string; messages: number; bytes: number }[] };
  clients?: ClientsAnalysis;
  forecast?: ForecastView | null;
}

export interface ForecastView {
  method: 'holt_winters' | 'holt';
  /** Hours of history the model was fitted on. */
  historyHours: number;
  rmse: number;
  /** Hourly forecast; `lower`/`upper` are the 95 % interval, `p80` and `p95` both intervals. */
  points: {
    timestamp: string;
    messages: number;
    lower: number;
    upper: number;
    p80: { lower: number; upper: number };
    p95: { lower: number; upper: number };
  }[];
  /**
   * `projectedExceededAt`: at the median forecast; `projectedExceededAtPessimistic`: with every
   * hour at the upper bound of its 95 % interval (a bound: the sum of the hours' upper bounds is
   * above the 95 % quantile of the month's sum). null: not before the month ends.
   */
  quota: {
    monthlyMessageQuota: number;
    usedThisMonth: number;
    projectedExceededAt: string | null;
    projectedExceededAtPessimistic: string | null;
  } | null;
}

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly repository: HistoryReader,
    private readonly directory: TenantDirectory,
  ) {}

  /**
   * A period reaches back no further than the tenant's history: beyond it, 403 naming the
   * lowest tier whose retention covers the period (by default 30d is enterprise), or, when no tier
   * does (90d, 365d by default), saying what the tenant keeps (a retention override extends it).
   * Every series over a Period checks it (analytics, custom metric series).
   */
  checkPeriod(tenant: TenantPrincipal, period: Period): void {
    this.checkReach(tenant, PERIOD_DAYS[period], `period=${period}`);
  }

  /** `what` reaches back `needs` days: within the tenant's history, else 403 (checkPeriod). */
  private checkReach(tenant: TenantPrincipal, needs: number, what: string): void {
    const keeps = this.directory.retentionOf(tenant.tenantId).days;
    if (needs <= keeps) return;
    const tier = ANALYTICS_TIERS.find((t) => this.directory.tierRetentionDays(t) >= needs);
    if (tier && !tierAtLeast(tenant.tier, tier)) throw new TierRequiredException(tier, tenant.tier, what);
    throw new RetentionExceededError(
      `${what} reaches back ${needs} days; this tenant keeps ${keeps} days of history (a retention override on the tenant extends it)`,
    );
  }

  /** What `analytics` refuses before reading: a period beyond the history (403), a resolution that does not fit (400). */
  checkSeries(tenant: TenantPrincipal, period: Period, resolution?: Resolution, now = Date.now()): void {
    this.checkPeriod(tenant, period);
    seriesBuckets(now, period, resolution);
  }

  async analytics(
    tenant: TenantPrincipal,
    period: Period,
    resolution?: Resolution,
    now = Date.now(),
  ): Promise<AnalyticsView & { period: Period }> {
    this.checkPeriod(tenant, period);
    const { resolution: res, starts, step } = seriesBuckets(now, period, resolution);
    return { ...(await this.view(tenant, res, starts, step, now)), period };
  }

  /**
   * The view of a range `from`–`to` (ISO 8601; `to` default and at most now): 400 naming the field
   * for a range under a minute, 403 (as a period) when `from` is further back than the tenant's
   * history (an hour's grace: a link opened a little later still answers).
   */
  async analyticsBetween(
    tenant: TenantPrincipal,
    fromIso: string,
    toIso: string | undefined,
    resolution?: Resolution,
    now = Date.now(),
  ): Promise<AnalyticsView> {
    const nowSeconds = Math.floor(now / 1000);
    const from = Math.floor(Date.parse(fromIso) / 1000);
    const to = Math.min(nowSeconds, toIso === undefined ? nowSeconds : Math.ceil(Date.parse(toIso) / 1000));
    if (!Number.isFinite(from)) throw new InvalidInputError('from must be an ISO 8601 time');
    if (!Number.isFinite(to)) throw new InvalidInputError('to must be an ISO 8601 time');
    if (from > nowSeconds - 60) throw new InvalidInputError('from must be at least a minute before now');
    if (to - from < 60) throw new InvalidInputError('to must be at least a minute after from');
    this.checkReach(tenant, Math.max(1, Math.ceil((nowSeconds - from - 3600) / 86_400)), `from=${fromIso}`);
    const { resolution: res, starts, step } = rangeBuckets(from, to, nowSeconds, resolution);
    return { ...(await this.view(tenant, res, starts, step, now)), period: 'custom' };
  }

  private async view(
    tenant: TenantPrincipal,
    res: Resolution,
    starts: number[],
    step: number,
    now: number,
  ): Promise<Omit<AnalyticsView, 'period'>> {
    const figures = await this.collect(tenant.tenantId, starts, step, now);
    const series = starts.map((start, i) => toPoint(start, figures[i]));
    const from = starts[0];
    const to = starts[starts.length - 1] + step;
    const view: Omit<AnalyticsView, 'period'> = {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      resolution: res,
      from: new Date(from * 1000).toISOString(),
      to: new Date(to * 1000).toISOString(),
      series,
      totals: totalsOf(series, figures),
      subjects: await this.subjects(tenant.tenantId, from, to),
    };
    if (entitled(tenant.tier, 'clientBehaviour')) view.clients = await this.clients(tenant.tenantId, from, to, now);
    if (entitled(tenant.tier, 'forecast')) view.forecast = await this.forecast(tenant.tenantId, now);
    return view;
  }

  /** Figures of the last `hours` complete UTC hours, oldest first, with each hour's start (s). */
  async hourlyFigures(
    tenantId: string,
    hours: number,
    now = Date.now(),
  ): Promise<{ start: number; figures: BucketFigures }[]> {
    const currentHour = Math.floor(now / 3_600_000) * 3600;
    const starts = Array.from({ length: hours }, (_, i) => currentHour - (hours - i) * 3600);
    const figures = await this.collect(tenantId, starts, 3600, now);
    return starts.map((start, i) => ({ start, figures: figures[i] }));
  }

  /**
   * The next 24 hours of hourly message volume, fitted on the complete hours of up to 30 days of
   * history (from the tenant's first traffic on); null with less than 3 hours. With a monthly
   * quota, when this month's messages are projected to pass it.
   */
  private async forecast(tenantId: string, now: number): Promise<ForecastView | null> {
    const currentHour = Math.floor(now / 3_600_000) * 3600;
    const starts = Array.from({ length: 720 }, (_, i) => currentHour - (720 - i) * 3600);
    const figures = await this.collect(tenantId, starts, 3600, now);
    const counts = figures.map((f) => f.messages);
    const first = counts.findIndex((n) => n > 0);
    const history = first < 0 ? [] : counts.slice(first);
    const date = new Date(now);
    const monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    const hoursLeft = Math.ceil((monthEnd - currentHour * 1000) / 3_600_000);
    const result = forecast(history, Math.max(24, hoursLeft));
    if (!result) return null;
    const quota = this.directory.get(tenantId)?.monthlyMessageQuota ?? null;
    let quotaView: ForecastView['quota'] = null;
    if (quota !== null) {
      const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      const days: string[] = [];
      for (let d = monthStart; d < now; d += 86_400_000) days.push(dayOf(d));
      const used = (await this.repository.days(tenantId, days)).reduce((n, d) => n + Number(d.m ?? 0), 0);
      // This hour so far is in `used`; the forecast for it counts only what is left of it.
      const elapsed = (now - currentHour * 1000) / 3_600_000;
      const left = (v: number, i: number) => (i === 0 ? v * (1 - elapsed) : v);
      const median = result.points.map((p, i) => left(p.value, i));
      const pessimistic = result.points.map((p, i) => left(p.p95.upper, i));
      quotaView = {
        monthlyMessageQuota: quota,
        usedThisMonth: used,
        projectedExceededAt: quotaExceededAt(used, quota, median, currentHour * 1000, monthEnd),
        projectedExceededAtPessimistic: quotaExceededAt(used, quota, pessimistic, currentHour * 1000, monthEnd),
      };
    }
    return {
      method: result.method,
      historyHours: history.length,
      rmse: result.rmse,
      points: result.points.slice(0, 24).map((p) => ({
        timestamp: new Date((currentHour + (p.step - 1) * 3600) * 1000).toISOString(),
        messages: p.value,
        lower: p.lower,
        upper: p.upper,
        p80: p.p80,
        p95: p.p95,
      })),
      quota: quotaView,
    };
  }

  /** Per-client behaviour over the UTC days the period touches, and the outliers. */
  private async clients(tenantId: string, from: number, to: number, now: number): Promise<ClientsAnalysis> {
    const firstDay = from - (from % 86_400);
    const days: string[] = [];
    for (let d = firstDay; d < to; d += 86_400) days.push(dayOf(d * 1000));
    const top = await this.repository.topClientDays(tenantId, days, MAX_CLIENTS_LISTED);
    const totals = sumClientDays(top.days);
    const windowSeconds = Math.max(1, Math.floor(now / 1000) - firstDay);
    const all = [...totals.values()].map((c) => behaviourOf(c, windowSeconds));
    all.sort(
      (a, b) =>
        b.messagesSent + b.messagesReceived - (a.messagesSent + a.messagesReceived) ||
        (a.clientId < b.clientId ? -1 : 1),
    );
    // Outliers are judged among the busiest MAX_CLIENTS_LISTED clients of the period.
    return {
      from: new Date(firstDay * 1000).toISOString(),
      total: top.total,
      truncated: top.total > MAX_CLIENTS_LISTED,
      items: all.slice(0, MAX_CLIENTS_LISTED),
      outliers: findOutliers(all),
    };
  }

  /**
   * Figures per bucket. Minutes (kept 25 h) serve 1m and 5m buckets and the last two hours of 1h
   * buckets, so the current partial minute is always included; older 1h buckets come from hour
   * rollups and 1d buckets from day hashes (whose message and byte counts are flushed directly).
   */
  private async collect(tenantId: string, starts: number[], step: number, now: number): Promise<BucketFigures[]> {
    const figures = starts.map(() => emptyFigures());
    const nowSeconds = Math.floor(now / 1000);
    const minuteSourced = (start: number) => step < 3600 || (step === 3600 && hourFromMinutes(start, nowSeconds));
    const minuteRefs: [number, number][] = [];
    const hourRefs: [number, number][] = [];
    const dayRefs: [number, string][] = [];
    starts.forEach((start, i) => {
      if (step === 86_400) dayRefs.push([i, dayOf(start * 1000)]);
      else if (minuteSourced(start)) for (let m = start; m < start + step; m += 60) minuteRefs.push([i, m]);
      else hourRefs.push([i, start]);
    });
    const [minutes, hours, days] = await Promise.all([
      this.repository.minutes(
        tenantId,
        minuteRefs.map(([, m]) => m),
      ),
      this.repository.hours(
        tenantId,
        hourRefs.map(([, h]) => h),
        now,
      ),
      this.repository.days(
        tenantId,
        dayRefs.map(([, d]) => d),
        now,
      ),
    ]);
    minuteRefs.forEach(([i], j) => addRecord(figures[i], minutes[j]));
    hourRefs.forEach(([i], j) => addRecord(figures[i], hours[j]));
    dayRefs.forEach(([i], j) => addRecord(figures[i], days[j]));
    return figures;
  }

  /** Subjects of the UTC days the period touches (subjects are kept per day). */
  private async subjects(tenantId: string, from: number, to: number) {
    const days: string[] = [];
    for (let d = from - (from % 86_400); d < to; d += 86_400) days.push(dayOf(d * 1000));
    const { top, sketches } = await this.repository.subjectsOfDays(tenantId, days, 100);
    const merged = new Map<string, { subject: string; messages: number; bytes: number }>();
    for (const s of top) {
      const entry = merged.get(s.subject);
      if (entry) {
        entry.messages += s.messages;
        entry.bytes += s.bytes;
      } else {
        merged.set(s.subject, { ...s });
      }
    }
    const registers = new Uint8Array(SKETCH_REGISTERS);
    for (const sketch of sketches) {
      if (!sketch) continue;
      for (let i = 0; i < Math.min(sketch.length, registers.length); i++)
        registers[i] = Math.max(registers[i], sketch[i]);
    }
    const ranked = [...merged.values()].sort((a, b) => b.messages - a.messages || (a.subject < b.subject ? -1 : 1));
    return { distinct: Math.max(estimateCardinality(registers), merged.size), top: ranked.slice(0, TOP_SUBJECTS) };
  }
}
