import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from '../../common/ids.js';

export class ListTenantsQuery {
  @ApiPropertyOptional({ description: 'Tenants per page (1–1000)', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  /** The last id of the previous page. */
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (the last id it listed)' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'cursor must be a tenant id' })
  cursor?: string;
}
