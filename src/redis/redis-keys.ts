/**
 * Every Redis key Pulse uses is built here. Keys of one tenant carry the hash tag `{t:<id>}` so
 * that a tenant's pipeline and Lua calls stay in one Redis Cluster slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** SET of every tenant id. */
  tenants(): string {
    return `${this.prefix}:tenants`;
  }

  /** STRING `<tenantId> <keyId>` for one API key, addressed by the key's SHA-256 (hex). */
  apiKey(sha256Hex: string): string {
    return `${this.prefix}:apikey:${sha256Hex}`;
  }

  /** Prefix shared by all of one tenant's keys (for deleting a tenant). */
  tenantScope(tenantId: string): string {
    return `${this.prefix}:{t:${tenantId}}:`;
  }

  /** HASH id, name, tier, plan, status, createdAt, updatedAt. */
  tenant(tenantId: string): string {
    return `${this.tenantScope(tenantId)}tenant`;
  }

  /** HASH keyId → JSON { sha256, createdAt }. */
  tenantApiKeys(tenantId: string): string {
    return `${this.tenantScope(tenantId)}apikeys`;
  }

  /** HASH all-time counters: m, b, lat_missing, lat_invalid, subj_other_m, subj_other_b. */
  totals(tenantId: string): string {
    return `${this.tenantScope(tenantId)}tot`;
  }

  /** HASH per minute: m, b, per-second `m:<s>`/`b:<s>` (s = 0..59), latency buckets `l:<i>`. */
  minute(tenantId: string, minuteEpoch: number): string {
    return `${this.tenantScope(tenantId)}min:${minuteEpoch}`;
  }

  /** HASH per UTC day (`YYYYMMDD`): m, b. */
  day(tenantId: string, day: string): string {
    return `${this.tenantScope(tenantId)}day:${day}`;
  }

  /** ZSET subject → messages for one UTC day, trimmed to the top subjects. */
  subjectMessages(tenantId: string, day: string): string {
    return `${this.tenantScope(tenantId)}subj:${day}`;
  }

  /** HASH subject → bytes for the members of subjectMessages. */
  subjectBytes(tenantId: string, day: string): string {
    return `${this.tenantScope(tenantId)}subjb:${day}`;
  }

  /** STRING of HyperLogLog registers (one byte each) estimating a day's distinct subjects. */
  subjectSketch(tenantId: string, day: string): string {
    return `${this.tenantScope(tenantId)}hll:${day}`;
  }

  /** STRING last flush sequence applied from one Pulse instance (makes flush retries idempotent). */
  flushSequence(tenantId: string, instanceId: string): string {
    return `${this.tenantScope(tenantId)}flush:${instanceId}`;
  }
}

export const SECONDS_PER_DAY = 86_400;

export function minuteEpochOf(epochMs: number): number {
  return Math.floor(epochMs / 60_000) * 60;
}

/** UTC day as YYYYMMDD. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}
