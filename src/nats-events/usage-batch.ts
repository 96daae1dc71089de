import type { Refusal, ServerCounts } from './server-figures.js';
import type { ServerSnapshot } from './server-usage.types.js';

/**
 * What one tenant's usage write carries for one source of cumulative server counters (a
 * connection `<server id>:<cid>`, or an account on a server `<account>@<server id>`).
 */
export interface SourceEntry {
  /** The greatest figures seen of each counter (the write counts what exceeds its baseline). */
  counts: ServerCounts;
  /** The connection closed: these are its final counts (a tombstone replaces its baseline). */
  final: boolean;
  /** Its final counts are not counted, only the close (the accounts shape counts per account). */
  uncounted: boolean;
  refusal: Refusal | null;
  /**
   * An account's figures (the accounts shape): seen for the first time by the tenant (no baseline),
   * the batch's least figures of it set the baseline — the account's past is not the tenant's;
   * what came after them within the batch is.
   */
  account?: boolean;
  /**
   * An account's least figures seen in the batch (per counter): a first sighting's baseline, so that
   * what came after the first figure within one flush is still the tenant's.
   */
  floor?: ServerCounts;
}

/**
 * The source of an account's figures on one server for a tenant: `<account>@<server id>`, and
 * `~<since>` when the tenant's natsAccount was set at `since` (epoch ms; Tenant.natsAccountSince),
 * so an account that leaves the tenant and comes back later starts from a new baseline.
 */
export function accountSource(account: string, server: string, since: number | undefined): string {
  return since === undefined ? `${account}@${server}` : `${account}@${server}~${since}`;
}

/**
 * Open sources' figures (a poll's CONNZ counters, STATZ, CONNS) one tenant's batch holds at most
 * between writes; beyond, new ones are dropped: the next poll reads them again, nothing is lost.
 */
export const MAX_SOURCES_PER_BATCH = 10_000;
/**
 * Closed connections' final counts one tenant's batch holds at most between writes, bounded apart
 * from the figures and generously (~200 B each): a final is read once, never again.
 */
export const MAX_FINALS_PER_BATCH = 100_000;

/**
 * How long figures may come after what they describe changed: a CONNZ page read before a close
 * and written after it, within one poll plus a flush retry. A closed connection's tombstone is
 * kept this long, and a batch kept for a retry longer than this is dropped (its tombstones gone,
 * its finals would count again). A few poll intervals, at least 10 minutes.
 */
export function staleWindowSeconds(pollIntervalMs: number): number {
  return Math.max(600, Math.ceil((4 * pollIntervalMs) / 1000));
}

const ZERO: ServerCounts = { ingress: { msgs: 0, bytes: 0 }, egress: { msgs: 0, bytes: 0 } };

const minCounts = (a: ServerCounts, b: ServerCounts): ServerCounts => ({
  ingress: { msgs: Math.min(a.ingress.msgs, b.ingress.msgs), bytes: Math.min(a.ingress.bytes, b.ingress.bytes) },
  egress: { msgs: Math.min(a.egress.msgs, b.egress.msgs), bytes: Math.min(a.egress.bytes, b.egress.bytes) },
});

const maxCounts = (a: ServerCounts, b: ServerCounts): ServerCounts => ({
  ingress: { msgs: Math.max(a.ingress.msgs, b.ingress.msgs), bytes: Math.max(a.ingress.bytes, b.ingress.bytes) },
  egress: { msgs: Math.max(a.egress.msgs, b.egress.msgs), bytes: Math.max(a.egress.bytes, b.egress.bytes) },
});

/**
 * One tenant's server figures gathered between writes, merged per source. Merging loses nothing:
 * the write counts, per counter, what a figure adds over the source's baseline and keeps the
 * greater, so of several figures of one source only the greatest matters; and a close makes any
 * figure of the source written after it count nothing (ARCHITECTURE.md, NATS server events).
 * Pure: the service fills it, ServerUsageRepository writes it.
 */
export class UsageBatch {
  readonly sources = new Map<string, SourceEntry>();
  /** The last poll's snapshot of the tenant, if one is to be written. */
  snapshot: ServerSnapshot | null = null;
  /** Sources left out because the batch was full. */
  dropped = 0;
  /** Open sources' entries and closed connections' (each bounded on its own). */
  private open = 0;
  private finals = 0;

  /** @param since Epoch ms the batch began gathering (a kept batch's retries keep the oldest). */
  constructor(public since = Date.now()) {}

  get empty(): boolean {
    return this.sources.size === 0 && this.snapshot === null;
  }

  /** Cumulative figures of an open source (a CONNZ poll, a STATZ reply, a CONNS advisory). */
  figures(source: string, counts: ServerCounts): void {
    this.merge(source, { counts, final: false, uncounted: false, refusal: null });
  }

  /** An account's cumulative figures on one server (STATZ, CONNS): a first sighting counts nothing. */
  accountFigures(source: string, counts: ServerCounts): void {
    this.merge(source, { counts, final: false, uncounted: false, refusal: null, account: true });
  }

  /** A connection's final counts (its disconnect advisory), counted; and the limit it was refused for. */
  final(source: string, counts: ServerCounts, refusal: Refusal | null): void {
    this.merge(source, { counts, final: true, uncounted: false, refusal });
  }

  /** A connection closed for a limit whose counts are not the tenant's to count (the accounts shape). */
  refused(source: string, refusal: Refusal): void {
    this.merge(source, { counts: ZERO, final: true, uncounted: true, refusal });
  }

  /** Another batch of the same tenant (kept for a retry) merged in; its snapshot only if none is newer. */
  absorb(other: UsageBatch): void {
    for (const [source, entry] of other.sources) this.merge(source, entry);
    if (other.snapshot && (!this.snapshot || this.snapshot.at < other.snapshot.at)) this.snapshot = other.snapshot;
    this.dropped += other.dropped;
    this.since = Math.min(this.since, other.since);
  }

  private merge(source: string, entry: SourceEntry): void {
    const had = this.sources.get(source);
    if (!had) {
      if (entry.final ? this.finals >= MAX_FINALS_PER_BATCH : this.open >= MAX_SOURCES_PER_BATCH) {
        this.dropped++;
        return;
      }
      if (entry.final) this.finals++;
      else this.open++;
      const counts = maxCounts(ZERO, entry.counts);
      this.sources.set(source, { ...entry, counts, ...(entry.account && { floor: entry.floor ?? counts }) });
      return;
    }
    if (entry.final && !had.final) {
      this.open--;
      this.finals++;
    }
    had.counts = maxCounts(had.counts, entry.counts);
    if (had.account) had.floor = minCounts(had.floor ?? had.counts, entry.floor ?? entry.counts);
    // Left uncounted only while everything merged said so.
    had.uncounted &&= entry.uncounted;
    had.final ||= entry.final;
    had.refusal ??= entry.refusal;
  }
}
