/**
 * Cold history: closed hours and days of a tenant, moved out of Redis (ARCHITECTURE.md, Tiered
 * storage). One item a tenant and period, holding the full recomputed hash of that hour or day
 * (never an increment), so writing it again is harmless.
 */
/** `h<hourEpoch>` an hour, `d<yyyymmdd>` a day's hash, `s<yyyymmdd>` a day's subjects and clients. */
export type ColdPeriod = `h${number}` | `d${string}` | `s${string}`;

export interface ColdItem {
  tenantId: string;
  /**
   * The sort key: kind and time, ordered as text (`h#<hour epoch, 10 digits>`, `d#<yyyymmdd>`,
   * `s#<yyyymmdd>` a day's subjects, `c#<yyyymmdd>#<chunk>` a day's client behaviour).
   */
  sk: string;
  /** What the item holds (strings, numbers, lists, maps, bytes), never `pk`, `sk` or `expiresAt`. */
  attributes: Record<string, unknown>;
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
  /** A tenant's items with sort keys between two (inclusive), in order: one Query (paged). */
  query(tenantId: string, fromSk: string, toSk: string): Promise<{ sk: string; attributes: Record<string, unknown> }[]>;
  /** Deletes every item of the tenant; the number deleted. */
  deleteTenant(tenantId: string): Promise<number>;
  /** Items of a tenant (for erasure checks and the memory benchmark). */
  count(tenantId: string): Promise<number>;
  /** Asks the store whether it answers within its deadline; the answer shows in status(). */
  probe(): Promise<void>;
  status(): ColdStoreStatus;
}

/** The sort key of an hour or day hash: `h#<hour epoch, 10 digits>` or `d#<yyyymmdd>`. */
export function sortKey(period: ColdPeriod): string {
  return period.startsWith('h') ? `h#${period.slice(1).padStart(10, '0')}` : `d#${period.slice(1)}`;
}

export function periodOfSortKey(sk: string): ColdPeriod {
  return sk.startsWith('h#') ? `h${Number(sk.slice(2))}` : `d${sk.slice(2)}`;
}
