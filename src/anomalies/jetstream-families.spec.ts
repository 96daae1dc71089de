import { describe, expect, it } from 'vitest';
import type { ConsumerFigures, StreamFigures, TenantJetStream } from '../jetstream/jetstream.types.js';
import { consumerFigures, streamFigures } from '../../test/support/jetstream.js';
import { type JetStreamWindow, MAX_JETSTREAM_DRAFTS, type MaxDeliveries } from './jetstream-families.js';
import { EMPTY_FIGURES } from './series-runner.js';
import { closeWindow, initialPipelineState, type PipelineState, pipelineConfig } from './window-pipeline.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 5);
const config = pipelineConfig(MINUTE, 'medium', { warmupWindows: 10, holdDownWindows: 3, stallWindows: 3 });
const figures = EMPTY_FIGURES;

const consumer = (name: string, pending: number, ackFloorSeq: number) =>
  consumerFigures('ORDERS', name, pending, ackFloorSeq);
const stream = (name: string, worst: number | null) => streamFigures(name, `tenant.acme.${name}`, worst);

const view = (i: number, consumers: ConsumerFigures[], streams: StreamFigures[] = []): TenantJetStream => ({
  tenantId: 'acme',
  polledAt: new Date(START + i * MINUTE).toISOString(),
  streams,
  consumers,
  omitted: { streams: 0, consumers: 0 },
});

const storms = (...m: MaxDeliveries[]) => new Map(m.map((x) => [`${x.stream}/${x.consumer}`, x]));

/** Runs windows; returns what opened and resolved per window as `[window, event, type, key detail]`. */
function run(windows: (JetStreamWindow | undefined)[]) {
  let state: PipelineState = initialPipelineState();
  const events: [number, string, string, string][] = [];
  const details: Record<string, unknown>[] = [];
  const summaries: string[] = [];
  windows.forEach((jetstream, i) => {
    const result = closeWindow('acme', state, { at: START + i * MINUTE, figures, series: {}, jetstream }, config);
    state = result.state;
    for (const o of result.opened) {
      events.push([i, 'opened', o.type, String(o.details.consumer ?? o.details.stream)]);
      details.push(o.details);
      summaries.push(o.summary);
    }
    for (const r of result.resolved) events.push([i, 'resolved', r.type, r.id]);
  });
  return { events, details, summaries, state };
}

const none = new Map<string, MaxDeliveries>();

