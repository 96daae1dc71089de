import { describe, expect, it } from 'vitest';
import { streamOwner, streamOwnerOf } from './jetstream-attribution.js';
import {
  compareConsumers,
  compareStreams,
  consumerFigures,
  drainOf,
  fillOf,
  sampleOf,
  type RawConsumer,
  type RawStream,
  streamFigures,
  worst,
} from './jetstream-figures.js';

const tenants = new Set(['a', 'b', 'acme']);
const owner = (subjects: string[], prefix = 'tenant') => streamOwner(subjects, prefix, (id) => tenants.has(id));

describe('streamOwner', () => {
  it("a stream whose subjects are all in one tenant's namespace is that tenant's", () => {
    expect(owner(['tenant.a.orders', 'tenant.a.>'])).toBe('a');
    expect(owner(['tenant.acme.x.*.y'])).toBe('acme');
    expect(owner(['pulse.io.b.jobs'], 'pulse.io')).toBe('b');
  });

  it("spanning two tenants, outside every namespace or without subjects: the operator's", () => {
    expect(owner(['tenant.a.x', 'tenant.b.x'])).toBeNull();
    expect(owner(['tenant.a.x', 'other.x'])).toBeNull();
    expect(owner([])).toBeNull();
    expect(owner(['tenant.nobody.x'])).toBeNull();
  });

  it('hostile subjects: a wildcard or an empty token in the tenant position, too short, a lookalike prefix', () => {
    expect(owner(['tenant.*.x'])).toBeNull();
    expect(owner(['tenant.>'])).toBeNull();
    expect(owner(['tenant.a'])).toBeNull();
    expect(owner(['tenant..x'])).toBeNull();
    expect(owner(['tenant.a..x'])).toBeNull();
    expect(owner(['tenants.a.x'])).toBeNull();
    expect(owner(['*.a.x'])).toBeNull();
    expect(owner(['>'])).toBeNull();
    expect(owner(['tenant.a.x', 'tenant.*.x'])).toBeNull();
    // Prototype names are ids like any other: unknown, so the operator's.
    expect(owner(['tenant.__proto__.x'])).toBeNull();
    expect(owner(['tenant.constructor.x'])).toBeNull();
  });

  it("a stream with sources or a mirror is the operator's, whatever its own subjects", () => {
    const config = (over: Partial<RawStream['config']>) => ({ name: 'A_AGG', subjects: ['tenant.a.agg'], ...over });
    const of = (over: Partial<RawStream['config']>) => streamOwnerOf(config(over), 'tenant', (id) => tenants.has(id));
    expect(of({})).toBe('a');
    expect(of({ sources: [] })).toBe('a');
    // Tenant a's stream sourcing tenant b's would show b's messages to a.
    expect(of({ sources: [{ name: 'B_SECRET_ORDERS' }] })).toBeNull();
    expect(of({ mirror: { name: 'B_SECRET_ORDERS' } })).toBeNull();
    expect(of({ subjects: undefined, mirror: { name: 'A_ORDERS' } })).toBeNull();
  });
});

const rawStream = (over: Partial<RawStream['config']> = {}, state: Partial<RawStream['state']> = {}): RawStream => ({
  config: { name: 'S', subjects: ['tenant.a.s'], max_msgs: -1, max_bytes: -1, max_age: 0, max_consumers: -1, ...over },
  created: '2026-12-07T00:00:00Z',
  state: { messages: 10, bytes: 1000, first_seq: 1, last_seq: 10, consumer_count: 2, ...state },
});

describe('stream figures and fill', () => {
  it('no limit: every fill null; limits null for -1 and 0', () => {
    const s = streamFigures(rawStream());
    expect(s.limits).toEqual({ maxMessages: null, maxBytes: null, maxAgeMs: null, maxConsumers: null });
    expect(s.fill).toEqual({ messages: null, bytes: null, worst: null });
  });

  it('fill per limit, worst the highest, at most 1; age in ms and no fill', () => {
    const s = streamFigures(rawStream({ max_msgs: 100, max_bytes: 2000, max_age: 60e9, max_consumers: 5 }));
    expect(s.limits).toEqual({ maxMessages: 100, maxBytes: 2000, maxAgeMs: 60_000, maxConsumers: 5 });
    expect(s.fill).toEqual({ messages: 0.1, bytes: 0.5, worst: 0.5 });
    expect(fillOf({ messages: 5, bytes: 5000 }, { maxMessages: null, maxBytes: 1000 })).toEqual({
      messages: null,
      bytes: 1,
      worst: 1,
    });
  });

  it("keeps the stream's storage type (file when the server names none): the JetStream limits measure them apart", () => {
    expect(streamFigures(rawStream({ storage: 'memory' })).storage).toBe('memory');
    expect(streamFigures(rawStream({ storage: 'file' })).storage).toBe('file');
    expect(streamFigures(rawStream()).storage).toBe('file');
  });

  it('keeps 20 subjects and counts the rest', () => {
    const subjects = Array.from({ length: 25 }, (_, i) => `tenant.a.${i}`);
    const s = streamFigures(rawStream({ subjects }));
    expect(s.subjects).toHaveLength(20);
    expect(s.subjectsOmitted).toBe(5);
  });
});

