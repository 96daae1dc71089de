import { DomainError } from '../common/errors/domain-error.js';

// Cold history: closed hours and days of a tenant, moved out of Redis (ARCHITECTURE.md, Tiered
// storage). One item a tenant incarnation and period, holding the full recomputed hash of that
// hour or day (never an increment), so writing it again is harmless. Items are grouped by
// partition (`partitionOf`): the deployment's namespace, the tenant id and its incarnation.
/** `h<hourEpoch>` an hour, `d<yyyymmdd>` a day's hash, `s<yyyymmdd>` a day's subjects and clients. */
export type ColdPeriod = `h${number}` | `d${string}` | `s${string}`;

export interface ColdItem {
  /** The tenant incarnation's partition (`partitionOf`). */
  partition: string;
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
  /** The last failure's message while degraded (the store's own: for the operator, never a tenant). */
  error?: string;
  /** Since when writes or reads have failed (ISO), while degraded. */
  since?: string;
}

export const COLD_STORE = Symbol('COLD_STORE');

/**
 * COLD_STORE_UNAVAILABLE (503): the cold store did not answer; the caller repeats the request. The
 * message is Pulse's own: the store's error (an AWS message may name the account, table or ARN)
 * is only the `cause`, logged on the server by the store when it starts failing.
 */
export class ColdStoreUnavailableError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super('COLD_STORE_UNAVAILABLE', message);
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * The answer to a request whose cold part the store did not give (its deadline passed, or it
 * failed): 503 saying what is missing, never an answer without that part; the caller asks again.
 * `what` is the whole message; the store's error is kept as the cause, never shown.
 */
export function coldStoreUnavailable(what: string, err: unknown): ColdStoreUnavailableError {
  return new ColdStoreUnavailableError(what, err);
}

export interface ColdStore {
  /** Writes the items (batched, unprocessed items retried); throws when some could not be written. */
  put(items: ColdItem[]): Promise<void>;
  /**
   * A partition's items with sort keys between two (inclusive), in order: one Query (paged); with
   * `limit`, the first that many only (the store reads no more).
   */
  query(
    partition: string,
    fromSk: string,
    toSk: string,
    limit?: number,
  ): Promise<{ sk: string; attributes: Record<string, unknown> }[]>;
  /** Deletes every item of the partition; the number deleted. */
  deletePartition(partition: string): Promise<number>;
  /** Items of a partition (for erasure checks and the memory benchmark). */
  count(partition: string): Promise<number>;
  /**
   * Asks the store whether it answers within its deadline; the answer shows in status(). Never
   * rejects; a caller that must not wait (readiness) starts it and reads status().
   */
  probe(): Promise<void>;
  status(): ColdStoreStatus;
}

/**
 * The partition of one tenant incarnation's items: `<namespace>/<tenant id>/<incarnation>`, the
 * namespace being the deployment's Redis key prefix. Two deployments sharing a table never
 * collide, and a tenant id created again after an erasure (a new incarnation) can never read what
 * an erased one left. A tenant created before incarnations existed has none: its partition is its
 * bare id, as its items were written (they stay readable).
 */
export function partitionOf(namespace: string, tenantId: string, incarnation: string | null): string {
  return incarnation ? `${namespace}/${tenantId}/${incarnation}` : tenantId;
}

/** The sort key of an hour or day hash: `h#<hour epoch, 10 digits>` or `d#<yyyymmdd>`. */
export function sortKey(period: ColdPeriod): string {
  return period.startsWith('h') ? `h#${period.slice(1).padStart(10, '0')}` : `d#${period.slice(1)}`;
}

export function periodOfSortKey(sk: string): ColdPeriod {
  return sk.startsWith('h#') ? `h${Number(sk.slice(2))}` : `d${sk.slice(2)}`;
}
