import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ID_PATTERN } from '../../common/ids.js';
import { TIERS, type Tier } from '../../common/tiers.js';
import { TENANT_STATUSES, type TenantStatus } from '../tenant.js';

const ID_MESSAGE = 'id must match ^[A-Za-z0-9_-]{1,64}$';

/** Fields an admin may set on create and change later. */
class TenantFieldsDto {
  @IsOptional() @IsString() @Length(1, 200)
  name?: string;

  @IsOptional() @IsIn(TIERS, { message: `tier must be one of: ${TIERS.join(', ')}` })
  tier?: Tier;

  /** A key of the PLAN_TIERS table; sets the tier unless a tier is given too. */
  @IsOptional() @IsString() @Length(1, 64)
  plan?: string;
}

export class CreateTenantDto extends TenantFieldsDto {
  @IsString() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id!: string;
}

export class UpdateTenantDto extends TenantFieldsDto {
  @IsOptional() @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  status?: TenantStatus;
}
