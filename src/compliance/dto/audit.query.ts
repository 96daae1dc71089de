import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches, MaxLength } from 'class-validator';
import { ID_PATTERN } from '../../common/ids.js';
import { AUDIT_ACTIONS, type AuditAction } from '../../common/audit-actions.js';
import { PageLimit } from '../../common/decorators/page-limit.decorator.js';
import { IsDateTime } from '../../common/decorators/date-time.decorator.js';

/** The query of a tenant's own trail. */
export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Only entries of this action', enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional({
    description: 'Entries at or after this time (ISO 8601, 1970 to 9999)',
    format: 'date-time',
    maxLength: 40,
  })
  @IsOptional()
  @MaxLength(40, { message: 'from must be an ISO 8601 date-time' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @IsDateTime('from')
  from?: string;

  @ApiPropertyOptional({
    description: 'Entries at or before this time (ISO 8601, 1970 to 9999)',
    format: 'date-time',
    maxLength: 40,
  })
  @IsOptional()
  @MaxLength(40, { message: 'to must be an ISO 8601 date-time' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @IsDateTime('to')
  to?: string;

  @PageLimit('Entries per page, newest first')
  limit: number = 100;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,16}-\d{1,16}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

/** The admin's query: any tenant's trail, or all of it. */
export class AdminAuditQueryDto extends AuditQueryDto {
  @ApiPropertyOptional({ description: 'Only entries about this tenant (also after its erasure)' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'tenantId must be a tenant id' })
  tenantId?: string;
}
