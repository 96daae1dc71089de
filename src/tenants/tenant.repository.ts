import { MAX_RETENTION_DAYS } from '../common/retention.js';
import { MAX_SAMPLING } from '../common/sampling.js';
import { SENSITIVITIES, type Sensitivity } from '../config/detector-config.js';
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isTier } from '../common/tiers.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { RedisKeys, TENANT_INCARNATION_FIELD } from '../redis/redis-keys.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { RELEASE_LUA } from '../redis/redis-lock.js';
import {
  type ApiKeyRecord,
  claimedIdentities,
  type NatsIdentities,
  type NatsIdentityKind,
  natsIdentityPairs,
  NO_NATS_IDENTITIES,
  NO_TENANT_LIMITS,
  type Tenant,
  type TenantLimits,
  type TenantStatus,
} from './tenant.js';

/** How long a revoked key is remembered (its later use is counted for its tenant). */
const REVOKED_KEY_SECONDS = 90 * 86_400;

/** Writes the record whole unless it exists (KEYS: the record; ARGV: field, value pairs); 1 when written. */
const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;

/**
 * Deletes the hash's fields whose value is ARGV[1] (KEYS: the hash); the number deleted. Reads
 * the hash whole: bounded by its size (the JetStream owners: one field per stream polled).
 */
const DELETE_VALUE_LUA = `
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  if all[i + 1] == ARGV[1] then n = n + redis.call('HDEL', KEYS[1], all[i]) end
end
return n
`;

/** An identity another tenant holds. */
export interface IdentityTaken {
  identity: string;
  owner: string;
}

