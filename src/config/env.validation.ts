import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Max,
  Min,
  MinLength,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  type ValidationArguments,
  validateSync,
} from 'class-validator';
import { isTier, type Tier } from '../common/tiers.js';
import {
  DEFAULT_ALERTING,
  DEFAULT_EVENTS,
  DEFAULT_INBOX_PREFIX,
  DEFAULT_PLAN_TIERS,
  EVENT_DELIVERY_BACKSTOP_MS,
  EVENT_LEASE_SETTLE_MS,
  eventDeliveryTimes,
  OPERATOR_LIMITS_POLICIES,
  type OperatorLimitsPolicy,
  type PulseOptions,
  type ShardOptions,
} from './pulse-options.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const URL_LIST = /^(nats|tls|ws|wss):\/\/[^\s,]+(\s*,\s*(nats|tls|ws|wss):\/\/[^\s,]+)*$/;
const HOST_PORT_LIST = /^[^\s,:]+:\d{1,5}(\s*,\s*[^\s,:]+:\d{1,5})*$/;
const PLAN_TABLE =
  /^[A-Za-z0-9_-]+:(basic|professional|enterprise)(\s*,\s*[A-Za-z0-9_-]+:(basic|professional|enterprise))*$/;

/** LIMIT_CRITICAL_PERCENT above LIMIT_WARNING_PERCENT: a limit is warned of before it is critical. */
@ValidatorConstraint({ name: 'aboveWarning' })
class AboveWarning implements ValidatorConstraintInterface {
  validate(critical: unknown, args: ValidationArguments): boolean {
    const warning = (args.object as EnvironmentVariables).LIMIT_WARNING_PERCENT;
    return typeof critical !== 'number' || typeof warning !== 'number' || critical > warning;
  }

  defaultMessage(): string {
    return 'LIMIT_CRITICAL_PERCENT must be above LIMIT_WARNING_PERCENT';
  }
}

/** LIMIT_RESOLVE_MARGIN_PERCENT below LIMIT_WARNING_PERCENT: a warning can resolve. */
@ValidatorConstraint({ name: 'belowWarning' })
class BelowWarning implements ValidatorConstraintInterface {
  validate(margin: unknown, args: ValidationArguments): boolean {
    const warning = (args.object as EnvironmentVariables).LIMIT_WARNING_PERCENT;
    return typeof margin !== 'number' || typeof warning !== 'number' || margin < warning;
  }

  defaultMessage(): string {
    return 'LIMIT_RESOLVE_MARGIN_PERCENT must be below LIMIT_WARNING_PERCENT';
  }
}

/** EVENTS_LEASE_MS beyond the delivery deadline (EVENTS_TIMEOUT_MS and the backstop) and the settle time. */
@ValidatorConstraint({ name: 'leaseOutlastsDelivery' })
class LeaseOutlastsDelivery implements ValidatorConstraintInterface {
  validate(lease: unknown, args: ValidationArguments): boolean {
    const timeoutMs = (args.object as EnvironmentVariables).EVENTS_TIMEOUT_MS;
    if (typeof lease !== 'number' || typeof timeoutMs !== 'number') return true;
    return lease > eventDeliveryTimes({ timeoutMs }).minLeaseMs;
  }

  defaultMessage(args: ValidationArguments): string {
    const timeoutMs = (args.object as EnvironmentVariables).EVENTS_TIMEOUT_MS;
    return `EVENTS_LEASE_MS must exceed ${eventDeliveryTimes({ timeoutMs }).minLeaseMs} (EVENTS_TIMEOUT_MS + ${EVENT_DELIVERY_BACKSTOP_MS} ms backstop + ${EVENT_LEASE_SETTLE_MS} ms to read the batch and record the outcome)`;
  }
}

/**
 * PULSE_SHARD and PULSE_INSTANCE_ORDINAL: with more than one shard exactly one of them says which
 * shard this instance is (a default would silently leave the other shards' tenants uncounted);
 * PULSE_SHARD below PULSE_SHARDS.
 */
@ValidatorConstraint({ name: 'shardIndex' })
class ShardIndex implements ValidatorConstraintInterface {
  private problem = '';

