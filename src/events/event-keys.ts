import { RedisKeys } from '../redis/redis-keys.js';

/**
 * The webhook events' Redis keys (issue #38): every one of a tenant's under its hash tag
 * (`tenantScope`), so the erasure's scan removes them with the tenant's other keys and one Lua call
 * holds them and the tenant's record (the fence) in one Cluster slot; `due` is the one global key.
 */
export class EventKeys {
  /** The keys outside the events that their writes name too (the tenant record: the erasure's fence). */
  readonly shared: RedisKeys;

  constructor(readonly prefix: string) {
    this.shared = new RedisKeys(prefix);
  }

  /**
   * STREAM of the tenant's events (fields `t` type, `c` client id or empty, `a` when, `s` sequence,
   * `d` data JSON), appended only while it has a subscription; trimmed to EVENTS_BACKLOG_MAX
   * entries and to its tier's event retention. The entry id is the event's id.
   */
  stream(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}events`;
  }

  /** STRING the sequence of the tenant's last event (one more per event: a gap is what was trimmed). */
  sequence(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:seq`;
  }

  /** ZSET of the events appended once only (`anomaly:<id>:<event>`, `limit:<crossing id>:<event>`) → when (ms); the newest 1,000. */
  once(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:once`;
  }

  /**
   * STRING one appended chunk of events (its token, fixed when the chunk was formed): a chunk
   * sent again after a call that timed out but ran is not appended twice. PX
   * 10 minutes (a retry comes at the next flush once Redis answers).
   */
  chunk(tenantId: string, token: string): string {
    return `${this.shared.tenantScope(tenantId)}events:chunk:${token}`;
  }

  /** HASH subscription id → JSON subscription (its signing secret included; never shown again). */
  subscriptions(tenantId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:subs`;
  }

  /**
   * HASH one subscription's delivery state: `cursor` (the last event delivered, a stream id),
   * `seq` (its sequence), `failures` (consecutive), `retryAt` (ms), `paused` (JSON notice),
   * `delivered`, `dropped` (events trimmed before it took them), `lastError`; `replayCursor` and
   * `replaySeq` while a replay waits for the batch in flight (applied when the lease is next taken).
   */
  cursor(tenantId: string, subscriptionId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:sub:${subscriptionId}`;
  }

  /** STRING the token of the instance delivering the subscription's batch now (PX: one attempt and a margin). */
  lease(tenantId: string, subscriptionId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:lease:${subscriptionId}`;
  }

  /** STRING set by a replay (PX: the replay interval): a second replay before it expires is a 429. */
  replayed(tenantId: string, subscriptionId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:replayed:${subscriptionId}`;
  }

  /** LIST the subscription's last deliveries (JSON: status, latency, events), newest first. */
  log(tenantId: string, subscriptionId: string): string {
    return `${this.shared.tenantScope(tenantId)}events:log:${subscriptionId}`;
  }

  /** ZSET tenant id → the earliest time (ms) one of its subscriptions may have events to send (a hint). */
  due(): string {
    return `${this.prefix}:events:due`;
  }
}
