import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import type { CustomMetricDefinition } from '../monitoring/custom/definition.js';
import { patternProblem } from '../monitoring/custom/subject-pattern.js';
import { TenantsService } from '../tenants/tenants.service.js';
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

  private check(definition: CustomMetricDefinition): void {
    const problem = definitionProblem(definition);
    if (problem) throw new BadRequestException(problem);
  }
}
