import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateIf } from 'class-validator';
import { SENSITIVITIES, type Sensitivity } from '../../config/detector-config.js';
import { ID_PATTERN } from '../../common/ids.js';
import { TIERS, type Tier } from '../../common/tiers.js';
import { TENANT_STATUSES, type TenantStatus } from '../tenant.js';

const ID_MESSAGE = 'id must match ^[A-Za-z0-9_-]{1,64}$';

/** Fields an admin may set on create and change later. */
class TenantFieldsDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsIn(TIERS, { message: `tier must be one of: ${TIERS.join(', ')}` })
  tier?: Tier;

  /** A key of the PLAN_TIERS table; sets the tier unless a tier is given too. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  plan?: string;

  /** Messages a month the tenant pays for; null clears it. */
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt({ message: 'monthlyMessageQuota must be a positive integer or null' })
  @Min(1, { message: 'monthlyMessageQuota must be a positive integer or null' })
  monthlyMessageQuota?: number | null;

  /** How readily the statistical anomaly detector opens an anomaly (enterprise); default medium. */
  @IsOptional()
  @IsIn(SENSITIVITIES, { message: `anomalySensitivity must be one of: ${SENSITIVITIES.join(', ')}` })
  anomalySensitivity?: Sensitivity;
}

export class CreateTenantDto extends TenantFieldsDto {
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id!: string;
}

export class UpdateTenantDto extends TenantFieldsDto {
  @IsOptional()
  @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  status?: TenantStatus;
}
