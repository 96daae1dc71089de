import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The usage job's Redis keys (issue #34), under the tenant's hash tag (`tenantScope`), so the
 * erasure's scan removes them and one Lua call holds the tenant's record (the fence), the claim
 * and the minute hash in one Cluster slot. The figures themselves go into the history's minute
 * hash (HistoryKeys.minute; fields in counter-schema.ts).
 */
export class UsageKeys {
  /** The keys outside usage that its writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /**
   * STRING: the last minute (epoch s) whose connection-minutes and JetStream byte-minutes the usage
   * job added for the tenant: its claim, so that a minute is counted once whatever the instances
   * and passes.
   */
  minuteClaim(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}usage:min`;
  }
}
