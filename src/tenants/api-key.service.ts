import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { TenantPrincipal } from '../common/principal.js';
import { isSlotUnavailable } from '../redis/redis-errors.js';
import { REDIS_CLIENT } from '../redis/redis-client.js';
import type { ApiKeyRecord } from './tenant.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantRepository } from './tenant.repository.js';

export const API_KEY_PREFIX = 'pk_';
/** Keys whose owner this instance remembers for when Redis cannot answer (least recently used go). */
const LAST_KNOWN_KEYS = 10_000;

interface KeyOwner {
  tenantId: string;
  keyId: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: 192 random bits, shown to the caller once; only its SHA-256 is kept. */
export function generateApiKey(): { apiKey: string; record: ApiKeyRecord } {
  const apiKey = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return {
    apiKey,
    record: {
      keyId: `key_${randomBytes(8).toString('hex')}`,
      sha256: hashApiKey(apiKey),
      createdAt: new Date().toISOString(),
    },
  };
}

@Injectable()
export class ApiKeyService {
  /** SHA-256 → owner, as Redis last confirmed it; consulted only while Redis cannot answer. */
  private readonly lastKnown = new Map<string, KeyOwner>();
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly tenants: TenantRepository,
    private readonly directory: TenantDirectory,
    @Inject(REDIS_CLIENT) private readonly redis: { readonly status: string },
  ) {
    directory.subscribe({
      activated: () => undefined,
      deactivated: (tenantId) => this.forget(tenantId),
      keysRevoked: (tenantId) => this.forget(tenantId),
    });
  }

  /**
   * Counts the revocations and deactivations announced for a tenant (on this instance): a
   * long-lived response that saw a different count re-checks its key at once.
   */
  revocations(tenantId: string): number {
    return this.revoked.get(tenantId) ?? 0;
  }

  /**
   * The tenant a key belongs to, or null. The key itself is looked up in Redis on every request
   * (by its hash, so no stored secret is compared character by character): a revoked key or a
   * deleted tenant's key stops working at once on every instance. The tenant's status and tier
   * come from the in-memory TenantDirectory, which the instance that made a change updates before
   * answering and every other instance on the change announcement (milliseconds; at worst one
   * reconcile interval if the announcement is lost). A tenant the directory does not know yet is
   * read from Redis.
   *
   * On Redis Cluster the key's entry lives in some slot unrelated to its tenant's. So that losing
   * that slot's master does not lock out a tenant whose data is still served, a key Redis
   * confirmed before is accepted while Redis (connected) cannot answer for it, unless it was
   * revoked or its tenant disabled since (both announced to every instance).
   *
   * The index entry alone is not enough: an entry whose key is not in its tenant's key list (one
   * an erasure raced and left behind, which would work for a tenant re-created under the id) is
   * refused. The listing is checked in the same Redis round trip as the index entry, for the
   * owner this instance last saw; only a key's first lookup here (or one whose owner changed)
   * takes a second round trip.
   */
  async resolve(apiKey: string): Promise<TenantPrincipal | null> {
    if (!apiKey.startsWith(API_KEY_PREFIX) || apiKey.length > 128) return null;
    const owner = await this.findOwner(hashApiKey(apiKey));
    if (!owner) return null;
    const known = this.directory.get(owner.tenantId);
    if (known) return { tenantId: known.id, tier: known.tier, keyId: owner.keyId };
    if (this.directory.isInactive(owner.tenantId)) return null;
    const tenant = await this.tenants.find(owner.tenantId);
    if (!tenant || tenant.status !== 'active') return null;
    return { tenantId: tenant.id, tier: tenant.tier, keyId: owner.keyId };
  }

  /**
   * Whose key a refused one is, where that can be known: a key revoked in the last 90 days, or a
   * key of a disabled tenant. Called only for refused keys (never on the path of a valid one).
   */
  async refusedOwner(apiKey: string): Promise<(KeyOwner & { reason: 'revoked_key' | 'tenant_disabled' }) | null> {
    if (!apiKey.startsWith(API_KEY_PREFIX) || apiKey.length > 128) return null;
    const sha256 = hashApiKey(apiKey);
    const revoked = await this.tenants.findRevokedApiKeyOwner(sha256);
    if (revoked) return { ...revoked, reason: 'revoked_key' };
    const owner = await this.tenants.findApiKeyOwner(sha256);
    // A key its tenant does not list (left by a raced erasure) is nobody's.
    if (!owner || !(await this.tenants.isApiKeyListed(owner.tenantId, owner.keyId))) return null;
    return { ...owner, reason: 'tenant_disabled' };
  }

  private async findOwner(sha256: string): Promise<KeyOwner | null> {
    const remembered = this.lastKnown.get(sha256);
    // Sent in the same tick as the index read below (auto-pipelined: one round trip).
    const listedAhead = remembered ? this.tenants.isApiKeyListed(remembered.tenantId, remembered.keyId) : null;
    listedAhead?.catch(() => undefined);
    let owner: KeyOwner | null;
    try {
      owner = await this.tenants.findApiKeyOwner(sha256);
    } catch (err) {
      if (remembered && isSlotUnavailable(this.redis, err) && (await this.stillListed(listedAhead!))) return remembered;
      throw err;
    }
    this.lastKnown.delete(sha256);
    if (!owner) return null;
    const sameOwner = remembered?.tenantId === owner.tenantId && remembered.keyId === owner.keyId;
    const listed = sameOwner ? await listedAhead! : await this.tenants.isApiKeyListed(owner.tenantId, owner.keyId);
    if (!listed) return null;
    this.lastKnown.set(sha256, owner);
    if (this.lastKnown.size > LAST_KNOWN_KEYS) this.lastKnown.delete(this.lastKnown.keys().next().value!);
    return owner;
  }

  /** While Redis cannot answer for the index entry: false only when the tenant's list answered without the key. */
  private async stillListed(listed: Promise<boolean>): Promise<boolean> {
    try {
      return await listed;
    } catch (err) {
      if (isSlotUnavailable(this.redis, err)) return true;
      throw err;
    }
  }

  private forget(tenantId: string): void {
    this.revoked.set(tenantId, (this.revoked.get(tenantId) ?? 0) + 1);
    for (const [sha256, owner] of this.lastKnown) if (owner.tenantId === tenantId) this.lastKnown.delete(sha256);
  }
}
