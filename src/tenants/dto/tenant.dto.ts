import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
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
import { OptionalNotNull } from '../../common/decorators/optional-not-null.decorator.js';
import { TIERS, type Tier } from '../../common/tiers.js';
import { TENANT_STATUSES, type TenantLimits, type TenantStatus } from '../tenant.js';

const ID_MESSAGE = 'id must match ^[A-Za-z0-9_-]{1,64}$';

const NAME_PATTERN = /^[A-Za-z0-9_.@$-]{1,128}$/;
const NATS_ACCOUNT_MESSAGE =
  'natsAccount must be null, an account public key (A…, 56 characters) or an account name matching ^[A-Za-z0-9_.@$-]{1,128}$';

/** The NATS identities that attribute a connection to the tenant (README, What the NATS server knows). */
export class NatsIdentitiesDto {
  @OptionalNotNull()
  @IsArray({ message: 'natsIdentities.accounts must be a list of account names' })
  @ArrayMaxSize(20, { message: 'natsIdentities.accounts holds at most 20 names' })
  @Matches(NAME_PATTERN, {
    each: true,
    message: 'natsIdentities.accounts: each name matches ^[A-Za-z0-9_.@$-]{1,128}$',
  })
  accounts?: string[];

  @OptionalNotNull()
  @IsArray({ message: 'natsIdentities.users must be a list of user names' })
  @ArrayMaxSize(100, { message: 'natsIdentities.users holds at most 100 names' })
  @Matches(NAME_PATTERN, { each: true, message: 'natsIdentities.users: each name matches ^[A-Za-z0-9_.@$-]{1,128}$' })
  users?: string[];

  @OptionalNotNull()
  @IsArray({ message: 'natsIdentities.nkeys must be a list of nkey public keys' })
  @ArrayMaxSize(100, { message: 'natsIdentities.nkeys holds at most 100 keys' })
  @Matches(/^U[A-Z2-7]{55}$/, {
    each: true,
    message: 'natsIdentities.nkeys: each is a user nkey public key (U…, 56 characters)',
  })
  nkeys?: string[];
}

const LIMIT_MESSAGE = (field: keyof TenantLimits) =>
  `limits.${field} must be a positive integer (at most ${Number.MAX_SAFE_INTEGER}) or null`;

/**
 * Decorators of one limit: absent (unchanged), null (cleared) or a positive safe integer. The
 * message names the field as `limits.<name>`.
 */
function LimitField(field: keyof TenantLimits): PropertyDecorator {
  const message = LIMIT_MESSAGE(field);
  return (target, key) => {
    IsOptional()(target, key);
    ValidateIf((_o, v) => v !== null)(target, key);
    IsInt({ message })(target, key);
    Min(1, { message })(target, key);
    Max(Number.MAX_SAFE_INTEGER, { message })(target, key);
  };
}

/**
 * The limits an admin sets on a tenant (issue #34; the one-account deployment shape: in the
 * accounts shape the account's claims win). Each field absent: unchanged; null: no limit.
 */
export class TenantLimitsDto {
  /** Open connections. */
  @LimitField('connections')
  connections?: number | null;

  /** Subscriptions across the tenant's connections. */
  @LimitField('subscriptions')
  subscriptions?: number | null;

  /** Largest message payload, bytes. */
  @LimitField('payload')
  payload?: number | null;

  /** Bytes in and out a month, as the server counts them. */
  @LimitField('data')
  data?: number | null;

  /** JetStream memory storage, bytes. */
  @LimitField('jetstreamMemory')
  jetstreamMemory?: number | null;

  /** JetStream file storage, bytes. */
  @LimitField('jetstreamStorage')
  jetstreamStorage?: number | null;

  /** JetStream streams. */
  @LimitField('jetstreamStreams')
  jetstreamStreams?: number | null;

  /** JetStream consumers. */
  @LimitField('jetstreamConsumers')
  jetstreamConsumers?: number | null;
}

/** Fields an admin may set on create and change later. */
class TenantFieldsDto {
  @OptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;

  @OptionalNotNull()
  @IsIn(TIERS, { message: `tier must be one of: ${TIERS.join(', ')}` })
  tier?: Tier;

  /** A key of the PLAN_TIERS table; sets the tier unless a tier is given too. */
  @OptionalNotNull()
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
  @OptionalNotNull()
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
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => NatsIdentitiesDto)
  natsIdentities?: NatsIdentitiesDto;

  /**
   * The tenant's own NATS account (the accounts deployment shape): an account public key (`A…`,
   * 56 characters) or a configured account's name; null: none (a subject namespace in a shared
   * account). Unique across tenants, and no other tenant's `natsIdentities.accounts` entry: the
   * account's connections are the tenant's.
   */
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString({ message: NATS_ACCOUNT_MESSAGE })
  @Matches(NAME_PATTERN, { message: NATS_ACCOUNT_MESSAGE })
  natsAccount?: string | null;

  /** Limits set on the tenant, merged field by field over its current ones (null clears one). */
  @ValidateIf((_o, v) => v !== undefined)
  @IsObject({ message: 'limits must be an object of limits (each a positive integer or null)' })
  @ValidateNested()
  @Type(() => TenantLimitsDto)
  limits?: TenantLimitsDto;

  /**
   * Latency and subject statistics from every message (1), one message in N (2..1000), or
   * automatic (0, the default: sampled above SAMPLING_AUTO_RATE msgs/s). Counts and bytes are
   * always exact.
   */
  @OptionalNotNull()
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
  @OptionalNotNull()
  @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  status?: TenantStatus;
}
