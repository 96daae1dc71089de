import { describe, expect, it } from 'vitest';
import { ANOMALY_ID_PATTERN } from '../common/ids.js';
import {
  rankChanges,
  rankingOf,
  spanMinutes,
  STORY_MAX_MINUTES,
  storyMetric,
  storySpan,
  windowValues,
} from './anomaly-story.js';
import { anomalyId } from './window-pipeline.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

describe('anomaly story: the span shown', () => {
  it('is 30 windows before the anomaly and 10 after for minute windows, none past now', () => {
    const detectedAt = T0 + MIN; // the window [T0, T0 + 1 min) closed
    const span = storySpan(detectedAt, MIN, T0 + 60 * MIN);
    expect(span.anomalyStart).toBe(T0);
    expect(span.starts[0]).toBe(T0 - 30 * MIN);
    expect(span.starts.at(-1)).toBe(T0 + 10 * MIN);
    const early = storySpan(detectedAt, MIN, T0 + 3 * MIN + 1);
    expect(early.starts.at(-1)).toBe(T0 + 3 * MIN);
  });

  it('is cut to at most STORY_MAX_MINUTES minutes of long windows', () => {
    const hour = 60 * MIN;
    const span = storySpan(T0 + hour, hour, T0 + 100 * hour);
    expect(span.starts.length * 60).toBeLessThanOrEqual(STORY_MAX_MINUTES);
    expect(span.starts).toContain(T0);
    expect(spanMinutes(span).length).toBeLessThanOrEqual(STORY_MAX_MINUTES);
  });

  it('draws the anomaly’s own series, messages for anything else', () => {
    expect(storyMetric({ metric: 'latency_p95' })).toBe('latency_p95');
    expect(storyMetric({ metric: 'custom:cm_1' })).toBe('messages');
    expect(storyMetric({})).toBe('messages');
  });

  it('accepts the ids the detection makes and nothing else', () => {
    expect(ANOMALY_ID_PATTERN.test(anomalyId('acme', 'stat:messages', T0))).toBe(true);
    expect(ANOMALY_ID_PATTERN.test('an_0123ABC')).toBe(false);
    expect(ANOMALY_ID_PATTERN.test(`an_${'a'.repeat(33)}`)).toBe(false);
    expect(ANOMALY_ID_PATTERN.test('../an_0123456789abcdef')).toBe(false);
  });
});

describe('anomaly story: window values from minute hashes', () => {
  const span = storySpan(T0 + MIN, MIN, T0 + 2 * MIN);

  it('adds up messages by second while a minute holds its seconds, else whole minutes', () => {
    const minutes = new Map<number, Record<string, string>>([
      [T0 / 1000, { m: '90', b: '900', 'm:0': '40', 'm:59': '50', 'b:0': '400', 'b:59': '500' }],
      [T0 / 1000 - 60, { m: '7', b: '70' }], // seconds already folded away
    ]);
    const values = windowValues(span, 'messages', minutes);
    expect(values.at(-2)).toBe(90);
    expect(values.at(-3)).toBe(7);
    // Nothing held for the first window while the span's history is held: nothing was sent.
    expect(values[0]).toBe(0);
    expect(windowValues(span, 'messages', new Map())[0]).toBeNull();
    expect(windowValues(span, 'latency_p95', minutes)[0]).toBeNull();
    expect(windowValues(span, 'bytes', minutes).at(-2)).toBe(900);
  });

  it('splits a minute by second among 20-second windows, and has no value once the seconds are gone', () => {
    const short = storySpan(T0 + 20_000, 20_000, T0 + 60_000);
    const seconds = Object.fromEntries(Array.from({ length: 60 }, (_, s) => [`m:${s}`, String(s < 20 ? 1 : 2)]));
    const minutes = new Map([[T0 / 1000, { m: '100', ...seconds }]]);
    const values = windowValues(short, 'messages', minutes);
    expect(values[short.starts.indexOf(T0)]).toBe(20);
    expect(values[short.starts.indexOf(T0 + 20_000)]).toBe(40);
    const folded = windowValues(short, 'messages', new Map([[T0 / 1000, { m: '100', pk: '3' }]]));
    expect(folded[short.starts.indexOf(T0)]).toBeNull();
  });

  it('gives error rate, active clients and latency p95 from their fields', () => {
    const minutes = new Map([
      [T0 / 1000, { hb_sent: '90', hb_received: '10', hb_errors: '5', act: '12', 'l:3': '100' }],
    ]);
    const at = span.starts.indexOf(T0);
    expect(windowValues(span, 'error_rate', minutes)[at]).toBeCloseTo(0.05);
    expect(windowValues(span, 'active_clients', minutes)[at]).toBe(12);
    expect(windowValues(span, 'latency_p95', minutes)[at]).toBeGreaterThan(0);
  });
});

describe('anomaly story: what changed against the usual rate', () => {
  it('ranks the subject that jumped first, then the one that went quiet, over a steady one', () => {
    const day = new Map([
      ['orders.created', 43_200],
      ['payments.retry', 200_000],
    ]);
    const earlier = [
      new Map([
        ['orders.created', 86_400],
        ['audit.log', 172_800],
      ]),
    ];
    // Half a day counted: orders at 1/s as usual, payments new, audit.log gone quiet.
    const rows = rankChanges(day, 43_200, earlier);
    expect(rows.map((r) => r.member)).toEqual(['payments.retry', 'audit.log', 'orders.created']);
    expect(rows[0].usualRate).toBe(0);
    expect(rows[1].change).toBe(-2);
    expect(rows[2].change).toBe(0);
  });

  it('has no usual rate without earlier days, ranks by rate then, and leaves out what never moved', () => {
    const rows = rankChanges(
      new Map([
        ['a', 10],
        ['b', 30],
        ['idle', 0],
      ]),
      10,
      [],
    );
    expect(rows.map((r) => [r.member, r.usualRate])).toEqual([
      ['b', null],
      ['a', null],
    ]);
  });

  it('reads member names such as __proto__ as members (a Map, not an object)', () => {
    const ranking = rankingOf(['__proto__', '5', 'constructor', '3']);
    expect([...ranking.entries()]).toEqual([
      ['__proto__', 5],
      ['constructor', 3],
    ]);
  });
});
