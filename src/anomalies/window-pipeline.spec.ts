import { describe, expect, it } from 'vitest';
import type { WindowFigures } from './detectors.js';
import {
  closeWindow,
  initialPipelineState,
  isStretched,
  type PipelineState,
  pipelineConfig,
  PULSE_SERIES_RESOLUTION,
} from './window-pipeline.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 5);
const config = pipelineConfig(
  MINUTE,
  'medium',
  { warmupWindows: 10, holdDownWindows: 3 },
  'all',
  PULSE_SERIES_RESOLUTION,
);

function noise(seed = 7) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

const figures = (messages: number, over: Partial<WindowFigures> = {}): WindowFigures => ({
  messages,
  sent: 0,
  received: 0,
  errors: 0,
  rejected: 0,
  newDistinct: 0,
  patterns: [],
  offline: {},
  ...over,
});

/** Windows of [messages, bytes, errorRate?]; returns the anomalies opened per window. */
function run(windows: { messages: number; bytes?: number; errors?: number; sample?: number }[], tenantId = 'acme') {
  let state: PipelineState = initialPipelineState();
  const opened: { window: number; type: string; id: string; details: Record<string, unknown> }[] = [];
  windows.forEach((w, i) => {
    const sample = w.sample ?? 0;
    const result = closeWindow(
      tenantId,
      state,
      {
        at: START + i * MINUTE,
        figures: figures(w.messages, { sent: sample / 2, received: sample / 2, errors: w.errors ?? 0 }),
        series: {
          messages: w.messages,
          bytes: w.bytes ?? w.messages * 100,
          error_rate: sample >= 100 ? (w.errors ?? 0) / sample : null,
        },
      },
      config,
    );
    state = result.state;
    for (const o of result.opened) opened.push({ window: i, type: o.type, id: o.id, details: o.details });
  });
  return opened;
}

const steady = (n: number, seed = 1) => {
  const r = noise(seed);
  return Array.from({ length: n }, () => ({ messages: Math.round(1000 * (1 + 0.1 * r())) }));
};

describe("an opened anomaly's details say why it opened", () => {
  const only = (opened: { type: string; details: Record<string, unknown> }[]): Record<string, unknown> => {
    expect(opened).toHaveLength(1);
    return { type: opened[0].type, ...opened[0].details };
  };

  it('the statistical model: the value against the normal range for the window, the score and the kind', () => {
    const spike = only(run([...steady(60), { messages: 3000 }]));
    expect(spike).toMatchObject({ type: 'spike', detector: 'spike', metric: 'messages', value: 3000 });
    const { expected, lower, upper, score } = spike as Record<string, number>;
    expect(lower).toBeLessThanOrEqual(expected);
    expect(expected).toBeLessThanOrEqual(upper);
    expect(expected).toBeGreaterThan(900);
    expect(expected).toBeLessThan(1100);
    expect(upper).toBeLessThan(3000);
    expect(score).toBeGreaterThan(0.99);
    expect(score).toBeLessThanOrEqual(1);
  });

  it('a rule: its name, the figure it judged, what it takes as normal and the bound the figure passed', () => {
    const spike = only(run([...steady(60), { messages: 20_000 }]));
    expect(spike).toMatchObject({ type: 'rate_spike', detector: 'rate_spike', value: 20_000, lower: null, score: 1 });
    const { expected, upper } = spike as Record<string, number>;
    // Normal is the model's expected count; the bound is 10× the top of its normal range.
    expect(expected).toBeGreaterThan(900);
    expect(expected).toBeLessThan(1100);
    expect(upper).toBeGreaterThan(10 * 1000);
    expect(upper).toBeLessThanOrEqual(20_000);
  });

  it('the error-rate rule: the rate against its threshold', () => {
    const base = steady(60).map((w) => ({ ...w, sample: 1000, errors: 10 }));
    const found = only(run([...base, { messages: 1000, sample: 1000, errors: 300 }]));
    expect(found).toMatchObject({ type: 'error_rate', detector: 'error_rate', value: 0.3, expected: null });
    expect(found).toMatchObject({ lower: null, upper: 0.1, score: 1 });
  });

  it('a JetStream family: its name, and the count against the least that opens it', () => {
    const storm = { stream: 'ORDERS', consumer: 'worker', count: 7, streamSeq: 12, deliveries: 5 };
    const jetstream = { current: null, maxDeliveries: new Map([['ORDERS/worker', storm]]) };
    const { opened } = closeWindow(
      'acme',
      initialPipelineState(),
      { at: START, figures: figures(0), series: {}, jetstream },
      config,
    );
    expect(only(opened)).toMatchObject({
      type: 'redelivery_storm',
      detector: 'redelivery_storm',
      value: 7,
      expected: 0,
      lower: null,
      upper: 1,
      score: 1,
    });
  });
});

