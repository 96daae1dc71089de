// A tenant's limits (issue #34): the names Pulse measures utilisation for, and their values.
/**
 * Every limit Pulse measures, in the order it lists them (issue #34). In the accounts deployment shape their values
 * come from the account's claims (the JWT the server holds); in the one-account shape the admin sets them on the tenant. Pure: no I/O.
 */
export const LIMIT_NAMES = [
  /** Open connections (the account's `conn`). */
  'connections',
  /**
   * Subscriptions on one connection (`subs`): nats-server 2.9.10 applies the limit per connection,
   * so utilisation is the most on any one of the tenant's connections.
   */
  'subscriptions',
  /** Largest message payload in bytes (`payload`): utilisation is the largest message seen today. */
  'payload',
  /** Bytes in and out this month as the server counts them (`data`). */
  'data',
  /** JetStream memory storage in bytes (`mem_storage`). */
  'jetstreamMemory',
  /** JetStream file storage in bytes (`disk_storage`). */
  'jetstreamStorage',
  /** JetStream streams (`streams`). */
  'jetstreamStreams',
  /** JetStream consumers (`consumer`). */
  'jetstreamConsumers',
  /** Messages this month (the tenant's `monthlyMessageQuota`). */
  'monthlyMessages',
] as const;

export type LimitName = (typeof LIMIT_NAMES)[number];

/** A value per limit; null: no limit (unlimited, or not set). */
export type LimitValues = { [L in LimitName]: number | null };

/** No limits at all. */
export const NO_LIMITS: LimitValues = Object.freeze(
  Object.fromEntries(LIMIT_NAMES.map((l) => [l, null])) as LimitValues,
);

/** Where a tenant's limit value came from. */
export type LimitSource = 'account' | 'tenant' | 'none';

/** A limit's state against the alert thresholds. */
export type LimitLevel = 'ok' | 'warning' | 'critical';
