/**
 * Cold history: closed hours and days of a tenant, moved out of Redis (ARCHITECTURE.md, Tiered
 * storage). One item a tenant and period, holding the full recomputed hash of that hour or day
 * (never an increment), so writing it again is harmless.
 */
export type ColdPeriod = `h${number}` | `d${string}`;

export interface ColdItem {
  tenantId: string;
  /** `h<hourEpoch>` or `d<yyyymmdd>`, as the Redis keys name them. */
  period: ColdPeriod;
  /** The hash as Redis held it (field → value). */
  fields: Record<string, string>;
  /** When the store may drop it (epoch s): the end of the tenant's retention for the period. */
  expiresAt: number;
}

export interface ColdStoreStatus {
  state: 'ok' | 'degraded';
  /** The last failure's message while degraded. */
  error?: string;
  /** Since when writes or reads have failed (ISO), while degraded. */
  since?: string;
}

export const COLD_STORE = Symbol('COLD_STORE');

export interface ColdStore {
  /** Writes the items (batched, unprocessed items retried); throws when some could not be written. */
  put(items: ColdItem[]): Promise<void>;
  /** A tenant's items of one kind between two periods (inclusive), by period: one Query (paged). */
  range(tenantId: string, from: ColdPeriod, to: ColdPeriod): Promise<Map<ColdPeriod, Record<string, string>>>;
  /** Deletes every item of the tenant; the number deleted. */
  deleteTenant(tenantId: string): Promise<number>;
  /** Items of a tenant (for erasure checks and the memory benchmark). */
  count(tenantId: string): Promise<number>;
  status(): ColdStoreStatus;
}
