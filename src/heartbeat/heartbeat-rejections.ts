import { Injectable, Logger } from '@nestjs/common';
import type { RejectionReason } from './heartbeat-parser.js';

const LOG_EVERY_MS = 10_000;

/**
 * Counts rejected heartbeats by reason, on this instance (operator view) and per tenant for
 * heartbeats on a known tenant's subject (written to Redis in batches by the PresenceWriter).
 * Logging is rate-limited: one line per reason per 10 s with the number suppressed, so a flood of
 * garbage cannot fill the disk. Made-up tenant ids create no per-tenant state.
 */
@Injectable()
export class HeartbeatRejections {
  private readonly logger = new Logger('HeartbeatRejections');
  private readonly totals = new Map<RejectionReason, number>();
  /** tenantId → reason → count not yet written to Redis. */
  private pendingByTenant = new Map<string, Map<RejectionReason, number>>();
  private readonly lastLogAt = new Map<RejectionReason, number>();
  private readonly suppressed = new Map<RejectionReason, number>();

  record(reason: RejectionReason, detail: string, subject: string, knownTenantId?: string): void {
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + 1);
    if (knownTenantId) {
      let byReason = this.pendingByTenant.get(knownTenantId);
      if (!byReason) {
        byReason = new Map();
        this.pendingByTenant.set(knownTenantId, byReason);
      }
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    const now = Date.now();
    if (now - (this.lastLogAt.get(reason) ?? 0) >= LOG_EVERY_MS) {
      const skipped = this.suppressed.get(reason) ?? 0;
      this.lastLogAt.set(reason, now);
      this.suppressed.set(reason, 0);
      // The subject is cut: it is attacker-controlled text.
      this.logger.warn(
        `heartbeat rejected (${reason}) on ${subject.slice(0, 160)}: ${detail.slice(0, 300)}` +
          (skipped > 0 ? ` (${skipped} more ${reason} rejections not logged)` : ''),
      );
    } else {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
    }
  }

  /** This instance's counts since start, by reason. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  /** Whether per-tenant counts wait to be written. */
  get hasPending(): boolean {
    return this.pendingByTenant.size > 0;
  }

  /** Hands over the per-tenant counts gathered since the last call. */
  takePending(): Map<string, Map<RejectionReason, number>> {
    const pending = this.pendingByTenant;
    this.pendingByTenant = new Map();
    return pending;
  }

  /** Puts counts back that could not be written. */
  restore(pending: Map<string, Map<RejectionReason, number>>): void {
    for (const [tenantId, byReason] of pending) {
      for (const [reason, n] of byReason) {
        let target = this.pendingByTenant.get(tenantId);
        if (!target) {
          target = new Map();
          this.pendingByTenant.set(tenantId, target);
        }
        target.set(reason, (target.get(reason) ?? 0) + n);
      }
    }
  }
}
