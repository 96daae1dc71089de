/** Messages and the bytes the NATS server counts for them (headers + payload). */
export interface Delivered {
  messages: number;
  bytes: number;
}

/** Nothing delivered: what a write without deliveries carries. */
export const NOTHING_DELIVERED: Readonly<Delivered> = Object.freeze({ messages: 0, bytes: 0 });

/**
 * Heartbeats the NATS server delivered to this instance, per known tenant, not yet written to
 * Redis (`pd_m`/`pd_b`): every one on a known tenant's subject, accepted or rejected. Counting one
 * is a Map lookup and two additions; the PresenceWriter takes them in batches. Only known tenants
 * have an entry, so made-up ids create no state.
 */
export class HeartbeatDeliveries {
  private pending = new Map<string, Delivered>();

  add(tenantId: string, bytes: number): void {
    const counts = this.pending.get(tenantId);
    if (counts) {
      counts.messages++;
      counts.bytes += bytes;
    } else {
      this.pending.set(tenantId, { messages: 1, bytes });
    }
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** Hands over what was counted since the last call. */
  take(): Map<string, Delivered> {
    const pending = this.pending;
    this.pending = new Map();
    return pending;
  }

  /** Puts back counts that could not be written. */
  restore(tenantId: string, delivered: Delivered): void {
    if (delivered.messages === 0 && delivered.bytes === 0) return;
    const counts = this.pending.get(tenantId);
    if (counts) {
      counts.messages += delivered.messages;
      counts.bytes += delivered.bytes;
    } else {
      this.pending.set(tenantId, { ...delivered });
    }
  }
}
