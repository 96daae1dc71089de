import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The Redis keys of what the NATS server counts per tenant (issue #34; ARCHITECTURE.md, NATS
 * server events). A tenant's keys are under its scope (`{t:<id>}`: one Cluster slot with its
 * record, the history's counters and the fence; removed by the erasure with the rest).
 */
export class ServerUsageKeys {
  /** The keys outside these that the usage writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /**
   * STRING: the last figures counted of one source of cumulative server counters, `in_msgs in_bytes
   * out_msgs out_bytes` (a connection `<server id>:<cid>`, an account on a server
   * `<account>@<server id>~<natsAccountSince>`, see accountSource), or `x`: a closed connection whose final counts were counted (a tombstone).
   */
  baseline(tenantId: string, source: string): string {
    return `${this.shared.tenantScope(tenantId)}svb:${source}`;
  }

  /** STRING JSON ServerSnapshot: the tenant at the last usage poll. */
  snapshot(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}sv:snap`;
  }

  /** STRING epoch ms of the last usage poll (any instance's). */
  polled(): string {
    return `${this.prefix}:sv:polled`;
  }
}
