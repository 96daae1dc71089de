import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import type { CustomMetricDefinition } from '../monitoring/custom/definition.js';
import { patternProblem } from '../monitoring/custom/subject-pattern.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { bucketStarts, RESOLUTION_SECONDS } from '../analytics/buckets.js';
import type { ExportColumns } from '../analytics/series-export.js';
import { dayOf } from '../common/time.js';
import { combineFigures } from '../monitoring/custom/combine.js';
import type { StoredFigures } from '../monitoring/custom/custom-metric.repository.js';
import { aggregateValue } from '../monitoring/custom/figures.js';
import {
  CUSTOM_DEFAULT_RESOLUTION,
  CUSTOM_RESOLUTIONS_OF,
  type CreateCustomMetricDto,
  type CustomPeriod,
  type CustomResolution,
  type UpdateCustomMetricDto,
} from './dto/custom-metric.dto.js';

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
    if (!found) throw new NotFoundException(`No custom metric ${id}`);
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
    if ((await this.repository.count(tenantId)) >= this.options.customMetricsPerTenant) {
      throw new ConflictException(
        `A tenant has at most ${this.options.customMetricsPerTenant} custom metrics: delete one first`,
      );
    }
    await this.repository.save(tenantId, definition);
    await this.tenants.touch(tenantId);
    return definition;
  }

  async update(tenantId: string, id: string, dto: UpdateCustomMetricDto): Promise<CustomMetricDefinition> {
    const current = await this.get(tenantId, id);
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
   * count 0 and value null, or 0 for count and sum), with the period's total. Below a day the
   * buckets come from the minute figures (kept 25 hours), over 7 and 30 days from the day figures.
   */
  async series(tenantId: string, id: string, period: CustomPeriod, resolution?: CustomResolution, now = Date.now()) {
    return this.seriesOf(tenantId, await this.get(tenantId, id), period, resolution, now);
  }

  /** The series of a definition already read (the export reads every definition once). */
  private async seriesOf(
    tenantId: string,
    definition: CustomMetricDefinition,
    period: CustomPeriod,
    resolution: CustomResolution | undefined,
    now: number,
  ) {
    const { id } = definition;
    const res = resolution ?? CUSTOM_DEFAULT_RESOLUTION[period];
    if (!CUSTOM_RESOLUTIONS_OF[period].includes(res)) {
      throw new BadRequestException(
        `resolution must be one of ${CUSTOM_RESOLUTIONS_OF[period].join(', ')} for period ${period} (custom metrics keep minutes for 25 hours, then days)`,
      );
    }
    const starts = bucketStarts(now, period, res);
    const step = RESOLUTION_SECONDS[res];
    const daily = res === '1d';
    const periods: (string | number)[] = starts.flatMap((start): (string | number)[] =>
      daily ? [`d${dayOf(start * 1000)}`] : Array.from({ length: step / 60 }, (_, i) => start + i * 60),
    );
    const stored = await this.repository.figuresOf(tenantId, id, periods);
    const perBucket = daily ? 1 : step / 60;
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
   * buckets; null when there are none, or when custom metrics do not keep the resolution asked
   * (7d at 1h: they keep minutes for 25 hours, then days).
   */
  async exportColumns(
    tenantId: string,
    period: CustomPeriod,
    resolution: string,
    points: { timestamp: string }[],
    now = Date.now(),
  ): Promise<ExportColumns | null> {
    const definitions = await this.repository.list(tenantId);
    const res = resolution as CustomResolution;
    if (definitions.length === 0 || !CUSTOM_RESOLUTIONS_OF[period].includes(res)) return null;
    const series = await Promise.all(definitions.map((d) => this.seriesOf(tenantId, d, period, res, now)));
    const byTime = series.map((s) => new Map(s.series.map((p) => [p.timestamp, p.value])));
    return {
      ids: definitions.map((d) => d.id),
      values: points.map((p) => byTime.map((m) => m.get(p.timestamp) ?? null)),
    };
  }

  private check(definition: CustomMetricDefinition): void {
    const problem = definitionProblem(definition);
    if (problem) throw new BadRequestException(problem);
  }
}
