import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantFence } from '../redis/tenant-fence.js';
import type { AuditAction } from '../common/audit-actions.js';
import { type AuditEntry, sealEntry, type StoredEntry, unsealEntry, withoutTenantFields } from './audit.js';

/**
 * Appends to the tenant's stream only while the tenant exists (an entry about a deleted or unknown
 * tenant must not bring its keys back), refreshing the stream's and the seal key's expiry, and
 * returns the seal key (created on first use), or false without a tenant.
 * KEYS: tenant hash, tenant stream, seal key. ARGV: entry JSON, MINID (ms), expiry (ms), a new key.
 */
const APPEND_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[2], '*', 'e', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local k = redis.call('GET', KEYS[3])
if not k then k = ARGV[4] end
redis.call('SET', KEYS[3], k, 'PX', ARGV[3])
return k
`;

/**
 * Adds a tenant's failed authentications, only while the tenant exists (erased: nothing comes
 * back). KEYS: tenant hash, counters. ARGV: expiry (s), then field, count pairs.
 */
const COUNT_TENANT_FAILURES_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
`;

/** `0-0` however spelled (the DTO admits 1-16 digits a part): the position before every entry. */
const FIRST_STREAM_ID = /^0+-0+$/;

/** Entries a read looks at, at most, to fill a page with a filter (then it answers with a cursor). */
export const AUDIT_SCAN_LIMIT = 5000;
const BATCH = 500;

export interface AuditQuery {
  /** Inclusive bounds (ms). */
  fromMs?: number;
  toMs?: number;
  action?: AuditAction;
  /** Only entries about this tenant (global reads of a tenant that no longer exists). */
  tenantId?: string;
  limit: number;
  /** The stream id of the last entry of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/**
 * The audit trail (ARCHITECTURE.md, Compliance): a Redis Stream per tenant, and a global one whose
 * entries carry the tenant's fields sealed with the tenant's key. Both trimmed to the retention
 * on every append (MINID) and expiring after it without appends.
 */
@Injectable()
export class AuditRepository {
  private readonly scripts: Record<'pulseAuditAppend' | 'pulseAuthFailCount', LuaScript>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly fence: TenantFence,
  ) {
    this.scripts = defineScripts(redis, {
      pulseAuditAppend: { lua: APPEND_LUA, keys: 3 },
      pulseAuthFailCount: { lua: COUNT_TENANT_FAILURES_LUA, keys: 2 },
    });
  }

  /**
   * Appends the entry to the tenant's stream and the global one. An entry about a tenant that does
   * not exist (any more) is written to the global trail without the tenant's data, as its erasure
   * would have left it: a request that raced the erasure, or an entry kept in memory while Redis
   * failed, must not put it back in clear (withoutTenantData).
   */
  async append(entry: AuditEntry, retentionMs: number, now = Date.now()): Promise<void> {
    const minId = String(now - retentionMs);
    let sealKey: Buffer | null = null;
    if (entry.tenantId !== undefined) {
      const t = entry.tenantId;
      const key = (await this.scripts.pulseAuditAppend(
        [this.keys.tenant(t), this.keys.tenantAudit(t), this.keys.tenantAuditKey(t)],
        [JSON.stringify(entry), minId, retentionMs, randomBytes(32).toString('base64')],
      )) as string | null;
      if (key) sealKey = Buffer.from(key, 'base64');
    }
    const stored: StoredEntry | AuditEntry = sealKey
      ? sealEntry(entry, sealKey)
      : entry.tenantId === undefined
        ? entry
        : withoutTenantData(entry);
    await this.redis.call('XADD', this.keys.audit(), 'MINID', '~', minId, '*', 'e', JSON.stringify(stored));
    await this.redis.pexpire(this.keys.audit(), retentionMs);
  }

  /** A page of one tenant's trail, newest first. */
  tenantPage(tenantId: string, query: AuditQuery): Promise<AuditPage> {
    return this.page(this.keys.tenantAudit(tenantId), query, (rows) => Promise.resolve(rows as AuditEntry[]));
  }

  /** A page of the global trail, newest first, the tenants' fields unsealed where their key remains. */
  globalPage(query: AuditQuery): Promise<AuditPage> {
    return this.page(this.keys.audit(), query, async (rows) => {
      const tenants = [...new Set(rows.flatMap((r) => ('sealed' in r && r.tenantId ? [r.tenantId] : [])))];
      const found = tenants.length === 0 ? [] : await this.sealKeys(tenants);
      const keyOf = new Map(tenants.map((t, i) => [t, found[i]]));
      return rows.map((r) => unsealEntry(r as StoredEntry, (r.tenantId && keyOf.get(r.tenantId)) || null));
    });
  }

  /** Every entry of the tenant's trail, oldest first, in batches (export). */
  async *tenantEntries(tenantId: string): AsyncGenerator<AuditEntry> {
    let start = '-';
    for (;;) {
      const batch = (await this.redis.xrange(this.keys.tenantAudit(tenantId), start, '+', 'COUNT', BATCH)) as [
        string,
        string[],
      ][];
      for (const [, fields] of batch) yield JSON.parse(fields[1]) as AuditEntry;
      if (batch.length < BATCH) return;
      start = `(${batch[batch.length - 1][0]}`;
    }
  }

