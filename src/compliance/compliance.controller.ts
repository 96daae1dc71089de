import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Readable } from 'node:stream';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { csvLine } from '../common/csv.js';
import { AdminRoute } from '../common/decorators/api-route.decorator.js';
import { Audited } from '../common/decorators/audited.decorator.js';
import { ParseIdPipe } from '../common/pipes/parse-id.pipe.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ComplianceService, type TenantReport } from './compliance.service.js';

export class ReportQuery {
  @ApiPropertyOptional({ description: 'json (default) or csv (one row per tenant)', enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}

const CSV_COLUMNS = [
  'tenant',
  'tier',
  'status',
  'retention_days',
  'oldest_data',
  'retention_enforced',
  'keys',
  'keys_unused_90d',
  'key_last_used',
  'failed_auth_30d',
  'channels',
  'channel_hosts',
] as const;

function csvRow(t: TenantReport): string {
  const lastUsed = t.keys.flatMap((k) => (k.lastUsedAt ? [k.lastUsedAt] : [])).sort();
  return csvLine([
    t.id,
    t.tier,
    t.status,
    t.retentionDays,
    t.oldestData,
    t.retentionEnforced,
    t.keys.length,
    t.keys.filter((k) => k.unused90d).length,
    lastUsed.at(-1) ?? null,
    t.failedAuthentication30d.total,
    t.channels.length,
    [...new Set(t.channels.flatMap((c) => (c.host ? [c.host] : [])))].join(';'),
  ]);
}

@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly tenants: TenantsService,
  ) {}

  @AdminRoute({
    summary: 'Everything Pulse holds about a tenant (GDPR Art. 15/20), as NDJSON',
    description:
      'One typed record a line ({"type": …, "data": …}): tenant, apiKey (ids and dates), channel (secrets masked), rule, silence, customMetric, eventSubscription (secret masked), client, connection, minute, hour, day, subjects, clientDay, jetstream (the last poll\'s streams and consumers), jetstreamMinute and jetstreamHour (JetStream history within the retention, each point as GET /api/v1/metrics/jetstream/history writes it), anomaly, alert, delivery, audit. Streamed.',
    ok: {
      description: 'The records',
      content: { 'application/x-ndjson': { schema: { type: 'string' } } },
    },
    errors: [400, 404],
  })
  @Audited({ action: 'tenant.export', target: 'tenant' })
  @Get('tenants/:id/export')
  async export(@Param('id', ParseIdPipe) id: string): Promise<StreamableFile> {
    const tenant = await this.tenants.get(id);
    const records = this.compliance.exportTenant(tenant);
    async function* lines() {
      for await (const r of records) yield `${JSON.stringify(r)}\n`;
    }
    return new StreamableFile(Readable.from(lines()), {
      type: 'application/x-ndjson',
      disposition: `attachment; filename="pulse-${id}-export.ndjson"`,
    });
  }

  @AdminRoute({
    summary: 'The compliance report: retention held, keys and their use, failed logins, channels, erasures',
    description:
      'Per tenant: the retention and the oldest data actually held, keys with age and last use (unused90d), channels and their target hosts; the deployment settings that matter for SOC 2; failed authentications of 30 days; erasure receipts. format=csv: one row per tenant.',
    ok: {
      description: 'The report',
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/ComplianceReport' } },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    errors: [400],
  })
  @Audited({ action: 'compliance.report', target: 'report' })
  @Get('compliance/report')
  async report(@Query() q: ReportQuery) {
    const report = await this.compliance.report();
    if (q.format !== 'csv') return report;
    const body = [csvLine(CSV_COLUMNS), ...report.tenants.map(csvRow)].join('\n') + '\n';
    return new StreamableFile(Buffer.from(body), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="pulse-compliance-report.csv"',
    });
  }
}
