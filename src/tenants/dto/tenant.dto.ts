import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_SAMPLING } from '../../common/sampling.js';
import { MAX_RETENTION_DAYS } from '../../common/retention.js';
import { SENSITIVITIES, type Sensitivity } from '../../config/detector-config.js';
import { ID_PATTERN } from '../../common/ids.js';
import { TIERS, type Tier } from '../../common/tiers.js';
import { TENANT_STATUSES, type TenantStatus } from '../tenant.js';

const ID_MESSAGE = 'id must match ^[A-Za-z0-9_-]{1,64}$';

const NAME_PATTERN = /^[A-Za-z0-9_.@$-]{1,128}$/;

/** The NATS identities that attribute a connection to the tenant (README, What the NATS server knows). */
export class NatsIdentitiesDto {
  @IsOptional()
  @IsArray({ message: 'natsIdentities.accounts must be a list of account names' })
  @ArrayMaxSize(20, { message: 'natsIdentities.accounts holds at most 20 names' })
  @Matches(NAME_PATTERN, {
    each: true,
    message: 'natsIdentities.accounts: each name matches ^[A-Za-z0-9_.@$-]{1,128}$',
  })
  accounts?: string[];

  @IsOptional()
  @IsArray({ message: 'natsIdentities.users must be a list of user names' })
  @ArrayMaxSize(100, { message: 'natsIdentities.users holds at most 100 names' })
  @Matches(NAME_PATTERN, { each: true, message: 'natsIdentities.users: each name matches ^[A-Za-z0-9_.@$-]{1,128}$' })
  users?: string[];

  @IsOptional()
  @IsArray({ message: 'natsIdentities.nkeys must be a list of nkey public keys' })
  @ArrayMaxSize(100, { message: 'natsIdentities.nkeys holds at most 100 keys' })
  @Matches(/^U[A-Z2-7]{55}$/, {
    each: true,
    message: 'natsIdentities.nkeys: each is a user nkey public key (U…, 56 characters)',
  })
  nkeys?: string[];
}

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

  /**
   * Days of history kept for this tenant instead of its tier's (e.g. 395 for an enterprise
   * contract; beyond a month, run the cold store); null returns to the tier's.
   */
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt({ message: `retentionDays must be an integer from 1 to ${MAX_RETENTION_DAYS}, or null` })
  @Min(1, { message: `retentionDays must be an integer from 1 to ${MAX_RETENTION_DAYS}, or null` })
  @Max(MAX_RETENTION_DAYS, { message: `retentionDays must be an integer from 1 to ${MAX_RETENTION_DAYS}, or null` })
  retentionDays?: number | null;

  /** The tenant's NATS identities (accounts, user names, nkey public keys), each list replaced whole. */
  @IsOptional()
  @ValidateNested()
  @Type(() => NatsIdentitiesDto)
  natsIdentities?: NatsIdentitiesDto;

  /**
   * Latency and subject statistics from every message (1), one message in N (2..1000), or
   * automatic (0, the default: sampled above SAMPLING_AUTO_RATE msgs/s). Counts and bytes are
   * always exact.
   */
  @IsOptional()
  @IsInt({ message: `sampling must be an integer from 0 to ${MAX_SAMPLING}` })
  @Min(0, { message: `sampling must be an integer from 0 to ${MAX_SAMPLING}` })
  @Max(MAX_SAMPLING, { message: `sampling must be an integer from 0 to ${MAX_SAMPLING}` })
  sampling?: number;
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
