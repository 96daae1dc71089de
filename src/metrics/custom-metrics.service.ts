import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import type { CustomMetricDefinition } from '../monitoring/custom/definition.js';
import { patternProblem } from '../monitoring/custom/subject-pattern.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { MetricsError } from './metrics.errors.js';
import {
  DEFAULT_RESOLUTION,
  PERIOD_SECONDS,
  type Period,
  RESOLUTION_SECONDS,
  RESOLUTIONS,
  type Resolution,
  seriesBuckets,
} from '../analytics/buckets.js';
import { InvalidInputError } from '../common/errors/domain-error.js';
import type { ExportColumns } from '../analytics/series-export.js';
import { dayOf } from '../common/time.js';
import { combineFigures } from '../monitoring/custom/combine.js';
import type { StoredFigures } from '../monitoring/custom/custom-metric.repository.js';
import { aggregateValue } from '../monitoring/custom/figures.js';
import type { CreateCustomMetricDto, UpdateCustomMetricDto } from './dto/custom-metric.dto.js';

/** Why a definition's fields do not fit together (naming the field), or null. */
export function definitionProblem(d: Omit<CustomMetricDefinition, 'id' | 'createdAt' | 'updatedAt'>): string | null {
  const subject = patternProblem(d.subject);
  if (subject) return subject;
  if (d.source === 'json' && !d.field) return 'field is required for source json';
  if (d.source !== 'json' && d.field) return `field applies to source json only (source is ${d.source})`;
  if (d.source === 'header' && !d.header) return 'header is required for source header';
  if (d.source !== 'header' && d.header) return `header applies to source header only (source is ${d.source})`;
  if (d.source === 'count' && d.aggregation !== 'count') return 'aggregation must be count for source count';
  return null;
}

/**
 * Stored figures hashes the custom columns of one export may read (metrics × hashes a metric):
 * 24 h of minutes for 50 metrics was 72,000 a request, and eight loops of it on one key held
 * other tenants' reads for seconds (docs/benchmarks.md, Custom metrics).
 */
export const MAX_EXPORT_CUSTOM_HASHES = 10_000;

/** Stored hashes one bucket of a custom series reads: a 5m bucket five minutes, else one. */
function hashesPerBucket(resolution: Resolution): number {
  return resolution === '5m' ? 5 : 1;
}

/** Hashes one metric's series of the period reads at the resolution. */
function hashesPerMetric(period: Period, resolution: Resolution): number {
  return (PERIOD_SECONDS[period] / RESOLUTION_SECONDS[resolution]) * hashesPerBucket(resolution);
}

/**
 * The resolution an export reads at: the one asked for; when none is, the period's default if its
 * custom figures fit MAX_EXPORT_CUSTOM_HASHES, else the finest coarser one that fits (else the
 * default, which exportCostProblem then refuses, asking a shorter period).
 */
export function exportResolution(metrics: number, period: Period, asked: Resolution | undefined): Resolution {
  if (asked) return asked;
  const standard = DEFAULT_RESOLUTION[period];
  if (metrics * hashesPerMetric(period, standard) <= MAX_EXPORT_CUSTOM_HASHES) return standard;
  return coarserFitting(metrics, period, standard) ?? standard;
}

/** The finest resolution coarser than `than`, within the period, whose custom figures fit. */
function coarserFitting(metrics: number, period: Period, than: Resolution): Resolution | undefined {
  return RESOLUTIONS.find(
    (r) =>
      RESOLUTION_SECONDS[r] > RESOLUTION_SECONDS[than] &&
      RESOLUTION_SECONDS[r] <= PERIOD_SECONDS[period] &&
      metrics * hashesPerMetric(period, r) <= MAX_EXPORT_CUSTOM_HASHES,
  );
}

/**
 * Why an export of `metrics` custom metrics over the period at the resolution reads too much
 * (naming resolution and the coarser one that fits), or null.
 */
export function exportCostProblem(metrics: number, period: Period, resolution: Resolution): string | null {
  const hashes = metrics * hashesPerMetric(period, resolution);
  if (hashes <= MAX_EXPORT_CUSTOM_HASHES) return null;
  const fits = coarserFitting(metrics, period, resolution);
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    `resolution: ${period} at ${resolution} reads ${n(hashesPerMetric(period, resolution))} stored figures for each of ` +
    `${metrics} custom metrics (${n(hashes)}); an export reads at most ${n(MAX_EXPORT_CUSTOM_HASHES)}: ` +
    (fits ? `ask resolution=${fits} or a shorter period` : 'ask a shorter period')
  );
}

