import { headers as natsHeaders, type Msg } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CustomMetricSet, MATCH_CACHE_CHARS } from './custom-metric-set.js';
import type { CustomMetricDefinition } from './definition.js';
import { MAX_PARSED_PAYLOAD_BYTES } from './definition.js';
import { extractValue } from './extract.js';
import { aggregateValue } from './figures.js';
import { compilePattern, matches, patternProblem } from './subject-pattern.js';
import { valueBucket, valueOfBucket, valuePercentile } from './value-histogram.js';

const encoder = new TextEncoder();

function definition(overrides: Partial<CustomMetricDefinition>): CustomMetricDefinition {
  return {
    id: 'cm_1',
    name: 'order value',
    subject: 'orders.created',
    source: 'json',
    field: 'amount',
    header: null,
    aggregation: 'sum',
    unit: 'EUR',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

const message = (subject: string, payload: string | Uint8Array, headers?: Record<string, string>): Msg => {
  const h = headers ? natsHeaders() : undefined;
  for (const [k, v] of Object.entries(headers ?? {})) h!.set(k, v);
  return { subject, data: typeof payload === 'string' ? encoder.encode(payload) : payload, headers: h } as Msg;
};

describe('subject patterns', () => {
  const p = (relative: string) => compilePattern('tenant', 'acme', relative);

  it('match literal tokens, * as one token and a final > as one or more', () => {
    expect(matches(p('orders.created'), 'tenant.acme.orders.created')).toBe(true);
    expect(matches(p('orders.created'), 'tenant.acme.orders.created.eu')).toBe(false);
    expect(matches(p('orders.created'), 'tenant.acme.orders')).toBe(false);
    expect(matches(p('orders.created'), 'tenant.other.orders.created')).toBe(false);
    expect(matches(p('orders.*'), 'tenant.acme.orders.paid')).toBe(true);
    expect(matches(p('orders.*'), 'tenant.acme.orders.paid.eu')).toBe(false);
    expect(matches(p('orders.>'), 'tenant.acme.orders.paid.eu')).toBe(true);
    expect(matches(p('orders.>'), 'tenant.acme.orders')).toBe(false);
    expect(matches(p('*.created'), 'tenant.acme.users.created')).toBe(true);
    expect(matches(p('orders.created'), 'tenant.acme.orders.createdX')).toBe(false);
    expect(matches(p('orders.*'), 'tenant.acme.orders.')).toBe(false);
  });

  it('refuse what NATS would not take or Pulse cannot bound', () => {
    expect(patternProblem('orders.created')).toBeNull();
    expect(patternProblem('orders.>')).toBeNull();
    expect(patternProblem('orders.>.x')).toMatch(/'>'/);
    expect(patternProblem('orders..x')).toMatch(/tokens/);
    expect(patternProblem('')).toMatch(/1 to 200/);
    expect(patternProblem('a.'.repeat(20) + 'a')).toMatch(/16 tokens/);
    expect(patternProblem('orders.cr ated')).toMatch(/tokens/);
  });
});

describe('value extraction', () => {
  const json = { source: 'json' as const, header: null, path: ['order', 'total'] };

  it('reads a number at a dotted path, and nothing else', () => {
    expect(extractValue(json, encoder.encode('{"order":{"total":12.5}}'), undefined)).toBe(12.5);
    expect(extractValue(json, encoder.encode('{"order":{"total":"12.5"}}'), undefined)).toBe('unparsable');
    expect(extractValue(json, encoder.encode('{"order":{}}'), undefined)).toBe('unparsable');
    expect(extractValue(json, encoder.encode('not json'), undefined)).toBe('unparsable');
    expect(extractValue(json, encoder.encode('[1,2]'), undefined)).toBe('unparsable');
    expect(extractValue(json, new Uint8Array(MAX_PARSED_PAYLOAD_BYTES + 1), undefined)).toBe('too_large');
  });

  describe('payloads whose shape would cost more than their bytes', () => {
    afterEach(() => vi.restoreAllMocks());
    const shapes: [string, string][] = [
      ['64 KiB of [', '['.repeat(MAX_PARSED_PAYLOAD_BYTES)],
      ['closed nesting 1,000 deep', '['.repeat(1000) + ']'.repeat(1000)],
      [
        'an order beside 20,000 array elements',
        `{"order":{"total":3},"items":[${new Array(20_000).fill(0).join(',')}]}`,
      ],
    ];
    for (const [name, payload] of shapes) {
      it(`counts ${name} as too_large without parsing it`, () => {
        const parse = vi.spyOn(JSON, 'parse');
        expect(extractValue(json, encoder.encode(payload), undefined)).toBe('too_large');
        expect(parse).not.toHaveBeenCalled();
      });
    }
    it('reads a value nested 30 deep and brackets inside strings', () => {
      const deep = { source: 'json' as const, header: null, path: new Array(29).fill('a').concat('v') };
      expect(extractValue(deep, encoder.encode('{"a":'.repeat(29) + '{"v":4}' + '}'.repeat(29)), undefined)).toBe(4);
      const text = `{"order":{"total":5,"note":"${'[{'.repeat(5000)}"}}`;
      expect(extractValue(json, encoder.encode(text), undefined)).toBe(5);
    });
  });

  it('never reads through the prototype (__proto__, constructor)', () => {
    for (const path of [['__proto__', 'x'], ['constructor', 'length'], ['toString']]) {
      expect(extractValue({ source: 'json', header: null, path }, encoder.encode('{}'), undefined)).toBe('unparsable');
    }
  });

  it('reads a header holding a number', () => {
    const h = { source: 'header' as const, header: 'X-Amount', path: null };
    expect(extractValue(h, new Uint8Array(), message('s', '', { 'X-Amount': '7.25' }).headers)).toBe(7.25);
    expect(extractValue(h, new Uint8Array(), message('s', '', { 'X-Amount': 'seven' }).headers)).toBe('unparsable');
    expect(extractValue(h, new Uint8Array(), undefined)).toBe('unparsable');
  });

  it('never throws, whatever the payload (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 2000 })),
        fc.array(fc.string(), { maxLength: 4 }),
        (payload, path) => {
          const data = typeof payload === 'string' ? encoder.encode(payload) : payload;
          const v = extractValue({ source: 'json', header: null, path }, data, undefined);
          return v === 'unparsable' || v === 'too_large' || Number.isFinite(v);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the match cache', () => {
  it('stays within its byte budget whatever the subjects: 4 KB subjects are matched, not kept', () => {
    const set = new CustomMetricSet('tenant', 'acme', [definition({ subject: 'orders.>' })]);
    const long = (i: number) => `tenant.acme.orders.${'x'.repeat(4000)}.${i}`;
    for (let i = 0; i < 2000; i++) expect(set.matching(long(i)).defs).toHaveLength(1);
    expect(set.cachedSubjectChars).toBe(0);
    // Short subjects are kept, up to the budget in characters as well as in count.
    for (let i = 0; i < 20_000; i++) set.matching(`tenant.acme.orders.${'y'.repeat(200)}.${i}`);
    expect(set.cachedSubjectChars).toBeGreaterThan(0);
    expect(set.cachedSubjectChars).toBeLessThanOrEqual(MATCH_CACHE_CHARS);
    expect(set.matching(long(1)).defs).toHaveLength(1);
  });
});

describe('aggregation', () => {
  it('counts, sums, min, max exactly and sorts unparsable apart, per minute', () => {
    const set = new CustomMetricSet('tenant', 'acme', [definition({})]);
    const now = Date.UTC(2026, 11, 1, 12, 0, 30);
    for (let i = 0; i < 100; i++) set.observe(message('tenant.acme.orders.created', '{"amount": 2.5}'), now);
    for (let i = 0; i < 50; i++) set.observe(message('tenant.acme.orders.created', 'not json'), now);
    set.observe(message('tenant.acme.orders.paid', '{"amount": 1000}'), now);
    const figures = set.take()!;
    const agg = figures.get(Math.floor(now / 60_000) * 60)!.get('cm_1')!;
    expect([agg.count, agg.sum, agg.min, agg.max, agg.unparsable]).toEqual([100, 250, 2.5, 2.5, 50]);
    expect(set.take()).toBeNull();
  });

  it('keeps the value histogram only for percentile aggregations', () => {
    const set = new CustomMetricSet('tenant', 'acme', [
      definition({ id: 'cm_sum' }),
      definition({ id: 'cm_p95', aggregation: 'p95' }),
    ]);
    const now = Date.UTC(2026, 11, 1, 12, 0, 30);
    for (const amount of [1, 2, 3]) set.observe(message('tenant.acme.orders.created', `{"amount": ${amount}}`), now);
    const minute = set.take()!.get(Math.floor(now / 60_000) * 60)!;
    expect(minute.get('cm_sum')!.histogram).toBeNull();
    expect([...minute.get('cm_p95')!.histogram!.values()].reduce((a, b) => a + b)).toBe(3);
    expect(minute.get('cm_sum')!.sum).toBe(6);
  });

  it('reads stored figures by the aggregation; percentiles within one bucket (≤ 4.5 %)', () => {
    const stored: Record<string, string> = { c: '4', s: '10', mn: '1', mx: '4' };
    expect(aggregateValue('count', stored)).toBe(4);
    expect(aggregateValue('sum', stored)).toBe(10);
    expect(aggregateValue('avg', stored)).toBe(2.5);
    expect(aggregateValue('min', stored)).toBe(1);
    expect(aggregateValue('max', stored)).toBe(4);
    expect(aggregateValue('p50', {})).toBeNull();
    expect(aggregateValue('sum', {})).toBe(0);
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i);
    const histogram = new Map<number, number>();
    for (const v of values) histogram.set(valueBucket(v), (histogram.get(valueBucket(v)) ?? 0) + 1);
    const p95 = valuePercentile(histogram, 0.95)!;
    expect(Math.abs(p95 - 950) / 950).toBeLessThanOrEqual(0.045);
    for (const v of [1e-5, 0.3, 1, 17, 1e6, 1e11]) {
      expect(Math.abs(valueOfBucket(valueBucket(v)) - v) / v).toBeLessThanOrEqual(0.045);
    }
    expect(valueBucket(-3)).toBe(0);
  });
});
