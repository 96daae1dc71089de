import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { type Period, PERIODS, type Resolution, RESOLUTIONS } from '../../analytics/buckets.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../analytics/series-export.js';
import { ANOMALY_TYPES, type AnomalyType } from '../../anomalies/detectors.js';
import { SENSITIVITIES, type Sensitivity } from '../../config/detector-config.js';
import { PageLimit } from '../../common/decorators/page-limit.decorator.js';
import { FilterField } from './pages.dto.js';
import { CLIENT_SORTS, type ClientSort } from '../../heartbeat/presence-query.service.js';

export class AnalyticsQuery {
  @ApiPropertyOptional({
    enum: PERIODS,
    default: '24h',
    description:
      "Up to the tenant's retention (by default 7 days professional, 30 enterprise; 90d and 365d with a longer retention)",
  })
  @IsOptional()
  @IsIn(PERIODS, { message: `period must be one of: ${PERIODS.join(', ')}` })
  period: Period = '24h';

  /** Default: 1m for 1h, 5m for 24h, 1h for 7d, 1d for 30d. At most 2,000 points. */
  @ApiPropertyOptional({
    enum: RESOLUTIONS,
    description: 'Default: 1m for 1h, 5m for 24h, 1h for 7d, 1d for 30d; at most 2,000 points',
  })
  @IsOptional()
  @IsIn(RESOLUTIONS, { message: `resolution must be one of: ${RESOLUTIONS.join(', ')}` })
  resolution?: Resolution;
}

/**
 * GET /metrics/analytics: a period back from now, or a range `from`–`to` (the dashboard's range
 * picker and zoom); with `from`, `period` is not used.
 */
export class AnalyticsRangeQuery extends AnalyticsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      "Start of a range (ISO 8601) instead of a period, within the tenant's retention (further back: 403 naming the tier that keeps it); with from, period is not used",
  })
  @IsOptional()
  @IsString({ message: 'from must be an ISO 8601 time' })
  @MaxLength(40, { message: 'from must be an ISO 8601 time' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 time' })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'End of the range (ISO 8601; default and at most now); needs from, at least a minute after it',
  })
  @IsOptional()
  @IsString({ message: 'to must be an ISO 8601 time' })
  @MaxLength(40, { message: 'to must be an ISO 8601 time' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 time' })
  to?: string;
}

export class ExportQuery extends AnalyticsQuery {
  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS, { message: `format must be one of: ${EXPORT_FORMATS.join(', ')}` })
  format!: ExportFormat;
}

export class AnomaliesQuery {
  @ApiPropertyOptional({ description: 'How far back, in hours (1–720)', minimum: 1, maximum: 720, default: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'hours must be an integer from 1 to 720' })
  @Min(1, { message: 'hours must be an integer from 1 to 720' })
  @Max(720, { message: 'hours must be an integer from 1 to 720' })
  hours: number = 24;

  @ApiPropertyOptional({ enum: ANOMALY_TYPES })
  @IsOptional()
  @IsIn(ANOMALY_TYPES, { message: `type must be one of: ${ANOMALY_TYPES.join(', ')}` })
  type?: AnomalyType;

  @ApiPropertyOptional({ enum: ['open', 'resolved'] })
  @IsOptional()
  @IsIn(['open', 'resolved'], { message: 'status must be open or resolved' })
  status?: 'open' | 'resolved';
}

export const BACKTEST_PERIODS = ['7d', '30d'] as const;

/** Body of POST /metrics/anomalies/backtest. */
export class BacktestBody {
  @ApiProperty({ enum: BACKTEST_PERIODS })
  @IsIn(BACKTEST_PERIODS, { message: `period must be one of: ${BACKTEST_PERIODS.join(', ')}` })
  period!: (typeof BACKTEST_PERIODS)[number];

  /** Default: the tenant's anomalySensitivity. */
  @ApiPropertyOptional({ enum: SENSITIVITIES, description: "Default: the tenant's anomalySensitivity" })
  @IsOptional()
  @IsIn(SENSITIVITIES, { message: `sensitivity must be one of: ${SENSITIVITIES.join(', ')}` })
  sensitivity?: Sensitivity;
}

/** GET /metrics/realtime: `recent=true` adds the rates of the last minutes (a live chart's start). */
export class RealtimeQuery {
  @ApiPropertyOptional({
    type: 'boolean',
    description: 'true: add recent, the message and byte rates of the last minutes (one every 10 s, each as perSecond)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'recent must be true or false' })
  recent?: boolean;
}

export const CLIENT_STATUSES = ['healthy', 'degraded', 'unhealthy', 'offline'] as const;

export class PresenceQuery {
  @ApiPropertyOptional({ enum: CLIENT_STATUSES, description: 'Professional and up' })
  @IsOptional()
  @IsIn(CLIENT_STATUSES, { message: `status must be one of: ${CLIENT_STATUSES.join(', ')}` })
  status?: (typeof CLIENT_STATUSES)[number];

  @ApiPropertyOptional({ type: 'boolean', description: 'Professional and up' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'online must be true or false' })
  online?: boolean;

  @PageLimit('Clients per page; professional and up')
  limit: number = 100;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page; professional and up' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @FilterField('client ids')
  search?: string;

  @ApiPropertyOptional({
    enum: CLIENT_SORTS,
    default: 'clientId',
    description: 'clientId (lexical) or lastSeen (most recently seen first); a cursor is for the sort it came from',
  })
  @IsOptional()
  @IsIn(CLIENT_SORTS, { message: `sort must be one of: ${CLIENT_SORTS.join(', ')}` })
  sort: ClientSort = 'clientId';
}

/** Routes that take no query parameters: any parameter (say, a tenantId) is refused with 400. */
export class ConnectionsQuery {
  @ApiPropertyOptional({
    description: 'open (default) or closed (the latest 1,000 kept, and the latest 100 unverified)',
    enum: ['open', 'closed'],
  })
  @IsOptional()
  @IsIn(['open', 'closed'], { message: 'state must be open or closed' })
  state: 'open' | 'closed' = 'open';
}

export { NoQuery } from '../../common/no-query.dto.js';
