import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isValidId } from '../common/ids.js';
import { entitled, type Feature } from '../common/entitlements.js';
import { LOWEST_TIER, type Tier } from '../common/tiers.js';
import { DEFAULT_RETENTION_DAYS, type Retention, retentionOfDays } from '../common/retention.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { TENANT_CHANGES_SUBJECT, type Tenant, type TenantChange } from './tenant.js';
import { TenantRepository } from './tenant.repository.js';
import { NamedInterval } from '../jobs/named-interval.js';

export interface TenantListener {
  /** The tenant became active (or changed while active). */
  activated(tenant: Tenant): void;
  /** The tenant was disabled or deleted. */
  deactivated(tenantId: string): void;
  /** One of the tenant's API keys was revoked. */
  keysRevoked?(tenantId: string): void;
}

const RECONCILE_INTERVAL = 'pulse-tenant-reconcile';

/**
 * This instance's view of the active tenants, kept in memory so that the message tap and the
 * heartbeat path never ask Redis whether a tenant exists. Changes arrive as announcements on
 * NATS (instant; every instance, the writer included, re-reads the tenant) and by a periodic
 * reconcile against Redis that catches an announcement core NATS lost.
 */
@Injectable()
export class TenantDirectory implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TenantDirectory.name);
  private readonly active = new Map<string, Tenant>();
  /** Tenants this instance has seen disabled or deleted (so auth need not ask Redis again). */
  private readonly inactive = new Set<string>();
  private readonly listeners: TenantListener[] = [];
  private changes: Subscription | null = null;
  private stopped = false;

  private readonly reconcileTimer: NamedInterval;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly tenants: TenantRepository,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.reconcileTimer = new NamedInterval(this.scheduler, RECONCILE_INTERVAL);
  }

  subscribe(listener: TenantListener): void {
    this.listeners.push(listener);
    for (const tenant of this.active.values()) listener.activated(tenant);
  }

  /** The tenant if it is active, else undefined. */
  get(tenantId: string): Tenant | undefined {
    return this.active.get(tenantId);
  }

  /**
   * How long the tenant's data is kept: its own `retentionDays`, else its tier's (RETENTION_DAYS_*);
   * a tenant not active now gets the lowest tier's.
   */
  retentionOf(tenantId: string): Retention {
    const tenant = this.active.get(tenantId);
    const tier = tenant?.tier ?? LOWEST_TIER;
    return retentionOfDays(tier, tenant?.retentionDays ?? this.tierRetentionDays(tier));
  }

  /** A tier's configured days of history. */
  tierRetentionDays(tier: Tier): number {
    return this.options.retentionDays?.[tier] ?? DEFAULT_RETENTION_DAYS[tier];
  }

  /** True when the tenant is known to be disabled or deleted. */
  isInactive(tenantId: string): boolean {
    return this.inactive.has(tenantId);
  }

  /** The active tenants, or those whose tier has `feature`. */
  list(feature?: Feature): Tenant[] {
    const all = [...this.active.values()];
    return feature === undefined ? all : all.filter((t) => entitled(t.tier, feature));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.changes = this.nats.subscribe(TENANT_CHANGES_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        let change: TenantChange;
        try {
          change = msg.json<TenantChange>();
        } catch {
          return;
        }
        if (!isValidId(change?.tenantId)) return;
        if (change.change === 'keys_revoked') this.keysRevoked(change.tenantId);
        else void this.sync(change.tenantId);
      },
    });
    await this.reconcile();
    this.reconcileTimer.start(this.options.tenantSyncIntervalMs, () => void this.reconcile());
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    this.reconcileTimer.stop();
    if (this.changes && !this.nats.isClosed()) this.changes.unsubscribe();
  }

  /** Tells the listeners that an API key of the tenant was revoked. */
  keysRevoked(tenantId: string): void {
    for (const l of this.listeners) l.keysRevoked?.(tenantId);
  }

  /** Brings the active set in line with the registry. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    try {
      const tenants = await this.tenants.findMany(await this.tenants.listIds());
      const seen = new Set<string>();
      for (const tenant of tenants) {
        if (tenant.status !== 'active') {
          this.apply(tenant.id, null);
          continue;
        }
        seen.add(tenant.id);
        this.apply(tenant.id, tenant);
      }
      for (const id of [...this.active.keys()]) {
        if (seen.has(id)) continue;
        // Not in the index: deleted, or the index was lost with a master that came back empty
        // while the tenant's own record (another slot) survived. Only the record decides.
        const tenant = await this.tenants.find(id);
        if (tenant) await this.restoreIndexes(id);
        this.apply(id, tenant?.status === 'active' ? tenant : null);
      }
    } catch (err) {
      this.logger.warn(`tenant reconcile failed, will retry: ${(err as Error).message}`);
    }
  }

  /**
   * After Redis lost data: every tenant this instance knows of, or the index lists, whose record
   * survived gets its index entries back (registry membership, API-key lookups).
   */
  async repairIndexes(): Promise<void> {
    const ids = new Set([...this.active.keys(), ...this.inactive, ...(await this.tenants.listIds().catch(() => []))]);
    for (const id of ids) {
      try {
        if (await this.tenants.find(id)) await this.restoreIndexes(id);
      } catch (err) {
        this.logger.warn(`index repair of tenant ${id} failed: ${(err as Error).message}`);
      }
    }
  }

  private async restoreIndexes(tenantId: string): Promise<void> {
    const restored = await this.tenants.reindex(tenantId);
    if (restored > 0)
      this.logger.warn(
        `tenant ${tenantId}: ${restored} lost index entr${restored === 1 ? 'y' : 'ies'} restored from its record`,
      );
  }

  /**
   * Re-reads one tenant and tells the listeners. Resolves once the NATS server has processed the
   * resulting (un)subscriptions, so traffic published after an admin call returns is counted.
   */
  async sync(tenantId: string): Promise<void> {
    if (this.stopped) return;
    try {
      const tenant = await this.tenants.find(tenantId);
      this.apply(tenantId, tenant?.status === 'active' ? tenant : null);
      if (!this.nats.isClosed()) {
        await Promise.race([this.nats.flush(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      }
    } catch (err) {
      this.logger.warn(`tenant ${tenantId} sync failed, the reconcile will retry: ${(err as Error).message}`);
    }
  }

  private apply(tenantId: string, tenant: Tenant | null): void {
    if (this.stopped) return;
    const known = this.active.get(tenantId);
    if (tenant) {
      this.inactive.delete(tenantId);
      this.active.set(tenantId, tenant);
      if (!known || known.tier !== tenant.tier || known.updatedAt !== tenant.updatedAt) {
        for (const l of this.listeners) l.activated(tenant);
      }
    } else {
      this.inactive.add(tenantId);
      if (known) {
        this.active.delete(tenantId);
        for (const l of this.listeners) l.deactivated(tenantId);
      }
    }
  }
}
