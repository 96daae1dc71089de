import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The JetStream advisory counts' Redis keys (issue #33): one hash per tenant and anomaly window,
 * under the tenant's hash tag (`tenantScope`), so the erasure's scan removes them and one Lua
 * call holds the tenant's record (the fence) and the hash in one Cluster slot.
 */
export class AdvisoryKeys {
  /** The keys outside the advisories that their writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /**
   * HASH per anomaly window (epoch s of its start): `k:<kind>` advisories of each kind;
   * `md:<stream>/<consumer>` max-deliveries advisories per consumer
   * and `mds:`/`mdd:<stream>/<consumer>` the last max-deliveries message's stream sequence and
   * deliveries (at most MAX_CONSUMER_FIELDS such fields; `over` counts what found no room).
   */
  window(tenantId: string, windowEpoch: number): string {
    return `${this.shared.tenantScope(tenantId)}jsadv:${windowEpoch}`;
  }
}
