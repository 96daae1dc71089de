import { describe, expect, it } from 'vitest';
import { behaviourOf, type ClientTotals, findOutliers, median, robustZ, sumClientDays } from './client-behaviour.js';

const client = (id: string, over: Partial<ClientTotals> = {}): ClientTotals => ({
  clientId: id,
  messagesSent: 1000,
  messagesReceived: 1000,
  errors: 20,
  onlineSeconds: 3600,
  sessions: 1,
  reconnects: 0,
  offlineTransitions: 0,
  ...over,
});

describe('client behaviour', () => {
  it('sums per-day counters per client (ids may contain any id characters)', () => {
    const totals = sumClientDays([
      { 'a-1|s': '10', 'a-1|e': '1', 'b_2|r': '5', 'a-1|ss': '1', junk: '9', 'a-1|zz': '3' },
      { 'a-1|s': '5', 'a-1|on': '120', 'a-1|off': '2', 'a-1|rc': '1' },
    ]);
    expect(totals.get('a-1')).toMatchObject({
      messagesSent: 15,
      errors: 1,
      onlineSeconds: 120,
      sessions: 1,
      reconnects: 1,
      offlineTransitions: 2,
    });
    expect(totals.get('b_2')).toMatchObject({ messagesReceived: 5 });
    expect(totals.size).toBe(2);
  });

  it('uptime % and error rate', () => {
    const b = behaviourOf(client('x', { onlineSeconds: 1800, errors: 100 }), 3600);
    expect(b.uptimePercent).toBe(50);
    expect(b.errorRate).toBe(0.05);
    expect(behaviourOf(client('y', { onlineSeconds: 9999 }), 3600).uptimePercent).toBe(100);
    expect(behaviourOf(client('z', { messagesSent: 0, messagesReceived: 0 }), 0)).toMatchObject({
      errorRate: 0,
      uptimePercent: 0,
    });
  });

  it('median and robust z', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(robustZ([1, 1, 1])).toEqual([0, 0, 0]);
    const z = robustZ([10, 11, 9, 10, 100]);
    expect(z[4]).toBeGreaterThan(3.5);
    expect(Math.abs(z[0])).toBeLessThan(1);
  });

  it('flags a client whose error rate is far above the norm, not small absolute differences', () => {
    const base = Array.from({ length: 9 }, (_, i) => client(`c${i}`, { errors: 18 + i }));
    const flagged = findOutliers([...base, client('bad', { errors: 600 })].map((c) => behaviourOf(c, 3600)));
    expect(flagged).toEqual([{ clientId: 'bad', reasons: ['error_rate'] }]);
    // 1 % vs 1.5 %: statistically odd maybe, but under the absolute margin: no alarm.
    const quiet = findOutliers([...base, client('meh', { errors: 30 })].map((c) => behaviourOf(c, 3600)));
    expect(quiet).toEqual([]);
  });

  it('ignores error rates on tiny samples', () => {
    const base = Array.from({ length: 9 }, (_, i) => client(`c${i}`));
    const tiny = client('tiny', { messagesSent: 5, messagesReceived: 5, errors: 5 });
    expect(
      findOutliers([...base, tiny].map((c) => behaviourOf(c, 3600))).some((o) => o.reasons.includes('error_rate')),
    ).toBe(false);
  });

  it('flags volume far above and below the others', () => {
    const base = Array.from({ length: 10 }, (_, i) => client(`c${i}`, { messagesSent: 900 + 20 * i }));
    const all = [
      ...base,
      client('chatty', { messagesSent: 1_000_000 }),
      client('silent', { messagesSent: 1, messagesReceived: 1, errors: 0 }),
    ];
    const flagged = findOutliers(all.map((c) => behaviourOf(c, 3600)));
    expect(flagged).toEqual([
      { clientId: 'chatty', reasons: ['volume_high'] },
      { clientId: 'silent', reasons: ['volume_low'] },
    ]);
  });

  it('flags flapping clients even in a small tenant, and nothing in a steady one', () => {
    const flapping = findOutliers(
      [client('a', { offlineTransitions: 3 }), client('b', { offlineTransitions: 2 })].map((c) => behaviourOf(c, 3600)),
    );
    expect(flapping).toEqual([{ clientId: 'a', reasons: ['flapping'] }]);
    const steady = Array.from({ length: 20 }, (_, i) =>
      client(`c${i}`, { messagesSent: 1000 + i, errors: 20 + (i % 3) }),
    );
    expect(findOutliers(steady.map((c) => behaviourOf(c, 3600)))).toEqual([]);
  });
});
