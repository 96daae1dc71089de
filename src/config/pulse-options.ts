import type { DetectorConfig } from './detector-config.js';
import type { Tier } from '../common/tiers.js';

export const PULSE_OPTIONS = Symbol('PULSE_OPTIONS');

/** NATS_INBOX_PREFIX's default: not `_INBOX`, which tenant users commonly may subscribe. */
export const DEFAULT_INBOX_PREFIX = '_PULSE_INBOX';

export interface NatsOptions {
  /** One or more server URLs; the client fails over between them. */
  servers: string[];
  credsFile?: string;
  nkeySeedFile?: string;
  user?: string;
  password?: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Queue group shared by every Pulse instance of one deployment. */
  queueGroup: string;
  /**
   * NATS_INBOX_PREFIX: the prefix of every reply inbox on Pulse's connections (default
   * `_PULSE_INBOX`). Replies to Pulse (every stream's config and state, server stats) arrive there,
   * so no tenant user may subscribe it (README, JetStream: what tenant users must not do).
   */
  inboxPrefix?: string;
  /** How long start-up waits for the first connection. */
  connectTimeoutMs: number;
}

export interface RedisOptions {
  url: string;
  /** host:port pairs; when set, Pulse uses Redis Cluster and ignores `url`. */
  clusterNodes?: string[];
  /** First segment of every key Pulse writes; lets deployments (and test runs) share one Redis. */
  keyPrefix: string;
  connectTimeoutMs: number;
  /**
   * A command without an answer after this fails (503 for an API read; the flusher keeps its
   * counts for the next attempt) instead of waiting forever on a Redis that stopped answering
   * without closing the connection. Default 5000.
   */
  commandTimeoutMs?: number;
}

