/**
 * The contract between nats-events (which gathers what the NATS server counts for each tenant)
 * and the features above it (usage/: limits, utilisation, the usage export). Issue #34.
 */
import type { LimitValues } from '../common/limits.js';

/** How a tenant is deployed on NATS (README, Deployment shapes). */
export type DeploymentShape =
  /** Its own NATS account (`natsAccount`): figures per account from the system account. */
  | 'account'
  /** A subject namespace (`tenant.<id>.>`) in a shared account: figures from its attributed connections. */
  | 'subjects';

/** What the last usage poll saw of one tenant on the NATS servers (summed over the servers that answered). */
export interface ServerSnapshot {
  tenantId: string;
  shape: DeploymentShape;
  /** Epoch ms of the poll that wrote it. */
  at: number;
  /** Open client connections (accounts: the account's; subjects: the attributed ones). */
  connections: number;
  /**
   * The most subscriptions on any one of the tenant's connections (CONNZ; accounts: the account's
   * connections; subjects: the attributed ones): nats-server 2.9.10 applies the account's `subs`
   * limit per connection, so this is what the limit is measured against.
   */
  subscriptions: number;
  /** Leaf node connections of the account (0 in the subjects shape). */
  leafnodes: number;
  /** Slow consumers the server counted (cumulative, per the server's own count). */
  slowConsumers: number;
  /**
   * The account's JetStream use as the server reports it (JSZ), accounts shape only; null in the
   * subjects shape (usage/ takes it from the JetStream poll's attributed streams).
   */
  jetstream: { memory: number; storage: number; streams: number; consumers: number } | null;
  /**
   * The limits in the account's claims (decoded JWT: `conn`, `subs`, `payload`, `data`,
   * `mem_storage`, `disk_storage`, `streams`, `consumer`; -1 → null). Null when the server holds no
   * JWT for it (the subjects shape, or accounts from a config file): then the tenant's own limits apply.
   * `monthlyMessages` is never in claims (null here).
   */
  claims: LimitValues | null;
}

/** Read side of what nats-events stores (implemented on Redis by nats-events; faked in unit tests). */
export interface ServerUsageReader {
  /** The tenant's latest snapshot, or null before the first poll that saw it (or with no system account). */
  snapshot(tenantId: string): Promise<ServerSnapshot | null>;
  /** Whether server figures are gathered at all (a system account is configured and connected). */
  status(): { state: 'off' | 'connected' | 'disconnected'; lastPollAt: string | null };
}

/** The Nest token of the ServerUsageReader (provided by NatsEventsModule). */
export const SERVER_USAGE_READER = Symbol('SERVER_USAGE_READER');
