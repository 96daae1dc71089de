import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { tenantShard } from '../common/rendezvous.js';
import { ONE_SHARD, PULSE_OPTIONS, type PulseOptions, type ShardOptions } from '../config/pulse-options.js';
import type { Tenant } from './tenant.js';
import { TenantDirectory, type TenantListener } from './tenant-directory.js';

/**
 * This instance's share of the tenants (PULSE_SHARDS, README, Tenant shards). With one shard (the
 * default) it owns every tenant. With S shards it owns the tenants that rendezvous hashing of
 * their ids over S gives its shard (`common/rendezvous.ts`): the message tap and the heartbeat
 * subscriber subscribe only those, in the deployment's one queue group. Every instance still
 * knows every tenant (TenantDirectory: the API, auth and the locked jobs serve them all).
 */
@Injectable()
export class TenantShards implements OnModuleInit, OnApplicationBootstrap, TenantListener {
  private readonly logger = new Logger(TenantShards.name);
  private readonly shard: ShardOptions;
  /** The active tenants this instance's shard owns. */
  private readonly owned = new Set<string>();

  constructor(
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly directory: TenantDirectory,
  ) {
    this.shard = options.shard ?? ONE_SHARD;
  }

  /** The deployment's shard count. */
  get count(): number {
    return this.shard.count;
  }

  /** This instance's shard, 0 to count - 1. */
  get index(): number {
    return this.shard.index;
  }

  /** True when the deployment has more than one shard: subscriptions are per tenant and owned only. */
  get sharded(): boolean {
    return this.shard.count > 1;
  }

  /** Whether this instance's shard owns the tenant (one shard owns all). */
  owns(tenantId: string): boolean {
    return tenantShard(tenantId, this.shard.count) === this.shard.index;
  }

  /** Active tenants this instance's shard owns now. */
  ownedCount(): number {
    return this.owned.size;
  }

  onModuleInit(): void {
    this.directory.subscribe(this);
  }

  /** After the directory's first reconcile (it is a dependency, so its hook ran first): the assignment. */
  onApplicationBootstrap(): void {
    const { count, index, ordinal } = this.shard;
    const active = this.directory.list().length;
    if (count === 1) {
      this.logger.log(`one shard (PULSE_SHARDS=1): this instance serves all ${active} active tenant(s)`);
      return;
    }
    const from = ordinal === undefined ? 'PULSE_SHARD' : `PULSE_INSTANCE_ORDINAL ${ordinal} mod ${count}`;
    this.logger.log(`shard ${index} of ${count} (${from}): owns ${this.owned.size} of ${active} active tenant(s)`);
  }

  activated(tenant: Tenant): void {
    if (this.owns(tenant.id)) this.owned.add(tenant.id);
  }

  deactivated(tenantId: string): void {
    this.owned.delete(tenantId);
  }
}