  validate(_: unknown, args: ValidationArguments): boolean {
    const env = args.object as EnvironmentVariables;
    const shards = env.PULSE_SHARDS;
    if (typeof shards !== 'number') return true;
    const explicit = env.PULSE_SHARD !== undefined;
    const ordinal = env.PULSE_INSTANCE_ORDINAL !== undefined;
    if (explicit && ordinal) this.problem = 'set PULSE_SHARD or PULSE_INSTANCE_ORDINAL, not both';
    else if (shards > 1 && !explicit && !ordinal)
      this.problem = `PULSE_SHARDS=${shards} needs PULSE_SHARD (0 to ${shards - 1}) or PULSE_INSTANCE_ORDINAL`;
    else if (explicit && typeof env.PULSE_SHARD === 'number' && env.PULSE_SHARD >= shards)
      this.problem = `PULSE_SHARD must be below PULSE_SHARDS (${shards}): 0 to ${shards - 1}`;
    else return true;
    return false;
  }

  defaultMessage(): string {
    return this.problem;
  }
}

/** Every variable Pulse reads, with its default. `.env.example` documents the same list. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'log';

  @Matches(URL_LIST, { message: 'NATS_URL must be a comma-separated list of nats:// (or tls://) URLs' })
  NATS_URL: string = 'nats://127.0.0.1:4222';

  @IsOptional() @IsString() NATS_CREDS_FILE?: string;
  @IsOptional() @IsString() NATS_NKEY_SEED_FILE?: string;
  @IsOptional() @IsString() NATS_USER?: string;
  @ValidateIf((env: EnvironmentVariables) => env.NATS_USER !== undefined)
  @IsString({ message: 'NATS_PASSWORD is required when NATS_USER is set' })
  NATS_PASSWORD?: string;
  @IsOptional() @IsString() NATS_TOKEN?: string;
  /** A system-account connection for the server's connection events (README, What the NATS server knows). */
  @IsOptional() @IsString() NATS_SYSTEM_CREDS_FILE?: string;
  @IsOptional() @IsString() NATS_SYSTEM_USER?: string;
  @ValidateIf((env: EnvironmentVariables) => env.NATS_SYSTEM_USER !== undefined)
  @IsString({ message: 'NATS_SYSTEM_PASSWORD is required when NATS_SYSTEM_USER is set' })
  NATS_SYSTEM_PASSWORD?: string;
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3600)
  NATS_SYSTEM_POLL_SECONDS: number = 30;
  /**
   * Believe a connection's SDK name (`pulse:<tenant>:<client>`) for a tenant that registered no
   * NATS identity, as before #31: any NATS user can set any name, so it is off by default.
   */
  @IsIn(['true', 'false'], { message: 'NATS_SYSTEM_TRUST_NAMES must be true or false' })
  NATS_SYSTEM_TRUST_NAMES: string = 'false';
  /** JetStream per tenant (README, JetStream): the poll of streams and consumers, and its bounds. */
  @IsIn(['true', 'false'], { message: 'JETSTREAM_MONITORING must be true or false' })
  JETSTREAM_MONITORING: string = 'true';
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3600)
  JETSTREAM_POLL_SECONDS: number = 15;
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  JETSTREAM_MAX_STREAMS_PER_TENANT: number = 100;
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  JETSTREAM_MAX_CONSUMERS_PER_TENANT: number = 100;
  /** Limit utilisation (README, Usage and limits): the warning and critical levels, in percent of a limit. */
  @Transform(toInt)
  @IsInt({ message: 'LIMIT_WARNING_PERCENT must be a whole number of percent' })
  @Min(1)
  @Max(100)
  LIMIT_WARNING_PERCENT: number = 80;
  @Transform(toInt)
  @IsInt({ message: 'LIMIT_CRITICAL_PERCENT must be a whole number of percent' })
  @Min(1)
  @Max(100)
  @Validate(AboveWarning)
  LIMIT_CRITICAL_PERCENT: number = 95;
  /** Percentage points below a threshold a limit must go before its crossing resolves (hysteresis). */
  @Transform(toInt)
  @IsInt({ message: 'LIMIT_RESOLVE_MARGIN_PERCENT must be a whole number of percentage points' })
  @Min(0)
  @Max(50)
  @Validate(BelowWarning)
  LIMIT_RESOLVE_MARGIN_PERCENT: number = 5;
  @IsOptional() @IsString() NATS_TLS_CA_FILE?: string;
  @ValidateIf((env: EnvironmentVariables) => env.NATS_TLS_KEY_FILE !== undefined)
  @IsString({ message: 'NATS_TLS_CERT_FILE is required when NATS_TLS_KEY_FILE is set' })
  NATS_TLS_CERT_FILE?: string;
  @ValidateIf((env: EnvironmentVariables) => env.NATS_TLS_CERT_FILE !== undefined)
  @IsString({ message: 'NATS_TLS_KEY_FILE is required when NATS_TLS_CERT_FILE is set' })
  NATS_TLS_KEY_FILE?: string;

  @Matches(/^[A-Za-z0-9_-]{1,64}$/) NATS_QUEUE_GROUP: string = 'pulse';

  /**
   * Tenant shards (README, Tenant shards): the deployment's tenants are split over this many
   * shards by rendezvous hashing of their ids; an instance subscribes (and flushes) only its own
   * shard's. Every shard keeps NATS_QUEUE_GROUP, so a shard-count change hands each tenant over
   * without a message counted twice.
   */
  @Transform(toInt)
  @IsInt({ message: 'PULSE_SHARDS must be a whole number of shards' })
  @Min(1)
  @Max(1024)
  @Validate(ShardIndex)
  PULSE_SHARDS: number = 1;

  /** This instance's shard, 0 to PULSE_SHARDS - 1. */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PULSE_SHARD must be a whole number' })
  @Min(0)
  @Max(1023)
  PULSE_SHARD?: number;

  /**
   * Instead of PULSE_SHARD: an instance number (a StatefulSet pod's index), whose shard is the
   * number modulo PULSE_SHARDS, so k x PULSE_SHARDS pods give every shard k instances.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PULSE_INSTANCE_ORDINAL must be a whole number' })
  @Min(0)
  @Max(1_000_000)
  PULSE_INSTANCE_ORDINAL?: number;

  @MaxLength(64, { message: 'NATS_INBOX_PREFIX must be at most 64 characters' })
  @Matches(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, {
    message: 'NATS_INBOX_PREFIX must be dot-separated tokens of letters, digits, _ and - (no wildcards)',
  })
  NATS_INBOX_PREFIX: string = DEFAULT_INBOX_PREFIX;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
  REDIS_CLUSTER_NODES?: string;

  @Matches(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'REDIS_KEY_PREFIX must be 1-32 of A-Z a-z 0-9 _ . -' })
  REDIS_KEY_PREFIX: string = 'pulse';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  REDIS_COMMAND_TIMEOUT_MS: number = 5000;

  @ValidateIf((env: EnvironmentVariables) => env.NODE_ENV === 'production' || env.ADMIN_API_KEY !== undefined)
  @IsString({ message: 'ADMIN_API_KEY is required when NODE_ENV=production' })
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  ADMIN_API_KEY?: string;

  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'TENANT_SUBJECT_PREFIX must be one subject token' })
  TENANT_SUBJECT_PREFIX: string = 'tenant';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  FLUSH_INTERVAL_MS: number = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  TENANT_SYNC_INTERVAL_MS: number = 10_000;

  @Matches(PLAN_TABLE, { message: 'PLAN_TIERS must look like "free:basic,pro:professional,enterprise:enterprise"' })
  PLAN_TIERS: string = 'free:basic,starter:basic,pro:professional,enterprise:enterprise';

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100_000)
  SUBJECT_TABLE_SIZE: number = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  CUSTOM_METRICS_PER_TENANT: number = 50;

  @IsOptional()
  @IsIn(['', 'dynamodb'], { message: 'COLD_STORE must be dynamodb, or unset for Redis only' })
  COLD_STORE?: string;

  @Matches(/^[A-Za-z0-9_.-]{3,255}$/, { message: 'DYNAMODB_TABLE must be 3 to 255 of A-Z a-z 0-9 _ . -' })
  DYNAMODB_TABLE: string = 'pulse-history';

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'DYNAMODB_ENDPOINT must be an http(s) URL' })
  DYNAMODB_ENDPOINT?: string;

  @IsIn(['true', 'false'], { message: 'DYNAMODB_CREATE_TABLE must be true or false' })
  DYNAMODB_CREATE_TABLE: string = 'false';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  COLD_STORE_TIMEOUT_MS: number = 3000;

  @IsOptional()
  @IsString()
  AWS_REGION?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS_BASIC: number = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS_PROFESSIONAL: number = 7;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_DAYS_ENTERPRISE: number = 30;

  /** Days the audit trail keeps an entry (README, Compliance). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  AUDIT_RETENTION_DAYS: number = 400;

  @Transform(toInt)
  @IsInt()
  @Min(26)
  @Max(24 * 31)
  HOT_HISTORY_HOURS: number = 48;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  SAMPLING_AUTO_RATE: number = 0;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100_000)
  SUBJECTS_STORED_PER_DAY: number = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(60_000)
  STARTUP_TIMEOUT_MS: number = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  HEARTBEAT_TIMEOUT_SECONDS: number = 90;

  /** Distinct clients per tenant (README, Heartbeats): a new client beyond is refused (`client_limit`). */
  @Transform(toInt)
  @IsInt({ message: 'MAX_CLIENTS_PER_TENANT must be a whole number of clients (1-10,000,000)' })
  @Min(1)
  @Max(10_000_000)
  MAX_CLIENTS_PER_TENANT: number = 100_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  OFFLINE_CHECK_INTERVAL_SECONDS: number = 5;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(600)
  ROLLUP_INTERVAL_SECONDS: number = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  ANOMALY_WINDOW_SECONDS: number = 60;

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1000)
  ANOMALY_SPIKE_FACTOR: number = 10;

  /**
   * The `source` of the usage export's CloudEvents (README, Usage export): a URI reference naming
   * this deployment; a receiver deduplicates on source and id.
   */
  @Matches(/^[A-Za-z0-9._~:/?#[\]@!$&'()*+,;=%-]{1,200}$/, {
    message: 'USAGE_EXPORT_SOURCE must be a URI reference of 1 to 200 characters without spaces',
  })
  USAGE_EXPORT_SOURCE: string = 'pulse';

  /** Seconds after an hour's end before the usage export serves it (later data would change it). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  USAGE_EXPORT_SETTLE_SECONDS: number = 300;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3600)
  USAGE_LIMITS_INTERVAL_SECONDS: number = 60;

  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString() ALERT_EMAIL_FROM: string = 'pulse@localhost';

  @Matches(/^https?:\/\/\S+$/, { message: 'PAGERDUTY_EVENTS_URL must be an http(s) URL' })
  PAGERDUTY_EVENTS_URL: string = 'https://events.pagerduty.com/v2/enqueue';

  /** The dashboard's public address, for the link in every anomaly alert (unset: alerts carry no link). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#@]+(\/[^\s?#@]*)?$/, {
    message: 'PULSE_PUBLIC_URL must be an http(s) URL without credentials, query or fragment',
  })
  PULSE_PUBLIC_URL?: string;

  @IsIn(['true', 'false'], { message: 'ALERT_ALLOW_PRIVATE_TARGETS must be true or false' })
  ALERT_ALLOW_PRIVATE_TARGETS: string = 'false';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_PER_KEY_PER_MINUTE: number = 1200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: number = 2400;

  /** Express' `trust proxy`: empty (the default) trusts no proxy; a hop count or addresses/subnets. */
  @IsOptional()
  @Matches(
    /^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]{2,45}(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]{2,45}(\/\d{1,3})?))*)?$/,
    {
      message:
        'TRUST_PROXY must be empty, a hop count, or a comma-separated list of loopback/linklocal/uniquelocal/addresses/subnets',
    },
  )
  TRUST_PROXY: string = '';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  ALERT_EVALUATION_INTERVAL_SECONDS: number = 30;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 86_400)
  ALERT_REPEAT_INTERVAL_SECONDS: number = 4 * 3600;

  @IsOptional()
  @Matches(/^https:\/\/\S+$/, { message: 'ALERT_SLACK_WEBHOOK_URL must be an https URL' })
  ALERT_SLACK_WEBHOOK_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9]{8,64}$/, { message: 'ALERT_PAGERDUTY_ROUTING_KEY must be a PagerDuty integration key' })
  ALERT_PAGERDUTY_ROUTING_KEY?: string;

  @IsIn(['true', 'false'], { message: 'ALERT_OPERATOR_CRITICAL_ANOMALIES must be true or false' })
  ALERT_OPERATOR_CRITICAL_ANOMALIES: string = 'false';

  @IsIn(OPERATOR_LIMITS_POLICIES, { message: 'ALERT_OPERATOR_LIMITS must be all, critical or off' })
  ALERT_OPERATOR_LIMITS: OperatorLimitsPolicy = 'critical';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  EVENTS_BATCH_MAX_EVENTS: number = DEFAULT_EVENTS.batchMaxEvents;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  EVENTS_BATCH_MAX_WAIT_MS: number = DEFAULT_EVENTS.batchMaxWaitMs;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENTS_TIMEOUT_MS: number = DEFAULT_EVENTS.timeoutMs;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  EVENTS_RETRY_BASE_MS: number = DEFAULT_EVENTS.retryBaseMs;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  EVENTS_RETRY_MAX_MS: number = DEFAULT_EVENTS.retryMaxMs;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  EVENTS_PAUSE_AFTER_FAILURES: number = DEFAULT_EVENTS.pauseAfterFailures;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  EVENTS_BACKLOG_MAX: number = DEFAULT_EVENTS.backlogMax;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  @Validate(LeaseOutlastsDelivery)
  EVENTS_LEASE_MS?: number;
}

