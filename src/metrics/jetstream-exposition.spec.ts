import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TenantJetStream } from '../jetstream/jetstream.types.js';
import { consumerFigures, streamFigures } from '../../test/support/jetstream-fake.js';
import { addJetStreamSeries, promSeriesKey } from './jetstream-exposition.js';

describe('addJetStreamSeries: names that collide in prom-client', () => {
  it('keeps the worse of two pairs prom-client would file under one key and counts the other', async () => {
    // Consumer `b` on stream `q,stream:r` and consumer `b,stream:q` on stream `r`: distinct pairs.
    const worse = consumerFigures('q,stream:r', 'b', { pending: 900, drain: { state: 'not_draining' } });
    const better = consumerFigures('r', 'b,stream:q', { pending: 5, drain: { state: 'unknown' } });
    expect(promSeriesKey({ stream: worse.stream, consumer: worse.name })).toBe(
      promSeriesKey({ stream: better.stream, consumer: better.name }),
    );
    const js: TenantJetStream = {
      tenantId: 't1',
      polledAt: new Date().toISOString(),
      streams: [streamFigures('r', ['tenant.t1.r'], 1, 1), streamFigures('q,stream:r', ['tenant.t1.q'], 1, 1)],
      consumers: [worse, better],
      omitted: { streams: 0, consumers: 3 },
    };
    const registry = new Registry();
    addJetStreamSeries(registry, js);
    const pending = await registry.getSingleMetric('pulse_jetstream_consumer_pending')!.get();
    expect(pending.values).toHaveLength(1);
    expect(pending.values[0]).toMatchObject({ value: 900, labels: { stream: 'q,stream:r', consumer: 'b' } });
    const omitted = await registry.getSingleMetric('pulse_jetstream_consumers_omitted')!.get();
    expect(omitted.values[0].value).toBe(3 + 1);
  });

  it('prom-client keys series as promSeriesKey does', async () => {
    const js: TenantJetStream = {
      tenantId: 't1',
      polledAt: new Date().toISOString(),
      streams: [],
      consumers: [
        consumerFigures('r', 'b,stream:q', { pending: 5, drain: { state: 'unknown' } }),
        consumerFigures('q,stream:r', 'b', { pending: 9, drain: { state: 'unknown' } }),
      ],
      omitted: { streams: 0, consumers: 0 },
    };
    const registry = new Registry();
    addJetStreamSeries(registry, js);
    const pending = await registry.getSingleMetric('pulse_jetstream_consumer_pending')!.get();
    // The first (worse, as the poll ordered them) is the one exposed.
    expect(pending.values.map((v) => v.value)).toEqual([5]);
  });
});