describe('JetStream anomaly families', () => {
  it('consumer_stalled: pending grows for 3 windows with no ack; resolves when it acks again', () => {
    const windows: JetStreamWindow[] = [
      { current: view(0, [consumer('worker', 10, 5), consumer('other', 10, 5)]), maxDeliveries: none },
      { current: view(1, [consumer('worker', 20, 5), consumer('other', 20, 6)]), maxDeliveries: none },
      { current: view(2, [consumer('worker', 30, 5), consumer('other', 30, 7)]), maxDeliveries: none },
      { current: view(3, [consumer('worker', 40, 5), consumer('other', 40, 8)]), maxDeliveries: none },
      { current: view(4, [consumer('worker', 45, 5), consumer('other', 40, 9)]), maxDeliveries: none },
      { current: view(5, [consumer('worker', 30, 20), consumer('other', 40, 10)]), maxDeliveries: none },
    ];
    const { events, details, summaries } = run(windows);
    expect(events.map((e) => e.slice(0, 4))).toEqual([
      [3, 'opened', 'consumer_stalled', 'worker'],
      [5, 'resolved', 'consumer_stalled', expect.stringMatching(/^an_/)],
    ]);
    expect(details[0]).toMatchObject({ stream: 'ORDERS', consumer: 'worker', pending: 40, windows: 3 });
    expect(summaries[0]).toContain('worker');
    expect(summaries[0]).toContain('ORDERS');
  });

  it('a poll seen again is no observation: the run waits and an open stall is held', () => {
    const grow = (i: number, pending: number) => view(i, [consumer('worker', pending, 5)]);
    const same = grow(3, 40);
    const { events } = run([
      { current: grow(0, 10), maxDeliveries: none },
      { current: grow(1, 20), maxDeliveries: none },
      { current: grow(2, 30), maxDeliveries: none },
      { current: same, maxDeliveries: none },
      { current: same, maxDeliveries: none },
      { current: null, maxDeliveries: none },
      { current: view(6, [consumer('worker', 0, 45)]), maxDeliveries: none },
    ]);
    expect(events.map((e) => e.slice(0, 3))).toEqual([
      [3, 'opened', 'consumer_stalled'],
      [6, 'resolved', 'consumer_stalled'],
    ]);
  });

  it('two stalled consumers are two anomalies; consumers the poll no longer lists are forgotten', () => {
    const both = (i: number, p: number) => view(i, [consumer('a', p, 1), consumer('b', p, 1)]);
    const { events, state } = run([0, 1, 2, 3].map((i) => ({ current: both(i, 10 * (i + 1)), maxDeliveries: none })));
    expect(events.map((e) => e.slice(0, 4))).toEqual([
      [3, 'opened', 'consumer_stalled', 'a'],
      [3, 'opened', 'consumer_stalled', 'b'],
    ]);
    expect(Object.keys(state.jetstream!.consumers)).toEqual(['ORDERS/a', 'ORDERS/b']);
    const after = run([
      ...[0, 1, 2, 3].map((i) => ({ current: both(i, 10 * (i + 1)), maxDeliveries: none })),
      { current: view(4, [consumer('a', 50, 1)]), maxDeliveries: none },
    ]);
    expect(Object.keys(after.state.jetstream!.consumers)).toEqual(['ORDERS/a']);
    expect(after.events.filter((e) => e[1] === 'resolved')).toHaveLength(1);
  });

  it('redelivery_storm: max-deliveries advisories for one consumer; resolves after a quiet window', () => {
    const poison = storms({ stream: 'ORDERS', consumer: 'worker', count: 1, streamSeq: 42, deliveries: 5 });
    const { events, details, summaries } = run([
      { current: null, maxDeliveries: none },
      { current: null, maxDeliveries: poison },
      { current: null, maxDeliveries: poison },
      { current: null, maxDeliveries: none },
    ]);
    expect(events.map((e) => e.slice(0, 3))).toEqual([
      [1, 'opened', 'redelivery_storm'],
      [3, 'resolved', 'redelivery_storm'],
    ]);
    expect(details[0]).toMatchObject({ stream: 'ORDERS', consumer: 'worker', maxDeliveries: 1, lastStreamSeq: 42 });
    expect(summaries[0]).toMatch(/worker.*ORDERS.*stream sequence 42/);
  });

  it('a storm below the threshold opens nothing', () => {
    const c = pipelineConfig(MINUTE, 'medium', { minMaxDeliveries: 5 });
    const result = closeWindow(
      'acme',
      initialPipelineState(),
      {
        at: START,
        figures,
        series: {},
        jetstream: {
          current: null,
          maxDeliveries: storms({ stream: 'S', consumer: 'C', count: 4, streamSeq: null, deliveries: null }),
        },
      },
      c,
    );
    expect(result.opened).toEqual([]);
  });

  it('stream_near_limit: opens above 90 %, stays open down to 85 %, resolves below', () => {
    const fills = [0.5, 0.91, 0.87, 0.86, 0.8, 0.89];
    const { events, details, summaries } = run(
      fills.map((f, i) => ({ current: view(i, [], [stream('ORDERS', f), stream('LOGS', null)]), maxDeliveries: none })),
    );
    expect(events.map((e) => e.slice(0, 4))).toEqual([
      [1, 'opened', 'stream_near_limit', 'ORDERS'],
      [4, 'resolved', 'stream_near_limit', expect.stringMatching(/^an_/)],
    ]);
    expect(details[0]).toMatchObject({ stream: 'ORDERS', fill: 0.91, limit: 'bytes', maxBytes: 10_000 });
    expect(summaries[0]).toBe('Stream ORDERS is 91 % full (bytes: 9100 of 10000)');
  });

  it('a family opens at most MAX_JETSTREAM_DRAFTS anomalies in a window', () => {
    const many = Array.from({ length: 40 }, (_, i) => stream(`S${i}`, 0.95));
    const { events } = run([{ current: view(0, [], many), maxDeliveries: none }]);
    expect(events).toHaveLength(MAX_JETSTREAM_DRAFTS);
  });

  it('a window without JetStream leaves the state as it was and costs nothing', () => {
    const { state, events } = run([undefined, undefined]);
    expect(state.jetstream).toBeUndefined();
    expect(events).toEqual([]);
  });
});