/** What a definition measures: fixed for its life (PATCH refuses a change, naming the field). */
export const DEFINING_FIELDS = ['subject', 'source', 'field', 'header', 'aggregation'] as const;

/**
 * Custom metric definitions of enterprise tenants. A change is saved, then the tenant is touched
 * so every instance reloads the tenant's definitions into its tap at once.
 */
@Injectable()
export class CustomMetricsService {
  constructor(
    private readonly repository: CustomMetricRepository,
    private readonly tenants: TenantsService,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  list(tenantId: string): Promise<CustomMetricDefinition[]> {
    return this.repository.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<CustomMetricDefinition> {
    const found = await this.repository.find(tenantId, id);
    if (!found) throw new MetricsError('CUSTOM_METRIC_NOT_FOUND', `No custom metric ${id}`);
    return found;
  }

  async create(tenantId: string, dto: CreateCustomMetricDto): Promise<CustomMetricDefinition> {
    const now = new Date().toISOString();
    const definition: CustomMetricDefinition = {
      id: `cm_${randomBytes(8).toString('hex')}`,
      name: dto.name,
      subject: dto.subject,
      source: dto.source,
      field: dto.field ?? null,
      header: dto.header ?? null,
      aggregation: dto.aggregation,
      unit: dto.unit ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.check(definition);
    const created = await this.repository.create(tenantId, definition, this.options.customMetricsPerTenant);
    if (created === null) throw new MetricsError('TENANT_NOT_FOUND', `Tenant ${tenantId} no longer exists`);
    if (!created) {
      throw new MetricsError(
        'LIMIT_REACHED',
        `A tenant has at most ${this.options.customMetricsPerTenant} custom metrics: delete one first`,
      );
    }
    await this.tenants.touch(tenantId);
    return definition;
  }

  /**
   * Renames or changes the unit. What the metric measures (subject, source, field, header,
   * aggregation) cannot change: its stored figures were counted under the old definition, and one
   * id would carry two meanings (a sum of one field becoming an average, or a sum of another
   * field, under the same series and alert rules). A new metric starts a new series.
   */
  async update(tenantId: string, id: string, dto: UpdateCustomMetricDto): Promise<CustomMetricDefinition> {
    const current = await this.get(tenantId, id);
    const changed = DEFINING_FIELDS.filter((f) => dto[f] !== undefined && dto[f] !== current[f]);
    if (changed.length > 0) {
      throw new MetricsError(
        'VALIDATION_FAILED',
        `${changed.join(', ')} cannot change: a custom metric keeps what it measures (its figures were counted so); create a new metric for the new definition (its series starts empty) and delete this one`,
      );
    }
    const definition: CustomMetricDefinition = {
      ...current,
      ...Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)),
      updatedAt: new Date().toISOString(),
    };
    this.check(definition);
    await this.repository.save(tenantId, definition);
    await this.tenants.touch(tenantId);
    return definition;
  }

  /** Stops the metric on every instance and deletes what it stored. */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.repository.remove(tenantId, id);
    await this.tenants.touch(tenantId);
  }

  /**
   * The metric's value per bucket over a period, zero-filled (a bucket without messages has
   * count 0 and value null, or 0 for count and sum), with the period's total. The analytics
   * series rules (periods, default resolutions, at most 2,000 points); 1m and 5m buckets come from
   * the minute figures, 1h from the hour figures, 1d from the day figures.
   */
  async series(tenantId: string, id: string, period: Period, resolution?: Resolution, now = Date.now()) {
    return this.seriesOf(tenantId, await this.get(tenantId, id), period, resolution, now);
  }

  /** The series of a definition already read. */
  private async seriesOf(
    tenantId: string,
    definition: CustomMetricDefinition,
    period: Period,
    resolution: Resolution | undefined,
    now: number,
  ) {
    const plan = seriesPlan(now, period, resolution);
    const stored = await this.repository.figuresOf(tenantId, definition.id, plan.periods);
    return seriesFrom(tenantId, definition, period, plan, stored);
  }

