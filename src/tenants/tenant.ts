import type { Sensitivity } from '../config/detector-config.js';
import type { LimitValues } from '../common/limits.js';
import type { Tier } from '../common/tiers.js';

export const TENANT_STATUSES = ['active', 'disabled'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export interface Tenant {
  id: string;
  name: string;
  tier: Tier;
  plan: string | null;
  status: TenantStatus;
  /** Optional: analytics projects when the month's messages will exceed it (enterprise). */
  monthlyMessageQuota: number | null;
  /** How readily the statistical anomaly detector opens an anomaly (enterprise). */
  anomalySensitivity: Sensitivity;
  /**
   * Latency and subject statistics from every message (1), one in N (2..1000), or automatic (0:
   * sampled above SAMPLING_AUTO_RATE). Counts and bytes are exact whatever the setting.
   */
  sampling: number;
  /** Days of history kept for this tenant instead of its tier's (a contract); null: the tier's. */
  retentionDays: number | null;
  /**
   * The NATS identities of the tenant's connections (issue #21, README "What the NATS server
   * knows"): accounts, user names and nkey public keys; empty lists when none.
   */
  natsIdentities: NatsIdentities;
  /**
   * The tenant's own NATS account (issue #34, the accounts deployment shape): its figures come per
   * account from the system account and its limits from the account's claims; null: the tenant is a
   * subject namespace in a shared account. Unique across tenants.
   */
  natsAccount: string | null;
  /**
   * When `natsAccount` was last set or changed (epoch ms; absent: before this was kept, or never
   * set). Internal, not in the API: the account's usage baselines are the tenant's since then
   * (nats-events), so an account that leaves the tenant and comes back is not billed for the time between.
   */
  natsAccountSince?: number;
  /** Limits the admin sets (the one-account shape; claims win in the accounts shape); null: none. */
  limits: TenantLimits;
  createdAt: string;
  updatedAt: string;
}

/** The limits set on a tenant: every limit but the monthly messages (that is `monthlyMessageQuota`). */
export type TenantLimits = Omit<LimitValues, 'monthlyMessages'>;

/** A tenant without limits of its own. */
export const NO_TENANT_LIMITS: TenantLimits = Object.freeze({
  connections: null,
  subscriptions: null,
  payload: null,
  data: null,
  jetstreamMemory: null,
  jetstreamStorage: null,
  jetstreamStreams: null,
  jetstreamConsumers: null,
});

export interface NatsIdentities {
  accounts: string[];
  users: string[];
  nkeys: string[];
}

export const NO_NATS_IDENTITIES: NatsIdentities = { accounts: [], users: [], nkeys: [] };

export type NatsIdentityKind = 'account' | 'user' | 'nkey';

/** Each identity with its kind: the one reading of the lists (attribution, uniqueness). */
export function natsIdentityPairs(ids: NatsIdentities): [NatsIdentityKind, string][] {
  return [
    ...ids.accounts.map((a): [NatsIdentityKind, string] => ['account', a]),
    ...ids.users.map((u): [NatsIdentityKind, string] => ['user', u]),
    ...ids.nkeys.map((n): [NatsIdentityKind, string] => ['nkey', n]),
  ];
}

/**
 * The identities a tenant holds (claimed, attributed): its `natsIdentities` and its own account
 * (`natsAccount`) as one more `account` identity, so the account's connections are the tenant's.
 */
export function claimedIdentities(t: Pick<Tenant, 'natsIdentities'> & { natsAccount?: string | null }): NatsIdentities {
  const account = t.natsAccount ?? null;
  if (account === null || t.natsIdentities.accounts.includes(account)) return t.natsIdentities;
  return { ...t.natsIdentities, accounts: [...t.natsIdentities.accounts, account] };
}

/** Limits given (each field: absent unchanged, null cleared) over the current ones. */
export function mergeLimits(current: TenantLimits, given: Partial<TenantLimits> | undefined): TenantLimits {
  if (!given) return current;
  const merged = { ...current };
  for (const name of Object.keys(current) as (keyof TenantLimits)[]) {
    const v = given[name];
    if (v !== undefined) merged[name] = v;
  }
  return merged;
}

export interface ApiKeyRecord {
  keyId: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  sha256: string;
  createdAt: string;
}

/** Subject on which instances tell each other that a tenant changed (not tenant traffic). */
export const TENANT_CHANGES_SUBJECT = '_PULSE.internal.tenants';

export interface TenantChange {
  tenantId: string;
  /** `keys_revoked`: an API key of the tenant stopped being valid (forget any remembered owner). */
  change: 'created' | 'updated' | 'deleted' | 'keys_revoked';
}