/** Validates the raw environment; throws one error that lists every bad variable. */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  // Empty strings in .env mean "not set", so defaults and @IsOptional apply.
  const relevant = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`));
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

export function parsePlanTiers(table: string): Record<string, Tier> {
  const result: Record<string, Tier> = {};
  for (const pair of table.split(',')) {
    const [plan, tier] = pair.split(':').map((s) => s.trim());
    if (plan && isTier(tier)) result[plan] = tier;
  }
  return Object.keys(result).length > 0 ? result : { ...DEFAULT_PLAN_TIERS };
}

const splitList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function toPulseOptions(env: EnvironmentVariables): PulseOptions {
  const tls =
    env.NATS_TLS_CA_FILE || env.NATS_TLS_CERT_FILE
      ? { caFile: env.NATS_TLS_CA_FILE, certFile: env.NATS_TLS_CERT_FILE, keyFile: env.NATS_TLS_KEY_FILE }
      : undefined;
  return {
    nats: {
      servers: splitList(env.NATS_URL),
      credsFile: env.NATS_CREDS_FILE,
      nkeySeedFile: env.NATS_NKEY_SEED_FILE,
      user: env.NATS_USER,
      password: env.NATS_PASSWORD,
      token: env.NATS_TOKEN,
      tls,
      queueGroup: env.NATS_QUEUE_GROUP,
      inboxPrefix: env.NATS_INBOX_PREFIX,
      connectTimeoutMs: env.STARTUP_TIMEOUT_MS,
    },
    redis: {
      url: env.REDIS_URL,
      clusterNodes: env.REDIS_CLUSTER_NODES ? splitList(env.REDIS_CLUSTER_NODES) : undefined,
      keyPrefix: env.REDIS_KEY_PREFIX,
      connectTimeoutMs: env.STARTUP_TIMEOUT_MS,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    },
    shard: shardOf(env),
    adminApiKey: env.ADMIN_API_KEY,
    tenantSubjectPrefix: env.TENANT_SUBJECT_PREFIX,
    flushIntervalMs: env.FLUSH_INTERVAL_MS,
    tenantSyncIntervalMs: env.TENANT_SYNC_INTERVAL_MS,
    planTiers: parsePlanTiers(env.PLAN_TIERS),
    subjectTableSize: env.SUBJECT_TABLE_SIZE,
    customMetricsPerTenant: env.CUSTOM_METRICS_PER_TENANT,
    retentionDays: {
      basic: env.RETENTION_DAYS_BASIC,
      professional: env.RETENTION_DAYS_PROFESSIONAL,
      enterprise: env.RETENTION_DAYS_ENTERPRISE,
    },
    coldStore:
      env.COLD_STORE === 'dynamodb'
        ? {
            table: env.DYNAMODB_TABLE,
            endpoint: env.DYNAMODB_ENDPOINT,
            region: env.AWS_REGION,
            createTable: env.DYNAMODB_CREATE_TABLE === 'true',
            hotHistoryHours: env.HOT_HISTORY_HOURS,
            timeoutMs: env.COLD_STORE_TIMEOUT_MS,
          }
        : undefined,
    audit: { retentionDays: env.AUDIT_RETENTION_DAYS },
    natsSystem:
      env.NATS_SYSTEM_CREDS_FILE || env.NATS_SYSTEM_USER
        ? {
            credsFile: env.NATS_SYSTEM_CREDS_FILE,
            user: env.NATS_SYSTEM_USER,
            password: env.NATS_SYSTEM_PASSWORD,
            pollIntervalMs: env.NATS_SYSTEM_POLL_SECONDS * 1000,
            trustNames: env.NATS_SYSTEM_TRUST_NAMES === 'true',
          }
        : undefined,
    jetstream: {
      enabled: env.JETSTREAM_MONITORING === 'true',
      pollIntervalMs: env.JETSTREAM_POLL_SECONDS * 1000,
      maxStreamsPerTenant: env.JETSTREAM_MAX_STREAMS_PER_TENANT,
      maxConsumersPerTenant: env.JETSTREAM_MAX_CONSUMERS_PER_TENANT,
    },
    limitThresholds: { warning: env.LIMIT_WARNING_PERCENT / 100, critical: env.LIMIT_CRITICAL_PERCENT / 100 },
    limitResolveMargin: env.LIMIT_RESOLVE_MARGIN_PERCENT / 100,
    subjectsStoredPerDay: env.SUBJECTS_STORED_PER_DAY,
    usageExport: { source: env.USAGE_EXPORT_SOURCE, settleSeconds: env.USAGE_EXPORT_SETTLE_SECONDS },
    samplingAutoRate: env.SAMPLING_AUTO_RATE,
    heartbeatTimeoutMs: env.HEARTBEAT_TIMEOUT_SECONDS * 1000,
    maxClientsPerTenant: env.MAX_CLIENTS_PER_TENANT,
    offlineCheckIntervalMs: env.OFFLINE_CHECK_INTERVAL_SECONDS * 1000,
    rollupIntervalMs: env.ROLLUP_INTERVAL_SECONDS * 1000,
    anomalyWindowMs: env.ANOMALY_WINDOW_SECONDS * 1000,
    anomalyDetectors: { spikeFactor: env.ANOMALY_SPIKE_FACTOR },
    usageLimitsIntervalMs: env.USAGE_LIMITS_INTERVAL_SECONDS * 1000,
    rateLimit: {
      perKeyPerMinute: env.RATE_LIMIT_PER_KEY_PER_MINUTE,
      perAddressPerMinute: env.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    },
    trustProxy:
      env.TRUST_PROXY === '' ? false : /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY,
    alerting: {
      ...DEFAULT_ALERTING,
      allowPrivateTargets: env.ALERT_ALLOW_PRIVATE_TARGETS === 'true',
      publicUrl: env.PULSE_PUBLIC_URL?.replace(/\/+$/, ''),
      smtpUrl: env.SMTP_URL,
      emailFrom: env.ALERT_EMAIL_FROM,
      pagerdutyEventsUrl: env.PAGERDUTY_EVENTS_URL,
      evaluationIntervalMs: env.ALERT_EVALUATION_INTERVAL_SECONDS * 1000,
      repeatIntervalMs: env.ALERT_REPEAT_INTERVAL_SECONDS * 1000,
      operatorSlackWebhookUrl: env.ALERT_SLACK_WEBHOOK_URL,
      operatorPagerdutyRoutingKey: env.ALERT_PAGERDUTY_ROUTING_KEY,
      operatorCriticalAnomalies: env.ALERT_OPERATOR_CRITICAL_ANOMALIES === 'true',
      operatorLimits: env.ALERT_OPERATOR_LIMITS,
    },
    events: {
      ...DEFAULT_EVENTS,
      batchMaxEvents: env.EVENTS_BATCH_MAX_EVENTS,
      batchMaxWaitMs: env.EVENTS_BATCH_MAX_WAIT_MS,
      timeoutMs: env.EVENTS_TIMEOUT_MS,
      retryBaseMs: env.EVENTS_RETRY_BASE_MS,
      retryMaxMs: env.EVENTS_RETRY_MAX_MS,
      pauseAfterFailures: env.EVENTS_PAUSE_AFTER_FAILURES,
      backlogMax: env.EVENTS_BACKLOG_MAX,
      leaseMs: eventDeliveryTimes({ timeoutMs: env.EVENTS_TIMEOUT_MS, leaseMs: env.EVENTS_LEASE_MS }).leaseMs,
    },
  };
}

/** This instance's shard from PULSE_SHARDS and PULSE_SHARD or PULSE_INSTANCE_ORDINAL (validated). */
function shardOf(env: EnvironmentVariables): ShardOptions {
  const count = env.PULSE_SHARDS;
  if (env.PULSE_INSTANCE_ORDINAL !== undefined) {
    return { count, index: env.PULSE_INSTANCE_ORDINAL % count, ordinal: env.PULSE_INSTANCE_ORDINAL };
  }
  return { count, index: env.PULSE_SHARD ?? 0 };
}

/** The options Pulse runs with when no variable is set (what embedders and tests start from). */
export function defaultPulseOptions(): PulseOptions {
  return toPulseOptions(validateEnv({}));
}
