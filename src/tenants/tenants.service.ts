import { Inject, Injectable, Optional } from '@nestjs/common';
import { ColdPartitions } from '../coldstore/cold-partitions.js';
import {
  COLD_STORE,
  type ColdStore,
  ColdStoreUnavailableError,
  coldStoreUnavailable,
} from '../coldstore/cold-store.js';
import { isTier, LOWEST_TIER, type Tier } from '../common/tiers.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { generateApiKey } from './api-key.service.js';
import type { CreateTenantDto, UpdateTenantDto } from './dto/tenant.dto.js';
import { TenantsError } from './tenants.errors.js';
import {
  type ApiKeyRecord,
  claimedIdentities,
  mergeLimits,
  type NatsIdentities,
  type NatsIdentityKind,
  natsIdentityPairs,
  NO_NATS_IDENTITIES,
  NO_TENANT_LIMITS,
  type Tenant,
  type TenantChange,
} from './tenant.js';
import { TenantChangesPublisher } from './tenant-changes.publisher.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantRepository } from './tenant.repository.js';

/**
 * What an erasure removed, and what it found left after (0 unless something failed, or a cold
 * write in flight landed meanwhile: its writer removes it).
 */
export interface ErasureReceipt {
  tenantId: string;
  erasedAt: string;
  removed: { redisKeys: number; coldItems: number };
  remaining: number;
  /** Set when the cold store did not answer the count after the deletion: `remaining` is Redis' only. */
  coldUnchecked?: true;
}

