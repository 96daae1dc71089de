import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import type { CustomMetricDefinition } from '../monitoring/custom/definition.js';
import { patternProblem } from '../monitoring/custom/subject-pattern.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { MetricsError } from './metrics.errors.js';
import { type Period, type Resolution, seriesBuckets } from '../analytics/buckets.js';
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

  /** The series of a definition already read (the export reads every definition once). */
  private async seriesOf(
    tenantId: string,
    definition: CustomMetricDefinition,
    period: Period,
    resolution: Resolution | undefined,
    now: number,
  ) {
    const { id } = definition;
    const { resolution: res, starts, step } = seriesBuckets(now, period, resolution);
    // One stored hash a bucket, but 5m buckets, which are five minutes each.
    const perBucket = res === '5m' ? 5 : 1;
    const periods: (string | number)[] = starts.flatMap((start): (string | number)[] =>
      res === '1d'
        ? [`d${dayOf(start * 1000)}`]
        : res === '1h'
          ? [`h${start}`]
          : Array.from({ length: perBucket }, (_, i) => start + i * 60),
    );
    const stored = await this.repository.figuresOf(tenantId, id, periods);
    const buckets = starts.map((start, i) => combineFigures(stored.slice(i * perBucket, (i + 1) * perBucket)));
    const point = (f: StoredFigures) => ({
      value: aggregateValue(definition.aggregation, f),
      count: Number(f.c ?? 0),
      unparsable: Number(f.u ?? 0),
      tooLarge: Number(f.l ?? 0),
    });
    return {
      tenantId,
      metric: { id, name: definition.name, unit: definition.unit, aggregation: definition.aggregation },
      period,
      resolution: res,
      from: new Date(starts[0] * 1000).toISOString(),
      to: new Date((starts[starts.length - 1] + step) * 1000).toISOString(),
      series: starts.map((start, i) => ({ timestamp: new Date(start * 1000).toISOString(), ...point(buckets[i]) })),
      totals: point(combineFigures(buckets)),
    };
  }

  /**
   * The tenant's custom metrics as extra export columns, aligned on the analytics series'
   * buckets; null when there are none.
   */
  async exportColumns(
    tenantId: string,
    period: Period,
    resolution: Resolution,
    points: { timestamp: string }[],
    now = Date.now(),
  ): Promise<ExportColumns | null> {
    const definitions = await this.repository.list(tenantId);
    if (definitions.length === 0) return null;
    const series = await Promise.all(definitions.map((d) => this.seriesOf(tenantId, d, period, resolution, now)));
    const byTime = series.map((s) => new Map(s.series.map((p) => [p.timestamp, p.value])));
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