  private async sealKeys(tenants: string[]): Promise<(Buffer | null)[]> {
    const raw = await Promise.all(tenants.map((t) => this.redis.get(this.keys.tenantAuditKey(t))));
    return raw.map((k) => (k ? Buffer.from(k, 'base64') : null));
  }

  /**
   * Newest first from the cursor, bounded by `AUDIT_SCAN_LIMIT` entries looked at: a filter that
   * matches rarely answers a short page with a cursor rather than reading the whole trail.
   */
  private async page(
    key: string,
    q: AuditQuery,
    open: (rows: (StoredEntry | AuditEntry)[]) => Promise<AuditEntry[]>,
  ): Promise<AuditPage> {
    // No entry lies before the first stream id (XADD never writes 0-0), and Redis refuses the
    // exclusive `(0-0` as an end ("invalid end ID"): the answer is an empty last page.
    if (q.cursor !== undefined && FIRST_STREAM_ID.test(q.cursor)) return { entries: [], nextCursor: null };
    // A cursor newer than `to` (made up: no page of this query answers one) does not widen it.
    const pastTo = q.cursor !== undefined && q.toMs !== undefined && Number(q.cursor.split('-')[0]) > q.toMs;
    let end = q.cursor !== undefined && !pastTo ? `(${q.cursor}` : q.toMs !== undefined ? String(q.toMs) : '+';
    const start = q.fromMs !== undefined ? String(q.fromMs) : '-';
    const entries: AuditEntry[] = [];
    let scanned = 0;
    let last: string | null = null;
    for (;;) {
      // Full, or as much read as a page may: the caller continues from the cursor.
      if (entries.length >= q.limit || scanned >= AUDIT_SCAN_LIMIT) return { entries, nextCursor: last };
      const count = Math.min(BATCH, AUDIT_SCAN_LIMIT - scanned);
      const batch = (await this.redis.xrevrange(key, end, start, 'COUNT', count)) as [string, string[]][];
      if (batch.length === 0) return { entries, nextCursor: null };
      const opened = await open(batch.map(([, fields]) => JSON.parse(fields[1]) as StoredEntry | AuditEntry));
      let i = 0;
      for (; i < batch.length && entries.length < q.limit; i++) {
        scanned++;
        last = batch[i][0];
        const e = opened[i];
        if (
          (q.action === undefined || e.action === q.action) &&
          (q.tenantId === undefined || e.tenantId === q.tenantId)
        )
          entries.push(e);
      }
      // The trail ended within this batch and every entry of it was looked at.
      if (batch.length < count && i === batch.length) return { entries, nextCursor: null };
      end = `(${last}`;
    }
  }

  /** Records key use: each key's latest (a ZSET maximum, so instances reporting in any order agree). */
  async keysUsed(tenantId: string, uses: Map<string, number>): Promise<void> {
    if (uses.size === 0) return;
    // Gathered before the flush: the tenant may have been erased since (the fence refuses it then).
    const members = [...uses].flatMap(([k, at]) => [at, k]);
    await this.fence.write(tenantId, [['ZADD', this.keys.keyUse(tenantId), 'GT', ...members]]);
  }

  /** When each key was last used (ms), null for never. */
  async lastUses(tenantId: string, keyIds: string[]): Promise<(number | null)[]> {
    if (keyIds.length === 0) return [];
    return (await this.redis.zmscore(this.keys.keyUse(tenantId), ...keyIds)).map((s) =>
      s === null ? null : Number(s),
    );
  }

  /** Adds failed authentications by `<yyyymmdd>:<reason>`, and drops days before `oldestDay`. */
  async countAuthFailures(counts: Map<string, number>, oldestDay: string): Promise<void> {
    const key = this.keys.authFailures();
    for (const [field, n] of counts) await this.redis.hincrby(key, field, n);
    const stale = (await this.redis.hkeys(key)).filter((f) => f.slice(0, 8) < oldestDay);
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
  }

  /**
   * A tenant's failed authentications by `<yyyymmdd>:<reason>` (its revoked keys, its keys while
   * disabled); the hash lives 31 days from the last, fields of days before `oldestDay` dropped.
   */
  async countTenantAuthFailures(tenantId: string, counts: Map<string, number>, oldestDay: string): Promise<void> {
    await this.scripts.pulseAuthFailCount(
      [this.keys.tenant(tenantId), this.keys.tenantAuthFailures(tenantId)],
      [31 * 86_400, ...[...counts].flat()],
    );
    const key = this.keys.tenantAuthFailures(tenantId);
    const stale = (await this.redis.hkeys(key)).filter((f) => f.slice(0, 8) < oldestDay);
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
  }

  /** Failed authentications by `<yyyymmdd>:<reason>`: every one, or one tenant's. */
  authFailures(tenantId?: string): Promise<Record<string, string>> {
    return this.redis.hgetall(
      tenantId === undefined ? this.keys.authFailures() : this.keys.tenantAuthFailures(tenantId),
    );
  }
}

/**
 * What the global trail keeps of an entry whose tenant is gone: a tenant's request without the
 * tenant's fields; an admin's with the admin's own request id, address and target (the operator's,
 * as the admin's view shows them) but no details, except the erasure's receipt counts.
 */
function withoutTenantData(entry: AuditEntry): StoredEntry | AuditEntry {
  if (entry.actor.type !== 'admin') return withoutTenantFields(entry);
  if (entry.action === 'tenant.erase') return entry;
  const { details: _details, ...rest } = entry;
  return rest;
}
