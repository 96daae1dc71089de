import { Inject, Injectable } from '@nestjs/common';
import type { TenantPrincipal } from '../common/principal.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantFence } from '../redis/tenant-fence.js';
import { TenantDirectory } from './tenant-directory.js';

/** How long an opened read-only admin view lasts (the operator opens it again after). */
export const ADMIN_VIEW_MS = 3_600_000;
/** The header naming the tenant the admin key reads, read-only. */
export const VIEW_TENANT_HEADER = 'x-pulse-view-tenant';
/** The key id an admin view's principal carries (no tenant key has it: tenant key ids are `key_…`). */
export const ADMIN_VIEW_KEY_ID = 'admin-view';

/**
 * The operator's read-only view of a tenant (README, Operator console). Opening it (an audited
 * admin route) writes `adminview` for ADMIN_VIEW_MS; while it exists, the admin key with the
 * `X-Pulse-View-Tenant` header reads that tenant's routes (GET and HEAD only: the API-key guard
 * refuses every other method with READ_ONLY_VIEW). Without an opened view the header grants
 * nothing, so no read goes unaudited.
 */
@Injectable()
export class AdminViews {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly directory: TenantDirectory,
    private readonly fence: TenantFence,
  ) {}

  /**
   * Opens (or renews) the view of an active tenant; null when there is no such tenant. The key is
   * written through the erasure's fence: a directory that has not heard of an erasure yet (another
   * instance ran it) writes nothing, so no view outlives its tenant into one re-created under its id.
   */
  async open(
    tenantId: string,
    now = Date.now(),
  ): Promise<{ tenantId: string; tier: string; expiresAt: string } | null> {
    const tenant = this.directory.get(tenantId);
    if (!tenant) return null;
    const written = await this.fence.write(tenantId, [
      ['SET', this.keys.adminView(tenantId), String(now), 'PX', ADMIN_VIEW_MS],
    ]);
    if (written === null) return null;
    return { tenantId, tier: tenant.tier, expiresAt: new Date(now + ADMIN_VIEW_MS).toISOString() };
  }

  /** The principal the view reads as, while the view is open and the tenant active; else null. */
  async principal(tenantId: string): Promise<TenantPrincipal | null> {
    const tenant = this.directory.get(tenantId);
    if (!tenant) return null;
    if ((await this.redis.exists(this.keys.adminView(tenantId))) === 0) return null;
    return { tenantId, tier: tenant.tier, keyId: ADMIN_VIEW_KEY_ID, readOnly: true };
  }
}
