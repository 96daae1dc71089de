import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The limit watch's Redis keys (issue #34): one hash per tenant under the tenant's hash tag
 * (`tenantScope`), so the erasure's scan removes it with the tenant's other keys, and one Lua call
 * holds it and the tenant's record (the fence) in one Cluster slot.
 */
export class LimitWatchKeys {
  /** The keys outside the watch that its writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /**
   * HASH `<limit>` → JSON `{ level, opened: { warning?, critical? }, max }` (the level of the last
   * pass, when each open crossing opened, in epoch ms), `v` the version (compare-and-set) and
   * `outbox` the JSON list of crossings not yet handed to every listener.
   */
  state(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}limitwatch`;
  }
}
