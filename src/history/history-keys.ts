import type { ColdPeriod } from '../coldstore/cold-store.js';
import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The history store's Redis keys: counters, subjects, client days, the archiver's queue and late
 * data. Built with the same prefix and behind the same tenant hash tag as RedisKeys
 * (`tenantScope`), so a tenant's history is in its Cluster slot and the erasure's scan of
 * `tenantScope` removes it. Field names inside the counter hashes: counter-schema.ts.
 */
export class HistoryKeys {
  /** The keys outside history that history's writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  private scope(tenantId: string): string {
    return this.shared.tenantScope(tenantId);
  }

  /** HASH all-time counters (the `totals` fields of COUNTER_SCHEMA): m, b, lat_missing, lat_invalid, hb_sent, …; la = last message (ms). */
  totals(tenantId: string): string {
    return `${this.scope(tenantId)}tot`;
  }

  /** HASH per minute: m, b, per-second `m:<s>`/`b:<s>` (s = 0..59), latency buckets `l:<i>`, … (COUNTER_SCHEMA). */
  minute(tenantId: string, minuteEpoch: number): string {
    return `${this.scope(tenantId)}min:${minuteEpoch}`;
  }

  /** HASH per hour (epoch s of the hour): the hour's minutes rolled up (rollup-scripts.ts). */
  hour(tenantId: string, hourEpoch: number): string {
    return `${this.scope(tenantId)}hour:${hourEpoch}`;
  }

  /** HASH per UTC day (`YYYYMMDD`): m, b (flushed), plus the rollup of its hours. */
  day(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}day:${day}`;
  }

  /** ZSET subject → messages for one UTC day, trimmed to the top subjects. */
  subjectMessages(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}subj:${day}`;
  }

  /** HASH subject → bytes for the members of subjectMessages. */
  subjectBytes(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}subjb:${day}`;
  }

  /** STRING of HyperLogLog registers (one byte each) estimating a day's distinct subjects. */
  subjectSketch(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}hll:${day}`;
  }

  /** HASH per UTC day of per-client behaviour (enterprise): `<clientId>|<s|r|e|on|ss|rc|off>`. */
  clientDay(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}cday:${day}`;
  }

  /** ZSET clientId → messages sent + received that UTC day (enterprise): clients ranked by traffic. */
  clientTraffic(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}ctraffic:${day}`;
  }

  /** HyperLogLog of the client ids seen that UTC day (enterprise): a period's client count. */
  clientsSeenDay(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}cseen:${day}`;
  }

  /** ZSET clientId → offline transitions that UTC day (enterprise): what flapping detection reads, top first. */
  offlineDay(tenantId: string, day: string): string {
    return `${this.scope(tenantId)}offday:${day}`;
  }

  /**
   * ZSET (cold store on) of hours `h<hourEpoch>` and days `d<yyyymmdd>` whose hash changed since
   * it was last archived, scored by when (ms): the archiver's queue. `archq:filled` (STRING) says
   * the tenant's history from before the cold store was queued once.
   */
  archiveQueue(tenantId: string): string {
    return `${this.scope(tenantId)}archq`;
  }

  /** HASH period → digest of the hash last archived (a recompute that changed nothing is not written again). */
  archiveDigests(tenantId: string): string {
    return `${this.scope(tenantId)}archd`;
  }

  /** STRING: the tenant's history from before the cold store was queued for the archiver once. */
  archiveBackfilled(tenantId: string): string {
    return `${this.scope(tenantId)}archq:filled`;
  }

  /**
   * Late data (ARCHITECTURE.md, Late data): what flushes wrote for a period whose reads already
   * come from the cold store, kept until the archiver adds it to the period's items. `h<hour>` /
   * `d<day>`: HASH of fields as in the hour or day hash; `s<day>`: the day's subjects, as three
   * keys like the day's own (`:m` ZSET, `:b` HASH, `:k` sketch STRING). `:claimed` and `:tok`
   * hold the part the archiver is adding and its token, so that a retry never adds it twice.
   */
  late(tenantId: string, period: string): string {
    return `${this.scope(tenantId)}late:${period}`;
  }

  /** SET of the periods that have late data waiting for the archiver. */
  latePeriods(tenantId: string): string {
    return `${this.scope(tenantId)}archl`;
  }

  /** SET of hour epochs (s) that received minutes after the rollup job last recomputed them. */
  rollupDirty(tenantId: string): string {
    return `${this.scope(tenantId)}rollup:dirty`;
  }

  /** STRING last flush sequence applied from one Pulse instance (makes flush retries idempotent). */
  flushSequence(tenantId: string, instanceId: string): string {
    return `${this.scope(tenantId)}flush:${instanceId}`;
  }

  /** The hash of an hour (`h<hourEpoch>`) or a day (`d<yyyymmdd>`). */
  period(tenantId: string, p: ColdPeriod): string {
    return p.startsWith('h') ? this.hour(tenantId, Number(p.slice(1))) : this.day(tenantId, p.slice(1));
  }
}