  /**
   * The tenant's custom metrics an export carries, checked before anything else is read: at most
   * MAX_EXPORT_CUSTOM_HASHES stored hashes for all of them (a 400 naming resolution beyond).
   */
  async exportDefinitions(
    tenantId: string,
    period: Period,
    asked: Resolution | undefined,
  ): Promise<{ definitions: CustomMetricDefinition[]; resolution: Resolution | undefined }> {
    const definitions = await this.repository.list(tenantId);
    if (definitions.length === 0) return { definitions, resolution: asked };
    const resolution = exportResolution(definitions.length, period, asked);
    const problem = exportCostProblem(definitions.length, period, resolution);
    if (problem) throw new InvalidInputError(problem);
    return { definitions, resolution };
  }

  /**
   * The definitions' series as extra export columns, aligned on the analytics series' buckets;
   * null when there are none. Read one script call (HASHES_PER_CALL hashes) after another, so
   * other clients' commands are served between them.
   */
  async exportColumns(
    tenantId: string,
    definitions: CustomMetricDefinition[],
    period: Period,
    resolution: Resolution,
    points: { timestamp: string }[],
    now = Date.now(),
  ): Promise<ExportColumns | null> {
    if (definitions.length === 0) return null;
    const plan = seriesPlan(now, period, resolution);
    const stored = await this.repository.figuresOfEach(
      tenantId,
      definitions.map((d) => d.id),
      plan.periods,
    );
    const byTime = definitions.map(
      (d, i) => new Map(seriesFrom(tenantId, d, period, plan, stored[i]).series.map((p) => [p.timestamp, p.value])),
    );
    return {
      ids: definitions.map((d) => d.id),
      values: points.map((p) => byTime.map((m) => m.get(p.timestamp) ?? null)),
    };
  }

  private check(definition: CustomMetricDefinition): void {
    const problem = definitionProblem(definition);
    if (problem) throw new MetricsError('VALIDATION_FAILED', problem);
  }
}

interface SeriesPlan {
  resolution: Resolution;
  starts: number[];
  step: number;
  /** Stored hashes a bucket reads. */
  perBucket: number;
  /** The stored periods read, bucket after bucket: minute epochs, `h<hourEpoch>` or `d<yyyymmdd>`. */
  periods: (string | number)[];
}

/**
 * A custom series' buckets (the analytics series rules) and the stored hashes they read: 1m and
 * 5m buckets from the minute figures, 1h from the hour figures, 1d from the day figures.
 */
function seriesPlan(now: number, period: Period, resolution: Resolution | undefined): SeriesPlan {
  const { resolution: res, starts, step } = seriesBuckets(now, period, resolution);
  const perBucket = hashesPerBucket(res);
  const periods = starts.flatMap((start): (string | number)[] =>
    res === '1d'
      ? [`d${dayOf(start * 1000)}`]
      : res === '1h'
        ? [`h${start}`]
        : Array.from({ length: perBucket }, (_, i) => start + i * 60),
  );
  return { resolution: res, starts, step, perBucket, periods };
}

/** A definition's series from its stored figures (one per planned period). */
function seriesFrom(
  tenantId: string,
  definition: CustomMetricDefinition,
  period: Period,
  { resolution, starts, step, perBucket }: SeriesPlan,
  stored: StoredFigures[],
) {
  const buckets = starts.map((_, i) => combineFigures(stored.slice(i * perBucket, (i + 1) * perBucket)));
  const point = (f: StoredFigures) => ({
    value: aggregateValue(definition.aggregation, f),
    count: Number(f.c ?? 0),
    unparsable: Number(f.u ?? 0),
    tooLarge: Number(f.l ?? 0),
  });
  const { id } = definition;
  return {
    tenantId,
    metric: { id, name: definition.name, unit: definition.unit, aggregation: definition.aggregation },
    period,
    resolution,
    from: new Date(starts[0] * 1000).toISOString(),
    to: new Date((starts[starts.length - 1] + step) * 1000).toISOString(),
    series: starts.map((start, i) => ({ timestamp: new Date(start * 1000).toISOString(), ...point(buckets[i]) })),
    totals: point(combineFigures(buckets)),
  };
}
