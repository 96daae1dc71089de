import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ID_PATTERN } from '../../common/ids.js';

export class ListTenantsQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  /** The last id of the previous page. */
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'cursor must be a tenant id' })
  cursor?: string;
}
