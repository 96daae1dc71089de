import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { TenantPrincipal } from '../common/guards/principal.js';
import type { ApiKeyRecord } from './tenant.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantRepository } from './tenant.repository.js';

export const API_KEY_PREFIX = 'pk_';

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
  constructor(
    private readonly tenants: TenantRepository,
    private readonly directory: TenantDirectory,
  ) {}

  /**
   * The tenant a key belongs to, or null. The key itself is looked up in Redis on every request
   * (by its hash, so no stored secret is compared character by character): a revoked key or a
   * deleted tenant's key stops working at once on every instance. The tenant's status and tier
   * come from the in-memory TenantDirectory, which the instance that made a change updates before
   * answering and every other instance on the change announcement (milliseconds; at worst one
   * reconcile interval if the announcement is lost). A tenant the directory does not know yet is
   * read from Redis.
   */
  async resolve(apiKey: string): Promise<TenantPrincipal | null> {
    if (!apiKey.startsWith(API_KEY_PREFIX) || apiKey.length > 128) return null;
    const owner = await this.tenants.findApiKeyOwner(hashApiKey(apiKey));
    if (!owner) return null;
    const known = this.directory.get(owner.tenantId);
    if (known) return { tenantId: known.id, tier: known.tier, keyId: owner.keyId };
    if (this.directory.isInactive(owner.tenantId)) return null;
    const tenant = await this.tenants.find(owner.tenantId);
    if (!tenant || tenant.status !== 'active') return null;
    return { tenantId: tenant.id, tier: tenant.tier, keyId: owner.keyId };
  }
}
