import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The JetStream poll's Redis keys (ARCHITECTURE.md, JetStream). A tenant's keys are under its
 * scope (`{t:<id>}`: one Cluster slot, removed by the erasure with the rest); the deployment's
 * (owners, status, the operator's streams) under the prefix.
 */
export class JetStreamKeys {
  /** The keys outside JetStream that its writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /** STRING JSON TenantJetStream: the tenant's streams and kept consumers at the last poll. */
  current(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}js:cur`;
  }

  /** HASH `<stream>/<consumer>` → `pending ackFloorSeq atMs maxMinute maxHour` of the consumers the last poll saw (rates, period maxima). */
  samples(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}js:prev`;
  }

  /** HASH per minute or hour (epoch s): `s:<stream>` → `messages bytes fill`, `c:<stream>/<consumer>` → `pending ackPending redelivered maxPending`. */
  history(tenantId: string, resolution: 'minute' | 'hour', epoch: number): string {
    return `${this.shared.tenantScope(tenantId)}js:${resolution === 'minute' ? 'min' : 'hour'}:${epoch}`;
  }

  /** STRING hour epoch (s): the last hour the archiver moved to the cold store (JetStreamArchive). */
  archived(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}js:arch`;
  }

  /**
   * HASH stream → owning tenant id, from the last poll (advisories' attribution). The
   * deployment's JetStream keys share the hash tag `{js}`: the poll writes them in one MULTI,
   * which Redis Cluster takes only within one slot.
   */
  owners(): string {
    return this.shared.jetStreamOwners();
  }

  /** STRING JSON JetStreamStatus of the last poll (any instance reads it). */
  status(): string {
    return `${this.prefix}:{js}:status`;
  }

  /** STRING JSON { streams: StreamFigures[], omitted }: the operator's streams (no tenant's) at the last poll. */
  unowned(): string {
    return `${this.prefix}:{js}:unowned`;
  }
}
