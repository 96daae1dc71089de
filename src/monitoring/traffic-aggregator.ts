import { Injectable } from '@nestjs/common';
import type { Msg } from '@nats-io/transport-node';
import { TenantTraffic } from './tenant-traffic.js';
import type { TenantDelta } from './tenant-delta.js';

export interface TapCounters {
  /** Messages counted since this instance started. */
  messages: number;
  /** Messages whose processing threw (counted as rejected, the pipeline carried on). */
  rejected: number;
}

/**
 * In-memory counters of every subscribed tenant. The message callback of a tenant's subscription
 * holds that tenant's TenantTraffic directly, so the hot path does no lookup by tenant id.
 */
@Injectable()
export class TrafficAggregator {
  private readonly tenants = new Map<string, TenantTraffic>();
  /** Tenants no longer subscribed whose last window still has to be drained. */
  private readonly retired = new Map<string, TenantTraffic>();
  private readonly counters: TapCounters = { messages: 0, rejected: 0 };
  private subjectCapacity = 1000;

  configure(subjectCapacity: number): void {
    this.subjectCapacity = subjectCapacity;
  }

  /** A callback for the tenant's subscription; creates the tenant's counters if needed. */
  messageHandler(tenantId: string): (err: Error | null, msg: Msg) => void {
    let traffic = this.tenants.get(tenantId) ?? this.retired.get(tenantId);
    if (!traffic) traffic = new TenantTraffic(tenantId, this.subjectCapacity);
    this.retired.delete(tenantId);
    this.tenants.set(tenantId, traffic);
    const counters = this.counters;
    return (err, msg) => {
      if (err) return;
      try {
        traffic.record(msg, Date.now());
        counters.messages++;
      } catch {
        counters.rejected++;
      }
    };
  }

  /** The tenant's subscription ended; its counters go after the next drain. */
  release(tenantId: string): void {
    const traffic = this.tenants.get(tenantId);
    if (!traffic) return;
    this.tenants.delete(tenantId);
    this.retired.set(tenantId, traffic);
  }

  /** Takes every tenant's window; the counters start again from zero. */
  drain(): TenantDelta[] {
    const deltas: TenantDelta[] = [];
    for (const traffic of this.tenants.values()) {
      const delta = traffic.take();
      if (delta) deltas.push(delta);
    }
    for (const traffic of this.retired.values()) {
      const delta = traffic.take();
      if (delta) deltas.push(delta);
    }
    this.retired.clear();
    return deltas;
  }

  stats(): TapCounters & { tenants: number } {
    return { ...this.counters, tenants: this.tenants.size };
  }
}
