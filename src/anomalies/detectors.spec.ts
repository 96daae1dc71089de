import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_CONFIG as C } from '../config/detector-config.js';
import { type DetectorState, evaluate, initialState, offlineDeltas, type WindowFigures } from './detectors.js';
import { subjectPattern } from './subject-pattern.js';
import { MAX_STORED_SUBJECT_CHARS } from '../common/stored-subject.js';

/** Deterministic noise in [-1, 1]. */
function noise(seed = 42) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

const win = (over: Partial<WindowFigures> = {}): WindowFigures => ({
  messages: 1000,
  sent: 1000,
  received: 1000,
  errors: 10,
  rejected: 0,
  newDistinct: 0,
  patterns: ['tenant.acme.orders.*'],
  offline: {},
  ...over,
});

/** Runs windows through the detectors; returns the types opened per window and the final state. */
function run(windows: WindowFigures[], state: DetectorState = initialState()) {
  const opened: string[][] = [];
  const resolved: string[][] = [];
  let n = 0;
  for (const w of windows) {
    const e = evaluate(state, w, C);
    state = e.state;
    for (const d of e.opened) state.open[d.key] = { id: `a${n++}`, type: d.type, clear: 0 };
    opened.push(e.opened.map((d) => d.type));
    resolved.push(e.resolved.map((r) => r.type));
  }
  return { opened, resolved, state };
}

const steady = (count: number, mean = 1000, spread = 0.2, seed = 1) => {
  const r = noise(seed);
  return Array.from({ length: count }, () => win({ messages: Math.round(mean * (1 + spread * r())) }));
};

describe('rate_spike', () => {
  it('opens once on a 10× burst, stays open while it lasts, resolves after the hold-down', () => {
    const burst = Array.from({ length: 5 }, () => win({ messages: 12_000 }));
    const { opened, resolved } = run([...steady(20), ...burst, ...steady(10, 1000, 0.2, 9)]);
    expect(opened.flat().filter((t) => t === 'rate_spike')).toHaveLength(1);
    expect(opened[20]).toContain('rate_spike');
    const resolvedAt = resolved.findIndex((r) => r.includes('rate_spike'));
    expect(resolvedAt).toBe(25 + C.holdDownWindows - 1);
  });

  it('stays quiet on small absolute numbers (1 → 10 messages)', () => {
    const { opened } = run([...steady(20, 1, 0), win({ messages: 10 }), win({ messages: 40 })]);
    expect(opened.flat()).toEqual([]);
  });

  it('does not fire during warm-up', () => {
    const { opened } = run([...steady(3), win({ messages: 50_000 })]);
    expect(opened.flat()).not.toContain('rate_spike');
  });
});

describe('traffic_drop', () => {
  it('opens after a sustained drop below 10 % of the baseline, not on one quiet window', () => {
    const one = run([...steady(20), win({ messages: 5 }), ...steady(5)]);
    expect(one.opened.flat()).not.toContain('traffic_drop');
    const sustained = run([...steady(20), ...Array.from({ length: 5 }, () => win({ messages: 5 }))]);
    expect(sustained.opened.flat().filter((t) => t === 'traffic_drop')).toHaveLength(1);
  });
});

describe('error_rate', () => {
  it('opens above 10 % of messages sent+received, with a minimum sample', () => {
    expect(run([win({ errors: 250 })]).opened[0]).toContain('error_rate'); // 12.5 %
    expect(run([win({ errors: 150 })]).opened[0]).not.toContain('error_rate'); // 7.5 %
    expect(run([win({ sent: 20, received: 20, errors: 30 })]).opened[0]).not.toContain('error_rate'); // tiny sample
  });
});

describe('unusual_subject', () => {
  it('opens for a pattern never seen after warm-up, once; ids do not make new patterns', () => {
    const base = Array.from({ length: 20 }, (_, i) =>
      win({ patterns: [subjectPattern(`tenant.acme.orders.${i}.created`)] }),
    );
    const { opened } = run([
      ...base,
      win({ patterns: [subjectPattern('tenant.acme.orders.991.created')] }),
      win({ patterns: [subjectPattern('tenant.acme.admin.dump')] }),
      win({ patterns: [subjectPattern('tenant.acme.admin.dump')] }),
    ]);
    expect(opened[20]).toEqual([]);
    expect(opened[21]).toEqual(['unusual_subject']);
    expect(opened[22]).toEqual([]);
  });

  it('keeps known patterns bounded in bytes: 4 KB subjects are learnt in their stored form', () => {
    const long = (i: number) => `tenant.acme.${'x'.repeat(4000)}${String.fromCharCode(97 + (i % 26))}`;
    const windows = Array.from({ length: 30 }, (_, i) => win({ patterns: [subjectPattern(long(i)), 'tenant.acme.a'] }));
    const { state, opened } = run(windows);
    expect(state.knownPatterns).toHaveLength(27);
    expect(Math.max(...state.knownPatterns.map((p) => p.length))).toBeLessThanOrEqual(MAX_STORED_SUBJECT_CHARS);
    // Seen again, a long subject is known (the same stored form), so nothing opens for it.
    expect(opened.slice(26).flat()).toEqual([]);
    const { opened: again } = run([win({ patterns: [subjectPattern(long(3))] })], state);
    expect(again.flat()).toEqual([]);
  });

  it('opens on a jump in distinct subjects', () => {
    const base = Array.from({ length: 20 }, () => win({ newDistinct: 3 }));
    expect(run([...base, win({ newDistinct: 5000 })]).opened[20]).toContain('unusual_subject');
  });

  it('normalises numbers, UUIDs and hex', () => {
    expect(subjectPattern('tenant.acme.user.42.cart.9f86d081884c7d65')).toBe('tenant.acme.user.*.cart.*');
    expect(subjectPattern('tenant.acme.job.123e4567-e89b-12d3-a456-426614174000')).toBe('tenant.acme.job.*');
    expect(subjectPattern('tenant.acme.orders.created')).toBe('tenant.acme.orders.created');
    expect(subjectPattern('tenant.t-42.orders.7')).toBe('tenant.t-42.orders.*'); // the tenant id stays
  });
});

