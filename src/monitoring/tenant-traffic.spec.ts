import { headers, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { latencyBucket } from '../common/latency-histogram.js';
import { SECOND_DETAIL_MS, TenantDelta } from './tenant-delta.js';
import { TenantTraffic } from './tenant-traffic.js';
import { TrafficAggregator } from './traffic-aggregator.js';
import { CustomMetricSet } from './custom/custom-metric-set.js';
import type { CustomMetricDefinition } from './custom/definition.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 30); // 12:00:30 UTC

function msg(subject: string, size: number, publishedAt?: string | (() => never)): Msg {
  let h: MsgHdrs | undefined;
  if (typeof publishedAt === 'string') {
    h = headers();
    h.set('X-Published-At', publishedAt);
  }
  const m = { subject, data: new Uint8Array(size), headers: h } as unknown as Msg;
  if (typeof publishedAt === 'function') Object.defineProperty(m, 'headers', { get: publishedAt });
  return m;
}

describe('TenantTraffic', () => {
  it('counts messages and bytes per second and per minute', () => {
    const t = new TenantTraffic('acme', 100);
    t.record(msg('tenant.acme.a', 10), T0);
    t.record(msg('tenant.acme.a', 20), T0 + 500);
    t.record(msg('tenant.acme.b', 30), T0 + 1000);
    t.record(msg('tenant.acme.b', 40), T0 + 30_000); // next minute, second 0
    const d = t.take()!;
    expect(d.messages).toBe(4);
    expect(d.bytes).toBe(100);
    const m0 = d.minutes.get(Math.floor(T0 / 60_000) * 60)!;
    expect(m0.messages).toBe(3);
    expect(m0.seconds!.get(30)).toEqual([2, 30]);
    expect(m0.seconds!.get(31)).toEqual([1, 30]);
    const m1 = d.minutes.get(Math.floor(T0 / 60_000) * 60 + 60)!;
    expect(m1.seconds!.get(0)).toEqual([1, 40]);
    expect(d.subjects.get('20261128')!.counts.get('tenant.acme.b')).toEqual({ messages: 2, bytes: 70 });
  });

  it('take() resets the window and returns null when nothing happened', () => {
    const t = new TenantTraffic('acme', 100);
    expect(t.take()).toBeNull();
    t.record(msg('s', 1), T0);
    expect(t.take()!.messages).toBe(1);
    expect(t.take()).toBeNull();
    t.record(msg('s', 1), T0 + 10);
    expect(t.take()!.messages).toBe(1);
  });

  it('sorts latency samples into buckets; missing and invalid values are counted apart', () => {
    const t = new TenantTraffic('acme', 100);
    t.record(msg('s', 1, String(T0 - 40)), T0);
    t.record(msg('s', 1, String(T0 - 40.6)), T0); // whole ms: 40
    t.record(msg('s', 1), T0);
    t.record(msg('s', 1, 'garbage'), T0);
    t.record(
      msg('s', 1, () => {
        throw new Error('bad header block');
      }),
      T0,
    );
    const d = t.take()!;
    expect(d.messages).toBe(5);
    const minute = d.minutes.get(Math.floor(T0 / 60_000) * 60)!;
    expect([...minute.latency!.entries()]).toEqual([[latencyBucket(40), 2]]);
    expect(d.latencyMissing).toBe(1);
    expect(d.latencyInvalid).toBe(2);
    expect(d.latencySumMs).toBe(80); // an integer: the flush adds it with HINCRBY
    expect(t.take()).toBeNull();
  });
});

describe('TenantTraffic: the largest message of each minute', () => {
  const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60;

  it('keeps the largest payload per minute, over a window that spans minutes', () => {
    const t = new TenantTraffic('acme', 100);
    t.record(msg('s', 10), T0);
    t.record(msg('s', 500), T0 + 200);
    t.record(msg('s', 20), T0 + 1500);
    t.record(msg('s', 40), T0 + 30_000); // next minute
    t.record(msg('s', 7), T0 + 31_000);
    const d = t.take()!;
    expect(d.minutes.get(minuteOf(T0))!.largestMessage).toBe(500);
    expect(d.minutes.get(minuteOf(T0) + 60)!.largestMessage).toBe(40);
    // A new window starts from nothing.
    t.record(msg('s', 3), T0 + 32_000);
    expect(t.take()!.minutes.get(minuteOf(T0) + 60)!.largestMessage).toBe(3);
  });

  it('a clock stepped back into an earlier minute keeps each minute at its own maximum', () => {
    const t = new TenantTraffic('acme', 100);
    t.record(msg('s', 100), T0 + 30_000); // minute 1
    t.record(msg('s', 60), T0); // minute 0
    t.record(msg('s', 80), T0 + 31_000); // minute 1 again
    t.record(msg('s', 90), T0 + 1000); // minute 0 again
    const d = t.take()!;
    expect(d.minutes.get(minuteOf(T0))!.largestMessage).toBe(90);
    expect(d.minutes.get(minuteOf(T0) + 60)!.largestMessage).toBe(100);
  });

  it('is exact under sampling, and 0 (nothing written) for empty payloads', () => {
    const t = new TenantTraffic('acme', 100, 12345);
    t.setSampling(100);
    for (let i = 0; i < 1000; i++) t.record(msg('s', i === 517 ? 4096 : 10), T0 + i);
    expect(t.take()!.minutes.get(minuteOf(T0))!.largestMessage).toBe(4096);
    t.record(msg('s', 0), T0);
    expect(t.take()!.minutes.get(minuteOf(T0))!.largestMessage).toBe(0);
  });

  it('deltas merged while Redis is away keep the maximum, not the sum', () => {
    const a = new TenantDelta('acme', 10);
    a.addSecond(960, 1, 300);
    a.addCount('largestMessage', 960, 300);
    const b = new TenantDelta('acme', 10);
    b.addSecond(961, 2, 400);
    b.addCount('largestMessage', 960, 250);
    b.addCount('largestMessage', 1020, 50);
    a.mergeFrom(b, 1021_000);
    expect(a.minutes.get(960)!.largestMessage).toBe(300);
    expect(a.minutes.get(1020)!.largestMessage).toBe(50);
    // Summed counters still add.
    a.addCount('skipped', 960, 2);
    a.addCount('skipped', 960, 3);
    expect(a.minutes.get(960)!.skipped).toBe(5);
  });
});

describe('TenantTraffic: what the server delivered to the tap (pd_m, pd_b)', () => {
  const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60;
  /** A message as nats.js receives it: the body read (headers + payload), `data` the payload after them. */
  function received(subject: string, headerBytes: number, payload: number): Msg {
    const body = new Uint8Array(headerBytes + payload);
    return { subject, _rdata: body, data: body.subarray(headerBytes), headers: undefined } as unknown as Msg;
  }

  it('counts every message and its headers + payload per minute and in the totals; `b` stays the payload', () => {
    const t = new TenantTraffic('acme', 100);
    t.record(received('s', 20, 100), T0);
    t.record(received('s', 0, 50), T0 + 1000);
    t.record(received('s', 30, 0), T0 + 30_000); // next minute: headers only
    const d = t.take()!;
    expect([d.messages, d.bytes]).toEqual([3, 150]);
    expect([d.deliveredMessages, d.deliveredBytes]).toEqual([3, 200]);
    const m0 = d.minutes.get(minuteOf(T0))!;
    const m1 = d.minutes.get(minuteOf(T0) + 60)!;
    expect([m0.deliveredMessages, m0.deliveredBytes, m0.largestMessage]).toEqual([2, 170, 100]);
    expect([m1.deliveredMessages, m1.deliveredBytes, m1.largestMessage]).toEqual([1, 30, 0]);
    // A new window starts from nothing.
    t.record(received('s', 5, 5), T0 + 31_000);
    const next = t.take()!;
    expect([next.deliveredMessages, next.deliveredBytes]).toEqual([1, 10]);
    expect(next.minutes.get(minuteOf(T0) + 60)!.deliveredBytes).toBe(10);
  });

  it('stays exact under sampling and over a clock stepped back into an earlier minute', () => {
    const t = new TenantTraffic('acme', 100, 777);
    t.setSampling(50);
    for (let i = 0; i < 500; i++) t.record(received('s', 10, 10), T0 + 30_000 + i); // minute 1
    t.record(received('s', 10, 10), T0); // minute 0
    t.record(received('s', 10, 10), T0 + 31_000); // minute 1 again
    const d = t.take()!;
    expect([d.deliveredMessages, d.deliveredBytes]).toEqual([502, 10_040]);
    expect(d.minutes.get(minuteOf(T0))!.deliveredBytes).toBe(20);
    expect(d.minutes.get(minuteOf(T0) + 60)!.deliveredMessages).toBe(501);
    expect(d.minutes.get(minuteOf(T0) + 60)!.deliveredBytes).toBe(10_020);
  });

  it('deltas merged while Redis is away add them up', () => {
    const a = new TenantTraffic('acme', 100);
    a.record(received('s', 20, 100), T0);
    const first = a.take()!;
    a.record(received('s', 20, 100), T0 + 1000);
    a.record(received('s', 20, 100), T0 + 30_000);
    first.mergeFrom(a.take()!, T0 + 31_000);
    expect([first.deliveredMessages, first.deliveredBytes]).toEqual([3, 360]);
    expect(first.minutes.get(minuteOf(T0))!.deliveredBytes).toBe(240);
    expect(first.minutes.get(minuteOf(T0))!.deliveredMessages).toBe(2);
  });
});

describe('TenantDelta.mergeFrom', () => {
  it('adds counts, latency and subjects', () => {
    const a = new TenantDelta('acme', 10);
    a.addSecond(1000, 2, 20);
    a.addLatency(960, 3, 1);
    a.subjectsOf('20260101').add('x', 5);
    const b = new TenantDelta('acme', 10);
    b.addSecond(1000, 1, 10);
    b.addSecond(1061, 4, 40);
    b.addLatency(960, 3, 2);
    b.latencyInvalid = 1;
    a.latencySumMs = 4;
    b.latencySumMs = 6;
    b.subjectsOf('20260101').add('x', 5);
    a.mergeFrom(b, 1061_000);
    expect(a.messages).toBe(7);
    expect(a.bytes).toBe(70);
    expect(a.minutes.get(960)!.seconds!.get(40)).toEqual([3, 30]);
    expect(a.minutes.get(1020)!.seconds!.get(41)).toEqual([4, 40]);
    expect(a.minutes.get(960)!.latency!.get(3)).toBe(3);
    expect(a.latencyInvalid).toBe(1);
    expect(a.latencySumMs).toBe(10);
    expect(a.subjects.get('20260101')!.counts.get('x')).toEqual({ messages: 2, bytes: 10 });
  });

  it('drops per-second detail of old minutes but keeps their totals (bounded memory during outages)', () => {
    const a = new TenantDelta('acme', 10);
    a.addSecond(600, 5, 50);
    const b = new TenantDelta('acme', 10);
    b.addSecond(601, 1, 10);
    a.mergeFrom(b, 600_000 + SECOND_DETAIL_MS + 60_000);
    const minute = a.minutes.get(600)!;
    expect(minute.seconds).toBeNull();
    expect(minute.messages).toBe(6);
    expect(a.messages).toBe(6);
    const c = new TenantDelta('acme', 10);
    c.addSecond(602, 1, 10);
    a.mergeFrom(c, 600_000 + SECOND_DETAIL_MS + 60_000);
    expect(a.minutes.get(600)!.messages).toBe(7);
  });
});

describe('TenantTraffic with custom metrics', () => {
  const def = (id: string, subject: string): CustomMetricDefinition => ({
    id,
    name: id,
    subject,
    source: 'json',
    field: 'amount',
    header: null,
    aggregation: 'sum',
    unit: null,
    createdAt: '',
    updatedAt: '',
  });
  const order = (subject: string, amount: number) =>
    ({ subject, data: new TextEncoder().encode(JSON.stringify({ amount })), headers: undefined }) as unknown as Msg;
  const sums = (d: TenantDelta) => {
    const out: Record<string, number> = {};
    for (const byId of d.custom?.values() ?? []) for (const [id, a] of byId) out[id] = (out[id] ?? 0) + a.sum;
    return out;
  };

  it('evaluates every message, sampled or not, and subjects beyond the table (match kept on the entry)', () => {
    for (const sampling of [1, 7]) {
      const t = new TenantTraffic('acme', 2, 12345);
      t.setSampling(sampling);
      t.setCustomMetrics(new CustomMetricSet('tenant', 'acme', [def('cm_o', 'orders.*')]));
      // Two other subjects fill the table of capacity 2 first: orders.* overflow it.
      t.record(msg('tenant.acme.a', 1), T0);
      t.record(msg('tenant.acme.b', 1), T0);
      for (let i = 0; i < 100; i++) t.record(order(i % 2 ? 'tenant.acme.orders.x' : 'tenant.acme.a', 2), T0);
      for (let i = 0; i < 50; i++) t.record(order('tenant.acme.orders.y', 1), T0);
      expect(sums(t.take()!)).toEqual({ cm_o: 150 });
    }
  });

  it('a change of definitions within a window applies from the next message on, and loses nothing', () => {
    const t = new TenantTraffic('acme', 100);
    t.setCustomMetrics(new CustomMetricSet('tenant', 'acme', [def('cm_1', 'orders.created')]));
    for (let i = 0; i < 3; i++) t.record(order('tenant.acme.orders.created', 1), T0);
    t.setCustomMetrics(new CustomMetricSet('tenant', 'acme', [def('cm_2', 'orders.>')]));
    for (let i = 0; i < 4; i++) t.record(order('tenant.acme.orders.created', 10), T0);
    t.setCustomMetrics(null);
    t.record(order('tenant.acme.orders.created', 100), T0);
    // What the replaced sets counted in the window is flushed with it.
    expect(sums(t.take()!)).toEqual({ cm_1: 3, cm_2: 40 });
    expect(t.take()).toBeNull();
  });
});

describe('TrafficAggregator', () => {
  it('drains every tenant once and keeps a released tenant until its last window is drained', () => {
    const agg = new TrafficAggregator();
    const acme = agg.messageHandler('acme');
    const beta = agg.messageHandler('beta');
    acme(null, msg('tenant.acme.x', 3));
    acme(null, msg('tenant.acme.x', 3));
    beta(null, msg('tenant.beta.x', 1));
    agg.release('beta');
    const drained = agg.drain();
    expect(drained.map((d) => [d.tenantId, d.messages]).sort()).toEqual([
      ['acme', 2],
      ['beta', 1],
    ]);
    expect(agg.drain()).toEqual([]);
    expect(agg.stats()).toEqual({ messages: 3, rejected: 0, tenants: 1 });
  });

  it('a message that cannot be processed is counted as rejected and the next one goes through', () => {
    const agg = new TrafficAggregator();
    const handler = agg.messageHandler('acme');
    handler(null, { subject: 'tenant.acme.x', data: null } as unknown as Msg);
    handler(new Error('subscription error'), msg('tenant.acme.x', 1));
    handler(null, msg('tenant.acme.x', 1));
    expect(agg.stats().rejected).toBe(1);
    expect(agg.drain()[0].messages).toBe(1);
  });
});

describe('TenantTraffic over midnight', () => {
  it('files a window’s subjects by the UTC day each message was counted in', () => {
    const midnight = Date.UTC(2026, 11, 7);
    const t = new TenantTraffic('acme', 100);
    t.record(msg('tenant.acme.late', 10), midnight - 2_000); // 23:59:58 on the 6th
    t.record(msg('tenant.acme.late', 10), midnight - 1_000);
    t.record(msg('tenant.acme.both', 5), midnight - 500);
    t.record(msg('tenant.acme.early', 20), midnight + 1_000); // 00:00:01 on the 7th
    t.record(msg('tenant.acme.both', 5), midnight + 1_500);
    const d = t.take()!;
    expect([...d.subjects.keys()].sort()).toEqual(['20261206', '20261207']);
    const before = d.subjects.get('20261206')!.counts;
    const after = d.subjects.get('20261207')!.counts;
    expect([...before.keys()].sort()).toEqual(['tenant.acme.both', 'tenant.acme.late']);
    expect(before.get('tenant.acme.late')).toMatchObject({ messages: 2, bytes: 20 });
    expect([...after.keys()].sort()).toEqual(['tenant.acme.both', 'tenant.acme.early']);
    expect(after.get('tenant.acme.both')).toMatchObject({ messages: 1, bytes: 5 });
    // The next window starts on the 7th with nothing of the 6th left over.
    t.record(msg('tenant.acme.next', 1), midnight + 5_000);
    expect([...t.take()!.subjects.keys()]).toEqual(['20261207']);
  });
});