/** Everything the Pulse modules need, typed. Nothing below the config module reads process.env. */
export interface PulseOptions {
  nats: NatsOptions;
  redis: RedisOptions;
  /**
   * Tenant shards (PULSE_SHARDS, PULSE_SHARD / PULSE_INSTANCE_ORDINAL): this instance subscribes
   * the tap and heartbeats of the tenants rendezvous hashing gives its shard only. Absent: one
   * shard, every tenant (ONE_SHARD).
   */
  shard?: ShardOptions;
  /** Operator key for /admin routes; without it the admin routes answer 401. */
  adminApiKey?: string;
  /** First token of tenant subjects: `{prefix}.{tenantId}.>`. */
  tenantSubjectPrefix: string;
  flushIntervalMs: number;
  /** Full reconcile of tenant subscriptions against Redis, behind the instant NATS announcements. */
  tenantSyncIntervalMs: number;
  /** Billing plan → tier. */
  planTiers: Record<string, Tier>;
  /** Distinct subjects each tenant keeps per flush window before folding the rest into "other". */
  subjectTableSize: number;
  /** Custom metric definitions an enterprise tenant may have. */
  customMetricsPerTenant: number;
  /** Days of history per tier (RETENTION_DAYS_*); a tenant's `retentionDays` overrides its tier's. */
  retentionDays?: Record<Tier, number>;
  /** Cold history in DynamoDB (COLD_STORE=dynamodb); absent: all history in Redis. */
  coldStore?: ColdStoreOptions;
  /**
   * The audit trail: days an entry is kept (default 400), and how often failed authentications
   * and key use gathered in memory are written (default 10 s).
   */
  audit?: { retentionDays: number; flushIntervalMs?: number };
  /**
   * A connection to the NATS system account (NATS_SYSTEM_*): connection, disconnection and
   * failed-login events per tenant, and a poll of the servers' connections every
   * `pollIntervalMs` (one instance at a time). Absent: off.
   */
  natsSystem?: {
    credsFile?: string;
    user?: string;
    password?: string;
    pollIntervalMs: number;
    /**
     * Act on a connection attributed by its SDK name alone (client row, counters, events), as
     * before #31. Off: such a connection is only listed, `verified: false` (anyone can set a name).
     */
    trustNames?: boolean;
  };
  /**
   * JetStream per tenant (issue #33): one instance polls the streams and consumers of Pulse's
   * application account every `pollIntervalMs` and keeps each tenant's worst ones (README,
   * JetStream). Absent: as `enabled` with the defaults (15 s, 100 streams, 100 consumers).
   */
  jetstream?: JetStreamOptions;
  /**
   * Limit utilisation levels (issue #34; LIMIT_WARNING_PERCENT, LIMIT_CRITICAL_PERCENT): a limit used
   * at `warning` (0..1) or more is `warning`, at `critical` or more `critical`. Absent: 0.8 and 0.95.
   */
  limitThresholds?: LimitThresholds;
  /**
   * LIMIT_RESOLVE_MARGIN_PERCENT (0..0.5 of a limit): an open limit crossing resolves only once the
   * utilisation is below its threshold minus this (hysteresis; opening stays at the threshold).
   * Absent: DEFAULT_LIMIT_RESOLVE_MARGIN.
   */
  limitResolveMargin?: number;
  /** Subjects kept per tenant per day in Redis (the top by message count). */
  subjectsStoredPerDay: number;
  /**
   * The hourly usage export (USAGE_EXPORT_*, README, Usage export): the CloudEvents `source`, and
   * how long after an hour's end it may be exported. Absent: `pulse` and 300 s.
   */
  usageExport?: UsageExportOptions;
  /**
   * Messages per second of one tenant on one instance above which its latency and subject
   * statistics are sampled (one in ceil(rate / this)), unless the tenant's `sampling` says
   * otherwise; counts and bytes stay exact. 0 or absent: never automatically.
   */
  samplingAutoRate?: number;
  /** Silence after which a client is offline (default 90 s: three missed 30 s heartbeats). */
  heartbeatTimeoutMs: number;
  /** Most clients whose heartbeat waits for Redis at once; beyond, new clients are shed (counted). Default 500,000. */
  presenceBufferLimit?: number;
  /**
   * Most distinct clients one tenant may have (its client index): a heartbeat of a new client
   * beyond is not applied and is counted as rejected (`client_limit`); known clients are never
   * refused, and a forgotten client frees its place. Default 100,000 (DEFAULT_MAX_CLIENTS_PER_TENANT).
   */
  maxClientsPerTenant?: number;
  /** Most heartbeats one presence write sends to Redis at once; the rest wait for the next run. Default 20,000. */
  presenceFlushLimit?: number;
  /**
   * How often the enterprise per-client behaviour figures added up in memory are written to Redis
   * (ms; default 300,000). A SIGTERM writes them; a SIGKILL loses at most this long of them.
   */
  clientActivityFlushMs?: number;
  /** How often the offline detector runs (one instance at a time). */
  offlineCheckIntervalMs: number;
  /** How often rollups run (one instance at a time); also how often active clients are sampled. */
  rollupIntervalMs: number;
  /** Length of an anomaly-detection window (one instance at a time closes each). */
  anomalyWindowMs: number;
  /** Overrides of the detectors' defaults (DEFAULT_DETECTOR_CONFIG). */
  anomalyDetectors?: Partial<DetectorConfig>;
  /**
   * How often the limit watch compares every tenant's limit utilisation with the last pass (one
   * instance at a time; USAGE_LIMITS_INTERVAL_SECONDS). Absent: DEFAULT_USAGE_LIMITS_INTERVAL_MS.
   */
  usageLimitsIntervalMs?: number;
  alerting: AlertingOptions;
  /** Webhook events to the tenants' endpoints (EVENTS_*). Absent: DEFAULT_EVENTS. */
  events?: EventsOptions;
  /** Requests per minute per API key, and per client address (also bounds key guessing). */
  rateLimit: { perKeyPerMinute: number; perAddressPerMinute: number };
  /**
   * Express' `trust proxy` (TRUST_PROXY): false trusts no proxy (the client address is the
   * socket's); a hop count or a list of proxy addresses/subnets makes `X-Forwarded-For` count.
   */
  trustProxy?: boolean | number | string;
}

