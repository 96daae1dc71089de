import { Inject, Injectable } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PresenceStore } from '../heartbeat/presence.store.js';
import { MetricsRepository } from '../metrics/metrics.repository.js';
import { buildRealtimeView, realtimeMinutes } from '../metrics/realtime-view.js';
import { dayOf } from '../redis/redis-keys.js';
import type { RuleMetric } from './rule.js';

/** The current value of every rule metric of a tenant, from the data all instances merged in Redis. */
@Injectable()
export class RuleMetricsReader {
  constructor(
    private readonly metrics: MetricsRepository,
    private readonly presence: PresenceStore,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  async read(tenantId: string, now = Date.now()): Promise<Record<RuleMetric, number>> {
    const [raw, clients] = await Promise.all([
      this.metrics.readRealtime(tenantId, dayOf(now), realtimeMinutes(now), 1),
      this.presence.summary(tenantId),
    ]);
    const view = buildRealtimeView({
      tenantId,
      tier: 'enterprise',
      now,
      lastCompleteSecond: Math.floor(now / 1000) - 1 - Math.ceil(this.options.flushIntervalMs / 1000),
      raw,
      clients: { active: clients.online, total: clients.total },
      openAnomalies: 0,
    });
    return {
      messages_per_second: view.messages.perSecond,
      bytes_per_second: view.bytes.perSecond,
      error_rate: view.errorRate ?? 0,
      latency_p95_ms: view.latencyMs?.p95 ?? 0,
      latency_p99_ms: view.latencyMs?.p99 ?? 0,
      online_clients: clients.online,
      offline_clients: clients.offline,
      unhealthy_clients: clients.unhealthy,
    };
  }
}
