import { Injectable } from '@nestjs/common';
import type { Msg } from '@nats-io/transport-node';
import { MAX_SAMPLING } from '../common/sampling.js';
import type { CustomMetricSet } from './custom/custom-metric-set.js';
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
  /** Tenant → its `sampling` setting (0 automatic, 1 never, N one in N). */
  private readonly samplingOf = new Map<string, number>();
  /** Tenant → its custom metrics, compiled (absent: none). */
  private readonly customOf = new Map<string, CustomMetricSet>();
  private autoRate = 0;
  private windowSeconds = 1;

  /**
   * `autoRate`: a tenant whose messages on this instance exceed this many per second has its
   * statistics sampled (one in ceil(rate / autoRate)) from the next window on; 0 never samples
   * automatically. `windowMs`: the flush interval, over which the rate is taken.
   */
  configure(
    subjectCapacity: number,
    sampling: { autoRate: number; windowMs: number } = { autoRate: 0, windowMs: 1000 },
  ): void {
    this.subjectCapacity = subjectCapacity;
    this.autoRate = sampling.autoRate;
    this.windowSeconds = Math.max(0.001, sampling.windowMs / 1000);
  }

  /** The tenant's custom metrics from now on (null or empty: none). */
  setCustomMetrics(tenantId: string, set: CustomMetricSet | null): void {
    if (set && set.size > 0) this.customOf.set(tenantId, set);
    else this.customOf.delete(tenantId);
    this.tenants.get(tenantId)?.setCustomMetrics(set);
  }

  /** How many custom metrics this instance evaluates for the tenant. */
  customMetricCount(tenantId: string): number {
    return this.customOf.get(tenantId)?.size ?? 0;
  }

  /** The tenant's setting: 0 automatic, 1 every message, N ≥ 2 one message in N. */
  setSampling(tenantId: string, setting: number): void {
    this.samplingOf.set(tenantId, setting);
    const traffic = this.tenants.get(tenantId);
    if (traffic) this.applyFixedSampling(traffic);
  }

  /** A tenant set to a fixed sampling gets it at once; automatic ones are set at each drain. */
  private applyFixedSampling(traffic: TenantTraffic): void {
    const setting = this.samplingOf.get(traffic.tenantId) ?? 0;
    if (setting >= 1) traffic.setSampling(setting);
  }

  /** The sampling a tenant's next window gets: its setting, or by its rate when automatic. */
  private nextSampling(tenantId: string, windowMessages: number): number {
    const setting = this.samplingOf.get(tenantId) ?? 0;
    if (setting >= 1) return setting;
    if (this.autoRate <= 0) return 1;
    const rate = windowMessages / this.windowSeconds;
    return rate > this.autoRate ? Math.min(MAX_SAMPLING, Math.ceil(rate / this.autoRate)) : 1;
  }

  /** A callback for the tenant's subscription; creates the tenant's counters if needed. */
  messageHandler(tenantId: string): (err: Error | null, msg: Msg) => void {
    let traffic = this.tenants.get(tenantId) ?? this.retired.get(tenantId);
    if (!traffic) {
      traffic = new TenantTraffic(tenantId, this.subjectCapacity);
      this.applyFixedSampling(traffic);
      traffic.setCustomMetrics(this.customOf.get(tenantId) ?? null);
    }
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
    this.samplingOf.delete(tenantId);
    this.customOf.delete(tenantId);
    this.retired.set(tenantId, traffic);
  }

  /** Takes every tenant's window; the counters start again from zero. */
  drain(): TenantDelta[] {
    const deltas: TenantDelta[] = [];
    for (const traffic of this.tenants.values()) {
      const next = this.nextSampling(traffic.tenantId, traffic.windowMessages);
      const delta = traffic.take();
      if (delta) deltas.push(delta);
      if (next !== traffic.sampling) traffic.setSampling(next);
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