export interface IssuedApiKey {
  keyId: string;
  apiKey: string;
  createdAt: string;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly changes: TenantChangesPublisher,
    private readonly directory: TenantDirectory,
    private readonly partitions: ColdPartitions,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Optional() @Inject(COLD_STORE) private readonly cold: ColdStore | null = null,
  ) {}

  async create(dto: CreateTenantDto): Promise<Tenant & Pick<IssuedApiKey, 'keyId' | 'apiKey'>> {
    const plan = dto.plan ?? null;
    const now = new Date().toISOString();
    const tenant: Tenant = {
      id: dto.id,
      name: dto.name ?? dto.id,
      // An explicit tier wins over the plan's (a negotiated upgrade); otherwise the plan decides.
      tier: dto.tier ?? (plan ? this.tierOfPlan(plan) : LOWEST_TIER),
      plan,
      status: 'active',
      monthlyMessageQuota: dto.monthlyMessageQuota ?? null,
      anomalySensitivity: dto.anomalySensitivity ?? 'medium',
      sampling: dto.sampling ?? 0,
      retentionDays: dto.retentionDays ?? null,
      natsIdentities: identitiesOf(dto.natsIdentities, NO_NATS_IDENTITIES),
      natsAccount: dto.natsAccount ?? null,
      ...(dto.natsAccount && { natsAccountSince: Date.now() }),
      limits: mergeLimits(NO_TENANT_LIMITS, dto.limits),
      createdAt: now,
      updatedAt: now,
    };
    if (plan) this.tierOfPlan(plan); // validates the plan even when a tier is given
    const claimed = await this.claimIdentities(tenant, NO_NATS_IDENTITIES);
    if (!(await this.tenants.create(tenant))) {
      await this.tenants.releaseIdentities(tenant.id, claimed);
      throw new TenantsError('TENANT_EXISTS', `Tenant ${dto.id} already exists`);
    }
    const { keyId, apiKey } = await this.issueKeyFor(tenant.id);
    await this.publish({ tenantId: tenant.id, change: 'created' });
    return { ...tenant, keyId, apiKey };
  }

  async list(limit: number, after?: string): Promise<{ tenants: Tenant[]; nextCursor: string | null }> {
    const ids = (await this.tenants.listIds()).filter((id) => after === undefined || id > after);
    const page = ids.slice(0, limit);
    const tenants = await this.tenants.findMany(page);
    return { tenants, nextCursor: ids.length > limit ? page[page.length - 1] : null };
  }

  /**
   * A NATS identity names one tenant: one another tenant holds is a 409 (else that tenant's
   * connections, failed logins and disconnect reasons would be shown to this one). The tenant's
   * own account (`natsAccount`) is one more `account` identity (claimedIdentities). Each identity
   * is claimed with SET NX on its index key, so of concurrent registrations exactly one wins;
   * the tenants are also read for identities registered before the index existed. Returns the
   * identities this call newly claimed (`had`: what the tenant held before, kept claimed), which
   * the caller releases if its write does not happen.
   */
  private async claimIdentities(tenant: Tenant, had: NatsIdentities): Promise<[NatsIdentityKind, string][]> {
    const claimed = claimedIdentities(tenant);
    const mine = identityKeys(claimed);
    if (mine.size === 0) return [];
    const held = identityKeys(had);
    const added = natsIdentityPairs(claimed).filter(([kind, v]) => !held.has(`${kind} ${v}`));
    // The field the message names: the account of `natsAccount`, else natsIdentities.
    const field = (identity: string) =>
      tenant.natsAccount !== null && identity === `account ${tenant.natsAccount}` ? 'natsAccount' : 'natsIdentities';
    const taken = await this.tenants.claimIdentities(tenant.id, claimed);
    if (taken)
      throw new TenantsError(
        'NATS_IDENTITY_TAKEN',
        `${field(taken.identity)}: ${taken.identity} already belongs to tenant ${taken.owner}`,
      );
    const others = (await this.tenants.findMany(await this.tenants.listIds())).filter((t) => t.id !== tenant.id);
    for (const other of others) {
      const theirs = [...identityKeys(claimedIdentities(other))].filter((k) => mine.has(k));
      if (theirs.length > 0) {
        await this.tenants.releaseIdentities(tenant.id, added);
        throw new TenantsError(
          'NATS_IDENTITY_TAKEN',
          `${field(theirs[0])}: ${theirs.join(', ')} already belongs to tenant ${other.id}`,
        );
      }
    }
    return added;
  }

  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.tenants.find(tenantId);
    if (!tenant) throw new TenantsError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found`);
    return tenant;
  }

  async update(tenantId: string, dto: UpdateTenantDto): Promise<Tenant> {
    const tenant = await this.get(tenantId);
    const plan = dto.plan ?? tenant.plan;
    const tier = dto.tier ?? (dto.plan ? this.tierOfPlan(dto.plan) : tenant.tier);
    if (dto.plan) this.tierOfPlan(dto.plan);
    const updated: Tenant = {
      ...tenant,
      name: dto.name ?? tenant.name,
      plan,
      tier,
      status: dto.status ?? tenant.status,
      monthlyMessageQuota: dto.monthlyMessageQuota === undefined ? tenant.monthlyMessageQuota : dto.monthlyMessageQuota,
      anomalySensitivity: dto.anomalySensitivity ?? tenant.anomalySensitivity,
      sampling: dto.sampling ?? tenant.sampling,
      retentionDays: dto.retentionDays === undefined ? tenant.retentionDays : dto.retentionDays,
      natsIdentities: identitiesOf(dto.natsIdentities, tenant.natsIdentities),
      natsAccount: dto.natsAccount === undefined ? tenant.natsAccount : dto.natsAccount,
      // A new account (or none): its baselines start again (Tenant.natsAccountSince).
      ...(dto.natsAccount !== undefined && dto.natsAccount !== tenant.natsAccount && { natsAccountSince: Date.now() }),
      limits: mergeLimits(tenant.limits, dto.limits),
      updatedAt: new Date().toISOString(),
    };
    const identitiesChange = dto.natsIdentities !== undefined || dto.natsAccount !== undefined;
    if (identitiesChange) await this.claimIdentities(updated, claimedIdentities(tenant));
    if (!(await this.tenants.update(updated))) {
      // Erased meanwhile: what this call claimed goes back.
      if (identitiesChange)
        await this.tenants.releaseIdentities(tenantId, natsIdentityPairs(claimedIdentities(updated)));
      throw new TenantsError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found`);
    }
    if (identitiesChange) {
      // The identities it dropped are free for another tenant.
      const kept = identityKeys(claimedIdentities(updated));
      const dropped = natsIdentityPairs(claimedIdentities(tenant)).filter(([kind, v]) => !kept.has(`${kind} ${v}`));
      await this.tenants.releaseIdentities(tenantId, dropped);
    }
    await this.publish({ tenantId, change: 'updated' });
    return updated;
  }

  /**
   * Marks the tenant changed (its updatedAt) and tells every instance, which re-read it: the way a
   * change kept outside the tenant record (its custom metrics) reaches every tap within ms.
   */
  async touch(tenantId: string): Promise<void> {
    const tenant = await this.get(tenantId);
    if (!(await this.tenants.update({ ...tenant, updatedAt: new Date().toISOString() })))
      throw new TenantsError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found`);
    await this.publish({ tenantId, change: 'updated' });
  }

  /**
   * Erases the tenant (GDPR Art. 17): its record first (the fence: from then on every writer's
   * atomic step refuses it, ARCHITECTURE.md, Erasure fence), every Redis key of it, then the cold
   * items of its incarnation and of any erased one; then deletes what a write that raced the
   * deletion left, counts what is left and answers with the receipt, which is kept (`erasures`)
   * for the compliance report. A DELETE of an id already erased cleans what is left the same way
   * and answers a receipt; 404 only when nothing of it is left anywhere. A cold store that fails
   * leaves the tenant gone from Redis and answers 503: repeating the DELETE finishes the cold part.
   */
  async delete(tenantId: string): Promise<ErasureReceipt> {
    const found = await this.tenants.find(tenantId);
    // Remembered before the record (which names it) goes: a cold write that lands after the
    // erasure and whose writer fails to remove it is found there by the next DELETE.
    const current = found && this.cold ? await this.partitions.of(tenantId) : null;
    if (current) await this.partitions.rememberErased(tenantId, current);
    let redisKeys = await this.tenants.delete(tenantId);
    if (found) await this.publish({ tenantId, change: 'deleted' });
    const partitions = this.cold ? await this.partitions.erased(tenantId) : [];
    let coldItems = 0;
    if (this.cold) {
      try {
        for (const p of partitions) coldItems += await this.cold.deletePartition(p);
      } catch (err) {
        throw new ColdStoreUnavailableError(
          `Tenant ${tenantId} is deleted from Redis; its cold history could not be deleted yet, the cold store did not answer: repeat the DELETE`,
          err,
        );
      }
    }
    // A write that raced the deletion, or one an earlier erasure left: removed as well.
    redisKeys += await this.tenants.remaining(tenantId, true);
    if (!found && redisKeys === 0 && coldItems === 0)
      throw new TenantsError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found`);
    let remaining = await this.tenants.remaining(tenantId, false);
    let uncounted: unknown = null;
    try {
      for (const p of partitions) remaining += this.cold ? await this.cold.count(p) : 0;
    } catch (err) {
      uncounted = err;
    }
    const receipt: ErasureReceipt = {
      tenantId,
      erasedAt: new Date().toISOString(),
      removed: { redisKeys, coldItems },
      remaining,
      ...(uncounted !== null && { coldUnchecked: true }),
    };
    // Kept either way: the removal happened, and the receipt says what it could not check.
    await this.tenants.saveErasure(receipt);
    if (uncounted !== null) {
      throw coldStoreUnavailable(
        `Tenant ${tenantId} is erased (removed ${redisKeys} Redis keys and ${coldItems} cold items, ${remaining} Redis keys left); what is left of its cold history could not be counted, the cold store did not answer: repeat the DELETE (a 404 then means nothing is left)`,
        uncounted,
      );
    }
    return receipt;
  }

  async issueKey(tenantId: string): Promise<IssuedApiKey> {
    await this.get(tenantId);
    return this.issueKeyFor(tenantId);
  }

  async listKeys(tenantId: string): Promise<Omit<ApiKeyRecord, 'sha256'>[]> {
    await this.get(tenantId);
    return (await this.tenants.listApiKeys(tenantId)).map(({ keyId, createdAt }) => ({ keyId, createdAt }));
  }

  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    await this.get(tenantId);
    if (!(await this.tenants.removeApiKey(tenantId, keyId))) {
      throw new TenantsError('API_KEY_NOT_FOUND', `Tenant ${tenantId} has no API key ${keyId}`);
    }
    this.directory.keysRevoked(tenantId);
    this.changes.announce({ tenantId, change: 'keys_revoked' });
  }

  /** This instance applies the change before answering; the others on the announcement. */
  private async publish(change: TenantChange): Promise<void> {
    await this.directory.sync(change.tenantId);
    this.changes.announce(change);
  }

  private async issueKeyFor(tenantId: string): Promise<IssuedApiKey> {
    const { apiKey, record } = generateApiKey();
    if (!(await this.tenants.addApiKey(tenantId, record)))
      throw new TenantsError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found`);
    return { keyId: record.keyId, apiKey, createdAt: record.createdAt };
  }

  private tierOfPlan(plan: string): Tier {
    // Own properties only: a plan named `constructor` or `__proto__` is not a plan.
    const tier = Object.hasOwn(this.options.planTiers, plan) ? this.options.planTiers[plan] : undefined;
    if (!tier || !isTier(tier)) {
      throw new TenantsError(
        'VALIDATION_FAILED',
        `plan must be one of: ${Object.keys(this.options.planTiers).join(', ')}`,
      );
    }
    return tier;
  }
}

/** Identities given (each list replaced whole, deduplicated) over what the tenant has. */
function identitiesOf(given: Partial<NatsIdentities> | undefined, current: NatsIdentities): NatsIdentities {
  if (!given) return current;
  const list = (v: string[] | undefined, was: string[]) => (v === undefined ? was : [...new Set(v)]);
  return {
    accounts: list(given.accounts, current.accounts),
    users: list(given.users, current.users),
    nkeys: list(given.nkeys, current.nkeys),
  };
}

function identityKeys(ids: NatsIdentities): Set<string> {
  return new Set(natsIdentityPairs(ids).map(([kind, value]) => `${kind} ${value}`));
}
