import { describe, expect, it } from 'vitest';
import * as million from './million-plan.mjs';

const { clientsOfTenant, dueBy, failures, heartbeatAt, histogram, histogramSince } = million;
const { millionPlan, nearestRank, percentileBoundMs, sample } = million;

describe('millionPlan', () => {
  it('the defaults: a million clients at the protocol rate, a warm-up round and 10 minutes of steady rounds', () => {
    const plan = millionPlan();
    expect(plan).toMatchObject({ clients: 1_000_000, tenants: 100, steadyRounds: 20, rounds: 21, total: 21_000_000 });
    expect(plan.rate).toBeCloseTo(33_333.33, 2);
    expect(plan.seconds).toBe(630);
  });

  it('refuses a plan that cannot run', () => {
    expect(() => millionPlan({ clients: 0 })).toThrow(/clients/);
    expect(() => millionPlan({ clients: 10, tenants: 11 })).toThrow(/tenants/);
    expect(() => millionPlan({ minutes: Number.NaN })).toThrow(/minutes/);
  });

  it('every client heartbeats exactly once per round, spread evenly over the period and the tenants', () => {
    const plan = millionPlan({ clients: 1000, tenants: 7, minutes: 1 });
    const seen = new Map();
    let lastDue = -1;
    for (let k = 0; k < plan.total; k++) {
      const h = heartbeatAt(plan, k);
      expect(h.dueMs).toBeGreaterThan(lastDue);
      lastDue = h.dueMs;
      expect(h.client).toBeLessThan(clientsOfTenant(plan, h.tenant));
      const key = `${h.tenant}/${h.client}`;
      seen.set(key, [...(seen.get(key) ?? []), h]);
    }
    expect(seen.size).toBe(1000);
    for (const beats of seen.values()) {
      expect(beats.map((b) => b.round)).toEqual([0, 1, 2]);
      // One period between a client's heartbeats.
      expect(beats[1].dueMs - beats[0].dueMs).toBeCloseTo(30_000, 6);
    }
    // The tenants' shares differ by one at most and add up.
    const shares = Array.from({ length: 7 }, (_, t) => clientsOfTenant(plan, t));
    expect(shares.reduce((a, b) => a + b)).toBe(1000);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });

  it('dueBy agrees with each heartbeat due time: the rate is held to the heartbeat', () => {
    const plan = millionPlan({ clients: 300_000, tenants: 100, minutes: 2 });
    expect(dueBy(plan, -1)).toBe(0);
    expect(dueBy(plan, 0)).toBe(1);
    for (const k of [1, 2, 299_999, 300_000, 1_234_567, plan.total - 1]) {
      const due = heartbeatAt(plan, k).dueMs;
      expect(dueBy(plan, due)).toBe(k + 1);
      expect(dueBy(plan, due - 1e-6)).toBe(k);
    }
    expect(dueBy(plan, 1e9)).toBe(plan.total);
    // 10,000/s: 10 due in the first millisecond (0 ms up to 0.9 ms), 10,000 in the first second.
    expect(dueBy(plan, 0.999)).toBe(10);
    expect(dueBy(plan, 999.999)).toBe(10_000);
  });
});

const scrape = `# TYPE pulse_heartbeats_total counter
pulse_heartbeats_total{outcome="accepted"} 120
pulse_heartbeats_total{outcome="schema"} 3
pulse_heartbeats_total{outcome="shed"} 2
pulse_presence_pending_heartbeats 7
pulse_presence_pending_heartbeats_other 99
pulse_h_seconds_bucket{le="0"} 0
pulse_h_seconds_bucket{le="0.001"} 10
pulse_h_seconds_bucket{le="0.511"} 90
pulse_h_seconds_bucket{le="0.724"} 99
pulse_h_seconds_bucket{le="+Inf"} 100
`;

describe('reading /metrics', () => {
  it('samples by labels, summed over what matches, never a longer name', () => {
    expect(sample(scrape, 'pulse_heartbeats_total', { outcome: 'accepted' })).toBe(120);
    expect(sample(scrape, 'pulse_heartbeats_total')).toBe(125);
    expect(sample(scrape, 'pulse_presence_pending_heartbeats')).toBe(7);
    expect(sample(scrape, 'pulse_missing')).toBe(0);
  });

  it('percentiles of a histogram are bucket bounds, never below the true value', () => {
    const h = histogram(scrape, 'pulse_h_seconds');
    expect(h.map((b) => b.leMs)).toEqual([0, 1, 511, 724, Infinity]);
    expect(percentileBoundMs(h, 0.1)).toBe(1);
    expect(percentileBoundMs(h, 0.5)).toBe(511);
    expect(percentileBoundMs(h, 0.99)).toBe(724);
    expect(percentileBoundMs(h, 1)).toBe(Infinity);
    expect(percentileBoundMs([], 0.5)).toBeNull();
  });

  it('a window of a histogram is the difference of two scrapes', () => {
    const before = histogram(scrape, 'pulse_h_seconds');
    const after = before.map((b) => ({ ...b, count: b.count + (b.leMs >= 724 ? 50 : 0) }));
    const window = histogramSince(after, before);
    expect(window.map((b) => b.count)).toEqual([0, 0, 0, 50, 50]);
    expect(percentileBoundMs(window, 0.5)).toBe(724);
  });

  it('nearest rank', () => {
    expect(nearestRank([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(nearestRank([5, 1, 3, 2, 4], 0.99)).toBe(5);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});

describe('failures', () => {
  const plan = millionPlan({ clients: 1000, tenants: 10, minutes: 1 });
  const clean = {
    heartbeats: { sent: 3000, accepted: 3000, rejected: 0, written: 2990, superseded: 10, pending: 0 },
    warmupRate: 33.4,
    steadyRate: 33.3,
    presence: { total: 1000, online: 1000, offline: 0 },
    offlineEvents: 0,
    probe: { failed: 0, statuses: { 200: 40 } },
  };

  it('none for a clean run', () => {
    expect(failures(plan, clean)).toEqual([]);
  });

  it('names each way a run fails', () => {
    const lost = failures(plan, { ...clean, heartbeats: { ...clean.heartbeats, accepted: 2990, written: 2980 } });
    expect(lost).toEqual(['10 heartbeats lost (sent 3000, Pulse took 2990)']);
    expect(failures(plan, { ...clean, heartbeats: { ...clean.heartbeats, pending: 5, written: 2985 } })).toEqual([
      '5 accepted heartbeats never written to Redis (5 still pending)',
    ]);
    expect(failures(plan, { ...clean, steadyRate: 30 })[0]).toMatch(/steady state, below 99 %/);
    expect(failures(plan, { ...clean, offlineEvents: 3 })).toEqual(['3 offline transitions']);
    expect(failures(plan, { ...clean, presence: { total: 1000, online: 998, offline: 2 } })[0]).toMatch(
      /998 online and 2 offline/,
    );
    expect(failures(plan, { ...clean, probe: { failed: 2, statuses: { 200: 38, 503: 2 } } })[0]).toMatch(/503/);
    expect(
      failures(plan, {
        ...clean,
        heartbeats: { ...clean.heartbeats, sent: 2000, accepted: 2000, written: 2000, superseded: 0 },
      })[0],
    ).toMatch(/sent 2000 of 3000/);
  });
});