/** Which of the deployment's tenant shards this instance serves. */
export interface ShardOptions {
  /** Shards of the deployment (1: no sharding). */
  count: number;
  /** This instance's shard, 0 to count - 1. */
  index: number;
  /** The instance number the index was derived from (PULSE_INSTANCE_ORDINAL), if it was. */
  ordinal?: number;
}

export const ONE_SHARD: ShardOptions = { count: 1, index: 0 };

export interface UsageExportOptions {
  /** The CloudEvents `source` (a URI reference). */
  source: string;
  /** An hour is exported from its end plus this many seconds on: data for it may arrive until then. */
  settleSeconds: number;
}

export const DEFAULT_USAGE_EXPORT: UsageExportOptions = { source: 'pulse', settleSeconds: 300 };

export interface JetStreamOptions {
  /** JETSTREAM_MONITORING: false turns the poll off (status `off`). */
  enabled: boolean;
  pollIntervalMs: number;
  /** Streams kept per tenant per poll (the fullest); the rest are counted. */
  maxStreamsPerTenant: number;
  /** Consumers kept per tenant per poll (the most pending, then the fastest growing); the rest are counted. */
  maxConsumersPerTenant: number;
}

/** The share of a limit (0..1) at which its use is a warning, and critical. */
export interface LimitThresholds {
  warning: number;
  critical: number;
}

export const DEFAULT_LIMIT_THRESHOLDS: LimitThresholds = { warning: 0.8, critical: 0.95 };
export const DEFAULT_LIMIT_RESOLVE_MARGIN = 0.05;

export const DEFAULT_JETSTREAM: JetStreamOptions = {
  enabled: true,
  pollIntervalMs: 15_000,
  maxStreamsPerTenant: 100,
  maxConsumersPerTenant: 100,
};

/** The limit crossings of every tenant the operator is told of. */
export const OPERATOR_LIMITS_POLICIES = ['all', 'critical', 'off'] as const;
export type OperatorLimitsPolicy = (typeof OPERATOR_LIMITS_POLICIES)[number];

/** The limit watch's pass interval when none is configured (USAGE_LIMITS_INTERVAL_SECONDS). */
export const DEFAULT_USAGE_LIMITS_INTERVAL_MS = 60_000;

export interface AlertingOptions {
  /** Lets tenant channels target loopback/private addresses and plain http (tests, on-premise). */
  allowPrivateTargets: boolean;
  /** SMTP server for e-mail channels (smtp:// or smtps://); without it e-mail deliveries fail. */
  smtpUrl?: string;
  emailFrom: string;
  pagerdutyEventsUrl: string;
  /**
   * Where the dashboard is reached from outside (PULSE_PUBLIC_URL, no trailing slash): every
   * anomaly alert links to the anomaly's story there. Absent: alerts carry no link.
   */
  publicUrl?: string;
  /** Attempts per notification before it is recorded as failed. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter. */
  retryBaseMs: number;
  timeoutMs: number;
  /** How often custom rules are evaluated. */
  evaluationIntervalMs: number;
  /** A firing alert is notified again at most this often. */
  repeatIntervalMs: number;
  /** Pulse's own incidents (and, optionally, every tenant's critical anomalies) go here. */
  operatorSlackWebhookUrl?: string;
  operatorPagerdutyRoutingKey?: string;
  operatorCriticalAnomalies: boolean;
  /**
   * Which tenants' limit crossings go to the operator channels and the incident log
   * (ALERT_OPERATOR_LIMITS): `all`, `critical` (95 % by default; the default) or `off`.
   */
  operatorLimits?: OperatorLimitsPolicy;
  /** How long a condition of Pulse itself must last before it is an operator incident. */
  operatorIncidentAfterMs: number;
  /** How often this instance checks its own health for operator incidents. */
  operatorCheckIntervalMs: number;
}