/** Tenant registry and API-key index in Redis. */
@Injectable()
export class TenantRepository {
  private readonly createScript: LuaScript;
  private readonly releaseOwned: LuaScript;
  private readonly deleteValue: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly fence: TenantFence,
  ) {
    this.createScript = defineScripts(redis, { pulseTenantCreate: { lua: CREATE_LUA, keys: 1 } }).pulseTenantCreate;
    this.releaseOwned = defineScripts(redis, {
      pulseReleaseOwned: { lua: RELEASE_LUA, keys: 1 },
    }).pulseReleaseOwned;
    this.deleteValue = defineScripts(redis, {
      pulseHashDeleteValue: { lua: DELETE_VALUE_LUA, keys: 1 },
    }).pulseHashDeleteValue;
  }

  /**
   * Claims each identity for the tenant (SET NX on its index key; one it holds already is kept).
   * The first one another tenant holds: every claim this call made is released and its holder
   * answered. One key per command: each identity key is in its own Cluster slot.
   */
  async claimIdentities(tenantId: string, ids: NatsIdentities): Promise<IdentityTaken | null> {
    const made: [NatsIdentityKind, string][] = [];
    for (const [kind, value] of natsIdentityPairs(ids)) {
      const key = this.keys.natsIdentity(kind, value);
      if ((await this.redis.set(key, tenantId, 'NX')) === 'OK') {
        made.push([kind, value]);
        continue;
      }
      const owner = await this.redis.get(key);
      if (owner === tenantId) continue;
      // Released by its holder in between: claimed on the next try, or refused then.
      if (owner === null && (await this.redis.set(key, tenantId, 'NX')) === 'OK') {
        made.push([kind, value]);
        continue;
      }
      await this.releaseIdentities(tenantId, made);
      return { identity: `${kind} ${value}`, owner: owner ?? (await this.redis.get(key)) ?? 'another tenant' };
    }
    return null;
  }

  /** Releases the tenant's claims on these identities (a claim another tenant holds is left alone). */
  async releaseIdentities(tenantId: string, pairs: [NatsIdentityKind, string][]): Promise<void> {
    for (const [kind, value] of pairs) await this.releaseOwned([this.keys.natsIdentity(kind, value)], [tenantId]);
  }

  /**
   * Creates the tenant unless the id is taken (false then), in one step with a new incarnation:
   * what an erased tenant of the same id left in the cold store is never its (ColdPartitions).
   */
  async create(tenant: Tenant): Promise<boolean> {
    const fields = { ...serialize(tenant), [TENANT_INCARNATION_FIELD]: randomBytes(8).toString('hex') };
    if ((await this.createScript([this.keys.tenant(tenant.id)], Object.entries(fields).flat())) !== 1) return false;
    await this.redis.sadd(this.keys.tenants(), tenant.id);
    // The registry lives outside the tenant's slot (no fence): a DELETE that ran between the two
    // steps gets its entry taken back, as reindex does.
    if ((await this.redis.exists(this.keys.tenant(tenant.id))) === 0)
      await this.redis.srem(this.keys.tenants(), tenant.id);
    return true;
  }

  /**
   * Puts a tenant whose record exists back into the registry index and its API keys back into
   * the key index, where those entries were lost (a Redis Cluster master that came back empty
   * held them). Idempotent; never revives a revoked key (revoking removes it from both places).
   * Returns how many entries were missing.
   */
  async reindex(tenantId: string): Promise<number> {
    let restored = await this.redis.sadd(this.keys.tenants(), tenantId);
    const indexed: string[] = [];
    for (const key of await this.listApiKeys(tenantId)) {
      if ((await this.redis.set(this.keys.apiKey(key.sha256), `${tenantId} ${key.keyId}`, 'NX')) === 'OK') {
        restored++;
        indexed.push(key.sha256);
      }
    }
    // The entries live outside the tenant's slot, so no fence covers them: an erasure that ran
    // meanwhile gets them taken back here.
    if ((await this.redis.exists(this.keys.tenant(tenantId))) === 1) return restored;
    await this.redis.srem(this.keys.tenants(), tenantId);
    for (const sha of indexed) await this.redis.del(this.keys.apiKey(sha));
    return 0;
  }

  async find(tenantId: string): Promise<Tenant | null> {
    return deserialize(await this.redis.hgetall(this.keys.tenant(tenantId)));
  }

  async listIds(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.tenants())).sort();
  }

  async findMany(ids: string[]): Promise<Tenant[]> {
    const found = await Promise.all(ids.map((id) => this.find(id)));
    return found.filter((t): t is Tenant => t !== null);
  }

  /** Writes the record's fields only while it exists (an update racing the erasure revives nothing); false when gone. */
  async update(tenant: Tenant): Promise<boolean> {
    const fields = Object.entries(serialize(tenant)).flat();
    return (await this.fence.write(tenant.id, [['HSET', this.keys.tenant(tenant.id), ...fields]])) !== null;
  }

  /**
   * Removes the tenant: first its record (the erasure's fence: every writer stops at once), then
   * its registry entry, API-key index entries (and its revoked keys'), JetStream ranking entries
   * and its streams in the JetStream owners, then every key under its hash tag; of a tenant already erased, whatever of these is
   * left. The number of keys and entries removed.
   */
  async delete(tenantId: string): Promise<number> {
    const found = await this.find(tenantId);
    let removed = await this.redis.del(this.keys.tenant(tenantId));
    // Its key list read after the record is gone: a key issued before is listed (its listing is
    // fenced), and none can be listed from now on; one whose index entry is written after this
    // is taken back by its issuer (addApiKey).
    const apiKeys = await this.listApiKeys(tenantId);
    removed += await this.redis.srem(this.keys.tenants(), tenantId);
    // One key per command: the index entries live in slots of their own (keyed by the key's hash),
    // and a multi-key DEL across slots is refused on Redis Cluster (CROSSSLOT).
    for (const k of apiKeys) removed += await this.redis.del(this.keys.apiKey(k.sha256));
    for (const sha of await this.redis.hkeys(this.keys.tenantRevokedKeys(tenantId)))
      removed += await this.redis.del(this.keys.revokedApiKey(sha));
    // Its entries in the JetStream poll's ranking (a poll racing this takes back its own).
    const worst = this.keys.jetStreamWorst();
    removed += await this.redis.zrem(worst.ranking, tenantId);
    removed += await this.redis.hdel(worst.consumers, tenantId);
    // Its streams in the poll's owners (kept until the next poll, which may never come).
    removed += Number(await this.deleteValue([this.keys.jetStreamOwners()], [tenantId]));
    // Its NATS identities are free for another tenant from now on.
    if (found) await this.releaseIdentities(tenantId, natsIdentityPairs(claimedIdentities(found)));
    return removed + (await this.deleteByPrefix(this.keys.tenantScope(tenantId)));
  }

  /** Keeps an erasure receipt (the newest 10,000) for the compliance report. */
  async saveErasure(receipt: object): Promise<void> {
    await this.redis.lpush(this.keys.erasures(), JSON.stringify(receipt));
    await this.redis.ltrim(this.keys.erasures(), 0, 9999);
  }

  async erasures(limit: number): Promise<unknown[]> {
    return (await this.redis.lrange(this.keys.erasures(), 0, limit - 1)).map((r) => JSON.parse(r) as unknown);
  }

  /**
   * Keys of the tenant left in Redis (its prefix, on every master; erasure's check): deletes them
   * too when `remove`, and answers how many there were.
   */
  async remaining(tenantId: string, remove: boolean): Promise<number> {
    return this.scanPrefix(this.keys.tenantScope(tenantId), remove);
  }

  /**
   * Adds the key while the tenant exists (false when it does not). Listed under the tenant first
   * (fenced), then indexed; an index entry that lands after an erasure removed the listed keys'
   * entries is taken back here, so no index entry outlives its tenant.
   */
  async addApiKey(tenantId: string, record: ApiKeyRecord): Promise<boolean> {
    const listed = await this.fence.write(tenantId, [
      [
        'HSET',
        this.keys.tenantApiKeys(tenantId),
        record.keyId,
        JSON.stringify({ sha256: record.sha256, createdAt: record.createdAt }),
      ],
    ]);
    if (listed === null) return false;
    await this.redis.set(this.keys.apiKey(record.sha256), `${tenantId} ${record.keyId}`);
    if ((await this.redis.exists(this.keys.tenant(tenantId))) === 1) return true;
    await this.redis.del(this.keys.apiKey(record.sha256));
    return false;
  }

  /** Whether the tenant lists the key (an index entry alone does not make a key valid). */
  async isApiKeyListed(tenantId: string, keyId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.tenantApiKeys(tenantId), keyId)) === 1;
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const raw = await this.redis.hgetall(this.keys.tenantApiKeys(tenantId));
    return Object.entries(raw)
      .map(([keyId, json]) => ({ keyId, ...(JSON.parse(json) as Omit<ApiKeyRecord, 'keyId'>) }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Returns false when the tenant has no such key. */
  async removeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const json = await this.redis.hget(this.keys.tenantApiKeys(tenantId), keyId);
    if (!json) return false;
    const { sha256 } = JSON.parse(json) as { sha256: string };
    await this.redis.del(this.keys.apiKey(sha256));
    // The tenant's side fenced (a revoke racing the erasure brings none of its keys back), then
    // the index entry, remembered 90 days so that its use is counted for the tenant; taken back
    // when the tenant went meanwhile.
    const revoked = this.keys.tenantRevokedKeys(tenantId);
    const done = await this.fence.write(tenantId, [
      ['HDEL', this.keys.tenantApiKeys(tenantId), keyId],
      ['HSET', revoked, sha256, keyId],
      ['EXPIRE', revoked, REVOKED_KEY_SECONDS],
    ]);
    if (done === null) return false;
    await this.redis.set(this.keys.revokedApiKey(sha256), `${tenantId} ${keyId}`, 'EX', REVOKED_KEY_SECONDS);
    if ((await this.redis.exists(this.keys.tenant(tenantId))) === 0)
      await this.redis.del(this.keys.revokedApiKey(sha256));
    return true;
  }

  /** The tenant and key id of a key revoked in the last 90 days (by its SHA-256). */
  findRevokedApiKeyOwner(sha256Hex: string): Promise<{ tenantId: string; keyId: string } | null> {
    return this.ownerAt(this.keys.revokedApiKey(sha256Hex));
  }

  /** The tenant and key id an API key (by its SHA-256) belongs to. */
  findApiKeyOwner(sha256Hex: string): Promise<{ tenantId: string; keyId: string } | null> {
    return this.ownerAt(this.keys.apiKey(sha256Hex));
  }

  /** A `<tenantId> <keyId>` string key, read. */
  private async ownerAt(key: string): Promise<{ tenantId: string; keyId: string } | null> {
    const owner = await this.redis.get(key);
    if (!owner) return null;
    const [tenantId, keyId] = owner.split(' ');
    return { tenantId, keyId };
  }

  private deleteByPrefix(prefix: string): Promise<number> {
    return this.scanPrefix(prefix, true);
  }

  private async scanPrefix(prefix: string, remove: boolean): Promise<number> {
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let n = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        // One key at a time keeps this valid on Redis Cluster whatever the slots.
        if (remove) for (const key of found) n += await node.unlink(key);
        else n += found.length;
      } while (cursor !== '0');
    }
    return n;
  }
}

