import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_RANKED, USAGE_PERIODS, type UsagePeriod } from '../usage.service.js';

/** `GET /api/v1/metrics/usage`. */
export class UsageQuery {
  @ApiPropertyOptional({
    enum: USAGE_PERIODS,
    default: '24h',
    description:
      "The history's span: 24h per hour, 7d and 30d per day; up to the tenant's retention (by default 7d professional, 30d enterprise)",
  })
  @IsOptional()
  @IsIn(USAGE_PERIODS, { message: `period must be one of: ${USAGE_PERIODS.join(', ')}` })
  period: UsagePeriod = '24h';
}

/** `GET /api/v1/admin/usage`. */
export class AdminUsageQuery {
  @ApiPropertyOptional({
    description: `Tenants listed (1–${MAX_RANKED})`,
    minimum: 1,
    maximum: MAX_RANKED,
    default: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_RANKED)
  limit: number = 20;
}
