import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Readable } from 'node:stream';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { AdminRoute } from '../common/decorators/api-route.decorator.js';
import { Audited } from '../common/decorators/audited.decorator.js';
import { ref } from '../common/schema.js';
import {
  USAGE_EVENT_TYPE,
  USAGE_EXPORT_FORMATS,
  USAGE_EXPORT_MEDIA_TYPES,
  type UsageExportFormat,
} from './usage-export.js';
import { UsageExportService } from './usage-export.service.js';

const HOUR_MESSAGE = 'hour must be a UTC hour as YYYY-MM-DDTHH (e.g. 2026-12-07T13)';

export class UsageExportQuery {
  @ApiProperty({
    description: 'The UTC hour, YYYY-MM-DDTHH; it must have ended at least USAGE_EXPORT_SETTLE_SECONDS ago',
    example: '2026-12-07T13',
    maxLength: 13,
  })
  @IsString({ message: HOUR_MESSAGE })
  @MaxLength(13, { message: HOUR_MESSAGE })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}$/, { message: HOUR_MESSAGE })
  hour!: string;

  @ApiPropertyOptional({
    description: 'ndjson (default): one UsageRecord a line; cloudevents: a CloudEvents 1.0 batch (JSON array)',
    enum: USAGE_EXPORT_FORMATS,
    default: 'ndjson',
  })
  @IsOptional()
  @IsIn(USAGE_EXPORT_FORMATS, { message: `format must be one of: ${USAGE_EXPORT_FORMATS.join(', ')}` })
  format?: UsageExportFormat;
}

/** The hourly usage export for billing (admin key): `GET /api/v1/admin/usage/export`. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/usage')
export class UsageExportController {
  constructor(private readonly usage: UsageExportService) {}

  @AdminRoute({
    summary: "Every tenant's usage in one past UTC hour, for billing: NDJSON or a CloudEvents batch",
    description: `One record per tenant (active or disabled; an erased tenant has none, nor a tenant created after the hour or whose history no longer holds it), in tenant id order, with a stable id usage:<tenantId>:<YYYY-MM-DDTHH>: published (what Pulse's tap counted), ingress and egress (what the NATS server counted), connection-minutes and JetStream storage byte-hours. The same hour exported again gives the same bytes while its data does not change. The hour must have ended USAGE_EXPORT_SETTLE_SECONDS (300) ago — later data for it (an instance's backlog after an outage) would change it — and be within the history kept; else a 400 naming hour (details[0].exportableFrom: when it can be). format=cloudevents: each record is the data of a CloudEvent (type ${USAGE_EVENT_TYPE}, subject the tenant id, time the hour's start, source USAGE_EXPORT_SOURCE), as OpenMeter ingests them. Streamed.`,
    ok: {
      description: 'The records',
      content: {
        [USAGE_EXPORT_MEDIA_TYPES.ndjson]: {
          schema: { type: 'string', description: 'One UsageRecord JSON object per line' },
        },
        [USAGE_EXPORT_MEDIA_TYPES.cloudevents]: { schema: { type: 'array', items: ref('UsageCloudEvent') } },
      },
      headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename=…' } },
    },
    errors: [400],
  })
  @Audited({ action: 'usage.export', target: 'usage' })
  @Get('export')
  async export(@Query() query: UsageExportQuery): Promise<StreamableFile> {
    const format = query.format ?? 'ndjson';
    const { hour, mediaType, body } = await this.usage.export(query.hour, format);
    return new StreamableFile(Readable.from(body), {
      type: mediaType,
      disposition: `attachment; filename="pulse-usage-${hour.label}.${format === 'ndjson' ? 'ndjson' : 'json'}"`,
    });
  }
}