const rawConsumer = (over: Partial<RawConsumer> = {}): RawConsumer => ({
  stream_name: 'S',
  name: 'c',
  config: { durable_name: 'c' },
  delivered: { stream_seq: 50, last_active: '2026-12-07T00:00:01Z' },
  ack_floor: { stream_seq: 40, last_active: '0001-01-01T00:00:00Z' },
  num_ack_pending: 10,
  num_redelivered: 1,
  num_waiting: 2,
  num_pending: 100,
  ...over,
});

const sample = (pending: number, ackFloorSeq: number, atMs: number) => ({
  pending,
  ackFloorSeq,
  atMs,
  maxMinute: pending,
  maxHour: pending,
});

describe('consumer figures, rates and drain', () => {
  it('first sight: no rate, drain unknown; pull with waiting, times as the server gives them', () => {
    const c = consumerFigures(rawConsumer(), undefined, 1000);
    expect(c).toMatchObject({ kind: 'pull', durable: true, pending: 100, waiting: 2, ackRate: null });
    expect(c.pendingGrowth).toBeNull();
    expect(c.drain).toEqual({ state: 'unknown' });
    expect(c.lastDeliveredAt).toBe('2026-12-07T00:00:01Z');
    expect(c.lastAckedAt).toBeNull();
  });

  it('push consumers: no waiting; ephemeral: not durable', () => {
    const c = consumerFigures(rawConsumer({ config: { deliver_subject: 'x' }, num_waiting: 3 }), undefined, 0);
    expect(c).toMatchObject({ kind: 'push', durable: false, waiting: 0 });
  });

  it('ack rate and pending growth per second against the previous poll', () => {
    const c = consumerFigures(rawConsumer(), sample(140, 20, 0), 10_000);
    expect(c.ackRate).toBe(2);
    expect(c.pendingGrowth).toBe(-4);
    expect(c.drain).toEqual({ state: 'draining', seconds: 25 });
    const growing = consumerFigures(rawConsumer(), sample(50, 40, 0), 10_000);
    expect(growing.pendingGrowth).toBe(5);
    expect(growing.drain).toEqual({ state: 'not_draining' });
  });

  it('a recreated consumer (ack floor back) or no time passed: no rate', () => {
    expect(consumerFigures(rawConsumer(), sample(1, 99, 0), 10_000).ackRate).toBeNull();
    expect(consumerFigures(rawConsumer(), sample(1, 1, 5), 5).pendingGrowth).toBeNull();
  });

  it('drain: nothing pending is drained whatever the rate; flat lag is not draining', () => {
    expect(drainOf(0, null)).toEqual({ state: 'drained' });
    expect(drainOf(0, 3)).toEqual({ state: 'drained' });
    expect(drainOf(10, 0)).toEqual({ state: 'not_draining' });
    expect(drainOf(10, -3)).toEqual({ state: 'draining', seconds: 4 });
  });
});

describe('bounds', () => {
  const c = (name: string, pending: number, growth: number | null) => ({
    ...consumerFigures(rawConsumer({ name, num_pending: pending }), undefined, 0),
    pendingGrowth: growth,
  });

  it('keeps the worst consumers by pending, then growth (unknown last), then name; counts the rest', () => {
    const all = [c('a', 5, null), c('b', 9, 0), c('c', 5, 2), c('d', 5, null), c('e', 1, 100)];
    const { kept, omitted } = worst(all, 4, compareConsumers);
    expect(kept.map((x) => x.name)).toEqual(['b', 'c', 'a', 'd']);
    expect(omitted).toBe(1);
    expect(worst(all, 10, compareConsumers).omitted).toBe(0);
  });

  it('keeps the fullest streams, then the largest; counts the rest', () => {
    const s = (name: string, bytes: number, maxBytes: number) =>
      streamFigures(rawStream({ name, max_bytes: maxBytes }, { bytes }));
    const { kept, omitted } = worst(
      [s('x', 10, -1), s('y', 50, 100), s('z', 90, 100), s('w', 20, -1)],
      3,
      compareStreams,
    );
    expect(kept.map((x) => x.name)).toEqual(['z', 'y', 'w']);
    expect(omitted).toBe(1);
  });
});

describe('samples: the most pending within the minute and the hour', () => {
  const at = Date.UTC(2027, 0, 1, 10, 30, 10);
  it('carries the maxima on within the same minute and hour, starts them again in a new one', () => {
    const first = sampleOf({ pending: 50, ackFloorSeq: 1 }, undefined, at);
    expect(first).toEqual({ pending: 50, ackFloorSeq: 1, atMs: at, maxMinute: 50, maxHour: 50 });
    const lower = sampleOf({ pending: 20, ackFloorSeq: 5 }, first, at + 15_000);
    expect(lower).toMatchObject({ pending: 20, maxMinute: 50, maxHour: 50 });
    const nextMinute = sampleOf({ pending: 10, ackFloorSeq: 9 }, lower, at + 60_000);
    expect(nextMinute).toMatchObject({ maxMinute: 10, maxHour: 50 });
    const nextHour = sampleOf({ pending: 5, ackFloorSeq: 9 }, nextMinute, at + 3_600_000);
    expect(nextHour).toMatchObject({ maxMinute: 5, maxHour: 5 });
    expect(sampleOf({ pending: 70, ackFloorSeq: 9 }, nextHour, at + 3_600_001)).toMatchObject({
      maxMinute: 70,
      maxHour: 70,
    });
  });
});