describe('client_flapping and security', () => {
  it('flags a client going offline 3 times within the window span', () => {
    const flaps = [win({ offline: { c1: 1 } }), win({ offline: { c1: 1, c2: 1 } }), win({ offline: { c1: 1 } })];
    const { opened } = run(flaps);
    expect(opened[2]).toEqual(['client_flapping']);
  });

  it('flags a spike of rejected heartbeats, not a trickle', () => {
    const base = Array.from({ length: 20 }, () => win({ rejected: 1 }));
    expect(run([...base, win({ rejected: 5 })]).opened[20]).toEqual([]);
    expect(run([...base, win({ rejected: 200 })]).opened[20]).toEqual(['security']);
  });
});

describe('quiet on normal traffic', () => {
  it('steady with noise, slowly growing and daily-seasonal traffic open nothing (false-positive rate)', () => {
    const r = noise(7);
    const days = 7;
    const seasonal = Array.from({ length: days * 1440 }, (_, i) => {
      const daily = 1 + 0.6 * Math.sin((2 * Math.PI * i) / 1440);
      const growth = 1 + i / (days * 1440); // doubles over the week
      return win({
        messages: Math.round(1000 * daily * growth * (1 + 0.25 * r())),
        errors: Math.round(20 * (1 + 0.5 * r())),
        rejected: Math.round(2 * (1 + r())),
        newDistinct: Math.round(5 * (1 + r())),
        offline: r() > 0.98 ? { [`c${Math.floor((r() + 1) * 50)}`]: 1 } : {},
      });
    });
    const { opened } = run(seasonal);
    const falsePositives = opened.flat().length;
    const rate = falsePositives / seasonal.length;
    console.log(
      `detectors over ${seasonal.length} noisy seasonal windows: ${falsePositives} false positives (${(rate * 100).toFixed(3)} %)`,
    );
    expect(falsePositives).toBe(0);
  });
});

describe('offline deltas', () => {
  it('client ids named like Object.prototype members count like any other', () => {
    const before = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, number>;
    const now = JSON.parse('{"__proto__": 3, "constructor": 2, "toString": 1, "a": 2}') as Record<string, number>;
    const deltas = offlineDeltas(now, before, false);
    expect(Object.entries(deltas).sort()).toEqual([
      ['__proto__', 2],
      ['constructor', 2],
      ['toString', 1],
    ]);
    expect(Object.getPrototypeOf(deltas)).toBe(Object.prototype);
    expect(offlineDeltas(now, before, true)).toMatchObject({ a: 2, constructor: 2 });
  });
});

describe('what the NATS server reports (system account)', () => {
  const nats = (over: Partial<NonNullable<WindowFigures['nats']>> = {}) =>
    win({ nats: { connects: 2, slowConsumers: 0, authFailures: 0, ...over } });

  it('five failed logins with the tenant identities in a window open one security anomaly, four do not; it resolves after the hold-down', () => {
    expect(run([nats({ authFailures: 4 })]).opened[0]).toEqual([]);
    const { opened, resolved } = run([nats({ authFailures: 5 }), nats({ authFailures: 7 }), nats(), nats(), nats()]);
    expect(opened).toEqual([['security'], [], [], [], []]);
    expect(resolved[4]).toEqual(['security']);
  });

  it('a slow-consumer disconnect is a slow_consumer anomaly; a churn spike after warm-up is security', () => {
    expect(run([nats({ slowConsumers: 1 })]).opened[0]).toEqual(['slow_consumer']);
    const base = Array.from({ length: 20 }, () => nats({ connects: 2 }));
    expect(run([...base, nats({ connects: 15 })]).opened[20]).toEqual([]);
    expect(run([...base, nats({ connects: 40 })]).opened[20]).toEqual(['security']);
    // Without the figures (no system account) nothing of it fires.
    expect(run([win()]).opened[0]).toEqual([]);
  });
});