export const DEFAULT_ALERTING: AlertingOptions = {
  allowPrivateTargets: false,
  emailFrom: 'pulse@localhost',
  pagerdutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
  maxAttempts: 4,
  retryBaseMs: 1000,
  timeoutMs: 10_000,
  evaluationIntervalMs: 30_000,
  repeatIntervalMs: 4 * 3_600_000,
  operatorCriticalAnomalies: false,
  operatorLimits: 'critical',
  operatorIncidentAfterMs: 30_000,
  operatorCheckIntervalMs: 10_000,
};

/** Webhook events (issue #38). Targets follow the alert webhooks' rule (ALERT_ALLOW_PRIVATE_TARGETS). */
export interface EventsOptions {
  /** Events per request at most (EVENTS_BATCH_MAX_EVENTS). */
  batchMaxEvents: number;
  /** A batch with fewer events waits at most this long after its first event for more (EVENTS_BATCH_MAX_WAIT_MS). */
  batchMaxWaitMs: number;
  /** Each request's deadline (EVENTS_TIMEOUT_MS). */
  timeoutMs: number;
  /** First retry delay; doubles each failure, with jitter, up to retryMaxMs (EVENTS_RETRY_BASE_MS). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Consecutive failed requests after which a subscription is paused (EVENTS_PAUSE_AFTER_FAILURES). */
  pauseAfterFailures: number;
  /** Events kept per tenant at most (EVENTS_BACKLOG_MAX): older ones are dropped, and counted per subscription. */
  backlogMax: number;
  /** Appended events are written to Redis this often (one call per tenant, all pipelined). */
  flushIntervalMs: number;
  /** How often each instance looks for subscriptions with events due. */
  pollMs: number;
  /**
   * How long a subscription's lease lasts (EVENTS_LEASE_MS; default: timeoutMs + 5000). It must
   * outlast the delivery deadline plus EVENT_LEASE_SETTLE_MS (eventDeliveryTimes).
   */
  leaseMs?: number;
}

/** Past a request's own deadline (DNS and request together), the worker's backstop gives it this much. */
export const EVENT_DELIVERY_BACKSTOP_MS = 1000;
/** What a lease holds beyond the delivery deadline: the batch read before the request, the outcome written after. */
export const EVENT_LEASE_SETTLE_MS = 2000;

/**
 * The webhook events' deadlines, ms: a request (its DNS answers and the request together) ends
 * within `timeoutMs`; the worker stops waiting for it at `deadlineMs` = timeoutMs +
 * EVENT_DELIVERY_BACKSTOP_MS; a lease lasts `leaseMs`, which must exceed deadlineMs +
 * EVENT_LEASE_SETTLE_MS (`minLeaseMs`): no lease runs out while its batch is in flight.
 */
export function eventDeliveryTimes(o: Pick<EventsOptions, 'timeoutMs' | 'leaseMs'>): {
  deadlineMs: number;
  minLeaseMs: number;
  leaseMs: number;
} {
  const deadlineMs = o.timeoutMs + EVENT_DELIVERY_BACKSTOP_MS;
  const minLeaseMs = deadlineMs + EVENT_LEASE_SETTLE_MS;
  return { deadlineMs, minLeaseMs, leaseMs: o.leaseMs ?? o.timeoutMs + 5000 };
}

export const DEFAULT_EVENTS: EventsOptions = {
  batchMaxEvents: 100,
  batchMaxWaitMs: 1000,
  timeoutMs: 10_000,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  pauseAfterFailures: 30,
  backlogMax: 10_000,
  flushIntervalMs: 100,
  pollMs: 250,
};

export const DEFAULT_PLAN_TIERS: Record<string, Tier> = {
  free: 'basic',
  starter: 'basic',
  pro: 'professional',
  enterprise: 'enterprise',
};

export interface ColdStoreOptions {
  table: string;
  /** Unset: AWS, with the default credential chain and AWS_REGION. */
  endpoint?: string;
  region?: string;
  /** Create the table (with TTL on `expiresAt`) when it does not exist. */
  createTable: boolean;
  /** Hours (from now back) whose history Redis keeps once they are archived. */
  hotHistoryHours: number;
  /** Deadline of one DynamoDB command, retries included (COLD_STORE_TIMEOUT_MS, default 3000). */
  timeoutMs?: number;
}