const isSensitivity = (v: unknown): v is Sensitivity =>
  typeof v === 'string' && (SENSITIVITIES as readonly string[]).includes(v);

/** A stored sampling setting, or automatic (0) for tenants stored before it existed or a bad value. */
function samplingOf(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= MAX_SAMPLING ? n : 0;
}

function retentionDaysOf(raw: string | undefined): number | null {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n >= 1 && n <= MAX_RETENTION_DAYS ? n : null;
}

/** Stored identities, or none for tenants stored before they existed (or an unreadable value). */
function natsIdentitiesOf(raw: string | undefined): NatsIdentities {
  if (!raw) return NO_NATS_IDENTITIES;
  try {
    const v = JSON.parse(raw) as Partial<NatsIdentities>;
    const list = (x: unknown) => (Array.isArray(x) ? x.filter((e): e is string => typeof e === 'string') : []);
    return { accounts: list(v.accounts), users: list(v.users), nkeys: list(v.nkeys) };
  } catch {
    return NO_NATS_IDENTITIES;
  }
}

/** Stored limits; a tenant stored before limits existed, or an unreadable value, has none. */
function limitsOf(raw: string | undefined): TenantLimits {
  if (!raw) return NO_TENANT_LIMITS;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const value = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null);
    return {
      connections: value(parsed.connections),
      subscriptions: value(parsed.subscriptions),
      payload: value(parsed.payload),
      data: value(parsed.data),
      jetstreamMemory: value(parsed.jetstreamMemory),
      jetstreamStorage: value(parsed.jetstreamStorage),
      jetstreamStreams: value(parsed.jetstreamStreams),
      jetstreamConsumers: value(parsed.jetstreamConsumers),
    };
  } catch {
    return NO_TENANT_LIMITS;
  }
}