describe('window pipeline', () => {
  it('a 20× burst opens one anomaly: the rate rule wins over the statistical spikes of messages and bytes', () => {
    const opened = run([...steady(60), { messages: 20_000 }, { messages: 21_000 }, ...steady(10, 2)]);
    expect(opened.map((o) => [o.window, o.type])).toEqual([[60, 'rate_spike']]);
  });

  it('a 3× burst is below the rule and opens one statistical spike for messages and bytes together', () => {
    const opened = run([...steady(60), { messages: 3000 }, ...steady(10, 2)]);
    expect(opened.map((o) => [o.window, o.type, o.details.metric])).toEqual([[60, 'spike', 'messages']]);
  });

  it('a sustained 3× shift on hour windows opens one anomaly that stays open while the level is learnt', () => {
    // Opening asks for news (a record or a far rarer window); staying open asks only for "still
    // unusual": the window after the jump is no longer news but still far from what was normal.
    const hourly = pipelineConfig(
      60 * MINUTE,
      'medium',
      { warmupWindows: 4, holdDownWindows: 2, minSpikeMessages: 50 },
      'all',
      PULSE_SERIES_RESOLUTION,
    );
    let state: PipelineState = initialPipelineState();
    const opened: string[] = [];
    const resolvedAt: number[] = [];
    [0, ...Array<number>(6).fill(20), ...Array<number>(22).fill(60)].forEach((v, i) => {
      const r = closeWindow(
        'acme',
        state,
        { at: START + i * 60 * MINUTE, figures: figures(v), series: { messages: v } },
        hourly,
      );
      state = r.state;
      opened.push(...r.opened.map((o) => o.type));
      if (r.resolved.length > 0) resolvedAt.push(i);
    });
    expect(opened).toEqual(['spike']);
    expect(resolvedAt.every((i) => i > 18)).toBe(true);
  });

  it('while a resolved spike cools down, the same burst again opens nothing and a larger one (a record) opens', () => {
    // Three and a half days of 5-minute windows, so that the four-week record memory holds enough
    // windows for a record to be news; a 3× burst, then twenty windows (100 minutes) later a second.
    const fiveMinutes = pipelineConfig(
      5 * MINUTE,
      'medium',
      { warmupWindows: 10, holdDownWindows: 3 },
      'all',
      PULSE_SERIES_RESOLUTION,
    );
    const again = (second: number) => {
      const values = steady(1000).map((w) => w.messages);
      values[900] *= 3;
      values[920] *= second;
      let state: PipelineState = initialPipelineState();
      const opened: [number, string][] = [];
      values.forEach((v, i) => {
        const r = closeWindow(
          'acme',
          state,
          { at: START + i * 5 * MINUTE, figures: figures(v), series: { messages: v, bytes: v * 100 } },
          fiveMinutes,
        );
        state = r.state;
        opened.push(...r.opened.map((o): [number, string] => [i, o.type]));
      });
      return opened;
    };
    expect(again(3)).toEqual([[900, 'spike']]);
    // 4× beats every window of the memory: a larger event, news although its tail is not a hundred
    // times below the threshold.
    expect(again(4)).toEqual([
      [900, 'spike'],
      [920, 'spike'],
    ]);
  });

  it('a change of payload size alone is a bytes anomaly', () => {
    const opened = run([
      ...steady(60),
      ...steady(5, 3).map((w) => ({ messages: w.messages, bytes: w.messages * 900 })),
    ]);
    expect(opened.map((o) => [o.window, o.details.metric])).toEqual([[60, 'bytes']]);
  });

  it('an error rate above 10 % opens one error_rate, not a second statistical one', () => {
    const base = steady(60).map((w) => ({ ...w, sample: 1000, errors: 10 }));
    const opened = run([
      ...base,
      { messages: 1000, sample: 1000, errors: 300 },
      { messages: 1000, sample: 1000, errors: 280 },
    ]);
    expect(opened.map((o) => [o.window, o.type])).toEqual([[60, 'error_rate']]);
  });

  it('ids are derived from tenant, condition and window: a replay gives the same ids, another tenant others', () => {
    const windows = [...steady(60), { messages: 20_000 }];
    const a = run(windows);
    expect(run(windows)).toEqual(a);
    expect(run(windows, 'other')[0].id).not.toBe(a[0].id);
  });

  it('a window more than three windows after the previous one is stretched', () => {
    expect(isStretched(undefined, 1000, MINUTE)).toBe(false);
    expect(isStretched(0, 3 * MINUTE, MINUTE)).toBe(false);
    expect(isStretched(0, 4 * MINUTE, MINUTE)).toBe(true);
  });

  it('custom metrics are series of their own: a spike in one opens one anomaly naming it; a deleted one is forgotten', () => {
    const random = noise(11);
    let state: PipelineState = initialPipelineState();
    const opened: { window: number; key: string; summary: string; details: Record<string, unknown> }[] = [];
    const window = (i: number, custom: Record<string, number | null>, names = { 'custom:cm_a': 'order value' }) => {
      const result = closeWindow(
        'acme',
        state,
        { at: START + i * MINUTE, figures: figures(1000), series: { messages: 1000, ...custom }, names },
        config,
      );
      state = result.state;
      for (const o of result.opened) opened.push({ window: i, key: o.key, summary: o.summary, details: o.details });
    };
    for (let i = 0; i < 60; i++) window(i, { 'custom:cm_a': 250 + 20 * random(), 'custom:cm_b': null });
    expect(opened).toEqual([]);
    window(60, { 'custom:cm_a': 2500, 'custom:cm_b': null });
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ window: 60, key: 'stat:custom:cm_a:up', details: { metric: 'custom:cm_a' } });
    expect(opened[0].summary).toMatch(/^Spike in order value: 2500 where 2[\d.]+ was expected$/);
    // Messages stayed level: only the custom series moved. A window without data is not learnt.
    expect(Object.keys(state.series).sort()).toEqual(['custom:cm_a', 'messages']);
    // cm_a deleted: its model goes with it (the job lists the tenant's metrics every window).
    window(61, {});
    expect(Object.keys(state.series)).toEqual(['messages']);
  });
});
