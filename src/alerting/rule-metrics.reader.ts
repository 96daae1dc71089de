import { Inject, Injectable, Optional } from '@nestjs/common';
import { HIGHEST_TIER } from '../common/tiers.js';
import { DEFAULT_JETSTREAM, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import {
  consumerKey,
  JETSTREAM_READER,
  type JetStreamReader,
  type TenantJetStream,
} from '../jetstream/jetstream.types.js';
import { RealtimeReader } from '../metrics/realtime.reader.js';
import { CUSTOM_RULE_PREFIX, type JetStreamMetric, parseJetStreamMetric, type RuleMetric } from './rule.js';

/**
 * The value of a JetStream rule metric in the tenant's last poll; undefined when the stream or
 * consumer is not in it (deleted, or beyond the poller's bounds) or a stream sets no limit (`fill`).
 */
export function jetstreamValue(view: TenantJetStream, m: JetStreamMetric): number | undefined {
  if (m.consumer === null) {
    const s = view.streams.find((x) => x.name === m.stream);
    if (!s) return undefined;
    if (m.field === 'fill') return s.fill.worst ?? undefined;
    return m.field === 'messages' ? s.messages : m.field === 'bytes' ? s.bytes : undefined;
  }
  const key = consumerKey(m.stream, m.consumer);
  const c = view.consumers.find((x) => consumerKey(x.stream, x.name) === key);
  if (!c) return undefined;
  return m.field === 'pending'
    ? c.pending
    : m.field === 'ackPending'
      ? c.ackPending
      : m.field === 'redelivered'
        ? c.redelivered
        : undefined;
}

/** A view older than this many poll intervals is stale: rules wait as for a missing value. */
export const STALE_AFTER_POLLS = 3;

/** True when the view's poll is older than STALE_AFTER_POLLS poll intervals at `nowMs` (polls failing). */
export function isStaleView(view: TenantJetStream, nowMs: number, pollIntervalMs: number): boolean {
  const polledAt = Date.parse(view.polledAt);
  return !Number.isFinite(polledAt) || nowMs - polledAt > STALE_AFTER_POLLS * pollIntervalMs;
}

/** The current value of every rule metric of a tenant, read the way the realtime API reads it. */
@Injectable()
export class RuleMetricsReader {
  private readonly pollIntervalMs: number;

  constructor(
    private readonly realtime: RealtimeReader,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    @Optional() @Inject(JETSTREAM_READER) private readonly jetstream?: JetStreamReader,
  ) {
    this.pollIntervalMs = (options.jetstream ?? DEFAULT_JETSTREAM).pollIntervalMs;
  }

  /**
   * Values by metric name; a custom metric (`custom:<id>`) by its last complete minute, 0 when
   * empty. JetStream metrics (`jetstream:…`) are read, from the last poll, only when `wanted`
   * names some: a tenant whose rules name none costs no JetStream read. A view older than
   * STALE_AFTER_POLLS poll intervals (polls failing) gives no values: the rule waits.
   */
  async read(
    tenantId: string,
    now = Date.now(),
    wanted: readonly string[] = [],
  ): Promise<Partial<Record<RuleMetric, number>>> {
    const { view, presence } = await this.realtime.read(tenantId, HIGHEST_TIER, { now, topSubjects: 1 });
    const custom = Object.fromEntries(
      (view.custom ?? []).map((c) => [`${CUSTOM_RULE_PREFIX}${c.id}`, c.lastMinute ?? 0]),
    );
    return {
      ...custom,
      ...(await this.jetstreamValues(tenantId, wanted, now)),
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

  private async jetstreamValues(
    tenantId: string,
    wanted: readonly string[],
    now: number,
  ): Promise<Record<string, number>> {
    const metrics = wanted.flatMap((name) => {
      const m = parseJetStreamMetric(name);
      return m ? [{ name, m }] : [];
    });
    if (metrics.length === 0 || !this.jetstream) return {};
    const view = await this.jetstream.current(tenantId);
    if (!view || isStaleView(view, now, this.pollIntervalMs)) return {};
    const values: [string, number][] = [];
    for (const { name, m } of metrics) {
      const value = jetstreamValue(view, m);
      if (value !== undefined) values.push([name, value]);
    }
    return Object.fromEntries(values);
  }
}