function serialize(tenant: Tenant): Record<string, string> {
  return {
    id: tenant.id,
    name: tenant.name,
    tier: tenant.tier,
    plan: tenant.plan ?? '',
    status: tenant.status,
    quota: tenant.monthlyMessageQuota === null ? '' : String(tenant.monthlyMessageQuota),
    sensitivity: tenant.anomalySensitivity,
    sampling: String(tenant.sampling),
    retention: tenant.retentionDays === null ? '' : String(tenant.retentionDays),
    nats: JSON.stringify(tenant.natsIdentities),
    account: tenant.natsAccount ?? '',
    accountSince: tenant.natsAccountSince === undefined ? '' : String(tenant.natsAccountSince),
    limits: JSON.stringify(tenant.limits),
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

function deserialize(raw: Record<string, string>): Tenant | null {
  // A hash with only `id` is a create in progress (claimed, fields not yet written).
  if (!raw.id || !isTier(raw.tier)) return null;
  return {
    id: raw.id,
    name: raw.name,
    tier: raw.tier,
    plan: raw.plan ? raw.plan : null,
    status: raw.status as TenantStatus,
    monthlyMessageQuota: raw.quota ? Number(raw.quota) : null,
    // Tenants stored before the setting existed are at the default.
    anomalySensitivity: isSensitivity(raw.sensitivity) ? raw.sensitivity : 'medium',
    sampling: samplingOf(raw.sampling),
    retentionDays: retentionDaysOf(raw.retention),
    natsIdentities: natsIdentitiesOf(raw.nats),
    natsAccount: raw.account ? raw.account : null,
    ...(raw.accountSince && { natsAccountSince: Number(raw.accountSince) }),
    limits: limitsOf(raw.limits),
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
  };
}
