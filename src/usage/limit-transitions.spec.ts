import { describe, expect, it } from 'vitest';
import type { LimitLevel, LimitName } from '../common/limits.js';
import { crossingId, type Hysteresis, stepLimits, type WatchedLimit } from './limit-transitions.js';
import type { LimitUtilisation } from './usage.types.js';

const T = 'acme';

/** A reading of one limit at `utilisation` of `max`, its level by the default thresholds (80 %, 95 %). */
function reading(limit: LimitName, utilisation: number | null, max: number | null = 100): LimitUtilisation {
  const level: LimitLevel =
    utilisation === null ? 'ok' : utilisation >= 0.95 ? 'critical' : utilisation >= 0.8 ? 'warning' : 'ok';
  const used = utilisation === null ? 0 : Math.round(utilisation * (max ?? 0));
  return {
    limit,
    max,
    source: 'tenant',
    used,
    utilisation,
    peakToday: used,
    peakUtilisation: utilisation,
    level,
    forecast: null,
  };
}

/** Runs readings pass after pass (one second apart) from nothing: every crossing as `event level`, and the state. */
function walk(readings: LimitUtilisation[][], hysteresis?: Hysteresis) {
  let state = new Map<LimitName, WatchedLimit>();
  const events: string[][] = [];
  const changes: number[] = [];
  readings.forEach((current, i) => {
    const step = stepLimits(T, state, current, 1_000 * (i + 1), hysteresis);
    state = new Map([...state, ...step.changed]);
    events.push(step.crossings.map((c) => `${c.event} ${c.level}`));
    changes.push(step.changed.size);
  });
  return { state, events, changes };
}

describe('stepLimits: limit crossings from levels (pure)', () => {
  it('0.5 → 0.8 → 0.85 → 0.96 → 0.5: opens warning, opens critical, resolves critical then warning; once each', () => {
    const { events, changes, state } = walk([0.5, 0.8, 0.85, 0.96, 0.5].map((u) => [reading('connections', u)]));
    expect(events).toEqual([
      [],
      ['opened warning'],
      [],
      ['opened critical'],
      ['resolved critical', 'resolved warning'],
    ]);
    // A pass at the same level stores nothing (the first stores the level it saw).
    expect(changes).toEqual([0, 1, 0, 1, 1]);
    expect(state.get('connections')).toEqual({ level: 'ok', opened: {}, max: 100 });
  });

  it('a crossing keeps its id from opening to resolve: tenant, limit, level, when it opened', () => {
    let state = new Map<LimitName, WatchedLimit>();
    const open = stepLimits(T, state, [reading('data', 0.9)], 5_000);
    expect(open.crossings).toEqual([
      {
        id: `${T}:data:warning:5000`,
        tenantId: T,
        limit: 'data',
        level: 'warning',
        event: 'opened',
        used: 90,
        max: 100,
        utilisation: 0.9,
        at: new Date(5_000).toISOString(),
      },
    ]);
    state = new Map([...state, ...open.changed]);
    const resolved = stepLimits(T, state, [reading('data', 0.1)], 65_000);
    expect(resolved.crossings).toEqual([
      expect.objectContaining({
        id: crossingId(T, 'data', 'warning', 5_000),
        event: 'resolved',
        used: 10,
        utilisation: 0.1,
        at: new Date(65_000).toISOString(),
      }),
    ]);
  });

  it('ok straight to critical opens both (warning first); critical back to warning resolves critical only', () => {
    const { events, state } = walk([[reading('payload', 0.99)], [reading('payload', 0.9)], [reading('payload', 0.97)]]);
    expect(events).toEqual([['opened warning', 'opened critical'], ['resolved critical'], ['opened critical']]);
    // The warning opened in the first pass stays open throughout; the second critical is a crossing of its own.
    expect(state.get('payload')).toEqual({ level: 'critical', opened: { warning: 1_000, critical: 3_000 }, max: 100 });
  });

  it('each limit crosses on its own; a limit not read keeps its state; unknown names are ignored', () => {
    const { events, state } = walk([
      [reading('connections', 0.85), reading('subscriptions', 0.99)],
      [reading('subscriptions', 0.5)], // connections not read: still open, nothing said
      [{ ...reading('connections', 0.99), limit: 'bogus' as LimitName }],
    ]);
    expect(events).toEqual([
      ['opened warning', 'opened warning', 'opened critical'],
      ['resolved critical', 'resolved warning'],
      [],
    ]);
    expect(state.get('connections')?.opened).toEqual({ warning: 1_000 });
    expect([...state.keys()]).toEqual(['connections', 'subscriptions']);
  });

  it('a limit removed while crossed resolves, saying the value it had', () => {
    const { events } = walk([[reading('jetstreamStorage', 0.96, 1_000)], [reading('jetstreamStorage', null, null)]]);
    expect(events[1]).toEqual(['resolved critical', 'resolved warning']);
    const state = new Map<LimitName, WatchedLimit>([
      ['jetstreamStorage', { level: 'critical', opened: { warning: 1, critical: 1 }, max: 1_000 }],
    ]);
    const step = stepLimits(T, state, [{ ...reading('jetstreamStorage', null, null), used: 500 }], 2);
    expect(step.crossings.map((c) => [c.max, c.utilisation])).toEqual([
      [1_000, 0.5],
      [1_000, 0.5],
    ]);
    expect(step.changed.get('jetstreamStorage')).toEqual({ level: 'ok', opened: {}, max: 1_000 });
  });

  it('a limit with a value whose use is not measured (server figures lost) keeps its state: nothing resolves or reopens', () => {
    const { events, state, changes } = walk([
      [reading('connections', 0.99)],
      [reading('connections', null)], // max 100, utilisation null: the snapshot expired
      [reading('connections', 0.99)],
    ]);
    expect(events).toEqual([['opened warning', 'opened critical'], [], []]);
    expect(changes).toEqual([1, 0, 0]);
    expect(state.get('connections')).toEqual({
      level: 'critical',
      opened: { warning: 1_000, critical: 1_000 },
      max: 100,
    });
  });

  it('hysteresis: opens at the threshold, resolves only below it minus the margin (5 points)', () => {
    const margin: Hysteresis = { thresholds: { warning: 0.8, critical: 0.95 }, margin: 0.05 };
    const critical = walk(
      [0.95, 0.94, 0.95, 0.9, 0.89].map((u) => [reading('connections', u)]),
      margin,
    );
    expect(critical.events).toEqual([['opened warning', 'opened critical'], [], [], [], ['resolved critical']]);
    expect(critical.state.get('connections')).toEqual({ level: 'warning', opened: { warning: 1_000 }, max: 100 });
    const warning = walk(
      [0.8, 0.79, 0.8, 0.75, 0.74].map((u) => [reading('connections', u)]),
      margin,
    );
    expect(warning.events).toEqual([['opened warning'], [], [], [], ['resolved warning']]);
    // Without a margin every dip resolves and every return reopens (a new crossing each time).
    expect(walk([0.95, 0.94, 0.95].map((u) => [reading('connections', u)])).events).toEqual([
      ['opened warning', 'opened critical'],
      ['resolved critical'],
      ['opened critical'],
    ]);
  });

  it('a limit listed twice counts once (the first reading)', () => {
    const step = stepLimits(T, new Map(), [reading('connections', 0.85), reading('connections', 0.99)], 1);
    expect(step.crossings.map((c) => c.level)).toEqual(['warning']);
  });
});
