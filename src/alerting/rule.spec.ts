import { describe, expect, it } from 'vitest';
import { type AlertRule, IDLE, type RuleState, silenced, stepRule } from './rule.js';

const rule: AlertRule = {
  id: 'ru_1',
  name: 'few clients',
  metric: 'online_clients',
  operator: 'lt',
  threshold: 3,
  forSeconds: 5,
  severity: 'warning',
  channelIds: [],
  createdAt: '',
  updatedAt: '',
};

describe('stepRule', () => {
  it('fires once the condition has held for forSeconds, repeats no sooner than the repeat interval, resolves when it clears', () => {
    let s: RuleState = IDLE;
    const steps: (string | null)[] = [];
    const at = (t: number, value: number) => {
      const r = stepRule(rule, s, value, t * 1000, 60_000);
      s = r.state;
      steps.push(r.transition);
    };
    at(0, 2); // holds, pending
    at(3, 1); // 3 s
    at(5, 2); // 5 s: fire
    at(30, 2); // firing, no repeat yet
    at(66, 2); // repeat after 60 s
    at(70, 5); // clears: resolve
    at(71, 5);
    expect(steps).toEqual([null, null, 'fire', null, 'repeat', 'resolve', null]);
  });

  it('a condition that breaks before forSeconds starts over', () => {
    let s: RuleState = IDLE;
    s = stepRule(rule, s, 1, 0, 60_000).state;
    s = stepRule(rule, s, 9, 4000, 60_000).state;
    const r = stepRule(rule, s, 1, 6000, 60_000);
    expect(r.transition).toBeNull();
    expect(r.state.pendingSince).toBe(6000);
  });

  it('gt compares the other way', () => {
    const high = { ...rule, operator: 'gt' as const, forSeconds: 0, threshold: 0.1 };
    expect(stepRule(high, IDLE, 0.2, 0, 1000).transition).toBe('fire');
    expect(stepRule(high, IDLE, 0.1, 0, 1000).transition).toBeNull();
  });
});

describe('silences', () => {
  const now = Date.UTC(2026, 10, 28, 12);
  const until = new Date(now + 60_000).toISOString();
  it('match on every given field while not expired', () => {
    const s = [{ id: 'si', matcher: { ruleId: 'ru_1' }, until, createdAt: '' }];
    expect(silenced(s, { alertKey: 'rule:ru_1', ruleId: 'ru_1', severity: 'warning' }, now)).toBe(true);
    expect(silenced(s, { alertKey: 'rule:ru_2', ruleId: 'ru_2', severity: 'warning' }, now)).toBe(false);
    expect(silenced(s, { alertKey: 'rule:ru_1', ruleId: 'ru_1', severity: 'warning' }, now + 120_000)).toBe(false);
    const both = [
      { id: 'si', matcher: { anomalyType: 'rate_spike', severity: 'critical' as const }, until, createdAt: '' },
    ];
    expect(silenced(both, { alertKey: 'a', anomalyType: 'rate_spike', severity: 'warning' }, now)).toBe(false);
    expect(silenced(both, { alertKey: 'a', anomalyType: 'rate_spike', severity: 'critical' }, now)).toBe(true);
  });
});
