import { Injectable } from '@nestjs/common';
import { HIGHEST_TIER } from '../common/tiers.js';
import { RealtimeReader } from '../metrics/realtime.reader.js';
import { CUSTOM_RULE_PREFIX, type RuleMetric } from './rule.js';

/** The current value of every rule metric of a tenant, read the way the realtime API reads it. */
@Injectable()
export class RuleMetricsReader {
  constructor(private readonly realtime: RealtimeReader) {}

  /** Values by metric name; a custom metric (`custom:<id>`) by its last complete minute, 0 when empty. */
  async read(tenantId: string, now = Date.now()): Promise<Partial<Record<RuleMetric, number>>> {
    const { view, presence } = await this.realtime.read(tenantId, HIGHEST_TIER, { now, topSubjects: 1 });
    const custom = Object.fromEntries(
      (view.custom ?? []).map((c) => [`${CUSTOM_RULE_PREFIX}${c.id}`, c.lastMinute ?? 0]),
    );
    return {
      ...custom,
      messages_per_second: view.messages.perSecond,
      bytes_per_second: view.bytes.perSecond,
      error_rate: view.errorRate ?? 0,
      latency_p95_ms: view.latencyMs?.p95 ?? 0,
      latency_p99_ms: view.latencyMs?.p99 ?? 0,
      online_clients: presence.online,
      offline_clients: presence.offline,
      unhealthy_clients: presence.unhealthy,
    };
  }
}
