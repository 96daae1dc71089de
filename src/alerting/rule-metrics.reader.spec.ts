import { describe, expect, it } from 'vitest';
import type { PulseOptions } from '../config/pulse-options.js';
import type { JetStreamReader, TenantJetStream } from '../jetstream/jetstream.types.js';
import type { RealtimeReader } from '../metrics/realtime.reader.js';
import { isStaleView, RuleMetricsReader } from './rule-metrics.reader.js';

const POLL_MS = 15_000;
const NOW = Date.parse('2026-01-01T01:00:00Z');

const view = (polledAt: string) =>
  ({
    tenantId: 't',
    polledAt,
    streams: [],
    consumers: [{ stream: 'ORDERS', name: 'worker', pending: 42, ackPending: 3, redelivered: 1 }],
    omitted: { streams: 0, consumers: 0 },
  }) as unknown as TenantJetStream;

function reader(current: TenantJetStream): RuleMetricsReader {
  const realtime = {
    read: () =>
      Promise.resolve({
        view: { messages: { perSecond: 0 }, bytes: { perSecond: 0 }, custom: [] },
        presence: { online: 0, offline: 0, unhealthy: 0 },
      }),
  } as unknown as RealtimeReader;
  const jetstream = { current: () => Promise.resolve(current) } as unknown as JetStreamReader;
  const options = { jetstream: { enabled: true, pollIntervalMs: POLL_MS } } as unknown as PulseOptions;
  return new RuleMetricsReader(realtime, options, jetstream);
}

describe('RuleMetricsReader: JetStream values from a stale poll', () => {
  const metric = 'jetstream:ORDERS/worker:pending';

  it('reads a view polled within 3 poll intervals', async () => {
    const fresh = new Date(NOW - 3 * POLL_MS).toISOString();
    expect(isStaleView(view(fresh), NOW, POLL_MS)).toBe(false);
    expect((await reader(view(fresh)).read('t', NOW, [metric]))[metric as never]).toBe(42);
  });

  it('ignores a view older than 3 poll intervals: the rule waits as for a missing value', async () => {
    const stale = new Date(NOW - 3 * POLL_MS - 1).toISOString();
    expect(isStaleView(view(stale), NOW, POLL_MS)).toBe(true);
    const values = await reader(view(stale)).read('t', NOW, [metric]);
    expect(metric in values).toBe(false);
    expect(values.messages_per_second).toBe(0);
  });
});
