import { describe, expect, it } from 'vitest';
import { HistoryKeys } from '../history/history-keys.js';
import { RETENTION } from '../common/retention.js';
import { encodeDelta } from '../history/flush-script.js';

const MINUTE_TTL_SECONDS = RETENTION.enterprise.minuteSeconds;
const DAY_TTL_SECONDS = RETENTION.enterprise.daySeconds;
import { TenantDelta } from './tenant-delta.js';

function ops(args: (string | number)[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  let i = 1;
  const width: Record<string, number> = { h: 4, z: 4, x: 3, t: 4, r: 4, m: 4, s: 3, n: 3, q: 4 };
  while (i < args.length) {
    const w = width[String(args[i])];
    if (!w) throw new Error(`unknown op ${args[i]} at ${i}`);
    out.push(args.slice(i, i + w));
    i += w;
  }
  return out;
}

describe('encodeDelta', () => {
  const keys = new HistoryKeys('pulse');
  const minute = Date.UTC(2026, 10, 28, 12, 0) / 1000;

  it('encodes totals, minute, day, subjects and sketch operations with tenant-tagged keys', () => {
    const d = new TenantDelta('acme', 10);
    d.seq = 42;
    d.addSecond(minute + 5, 3, 300);
    d.addLatency(minute, 7, 2);
    d.latencyMissing = 1;
    d.subjectsOf('20261128').add('tenant.acme.a', 100);
    const { keys: k, args } = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 60_000);
    expect(args[0]).toBe(42);
    expect(k.slice(0, 3)).toEqual(['pulse:{t:acme}:tenant', 'pulse:{t:acme}:flush:inst1', 'pulse:{t:acme}:tot']);
    expect(k.every((key) => key.startsWith('pulse:{t:acme}:'))).toBe(true);
    const list = ops(args);
    const keyOf = (i: string | number) => k[Number(i) - 1];
    const hincr = list.filter((o) => o[0] === 'h').map((o) => [keyOf(o[1]), o[2], o[3]]);
    expect(hincr).toContainEqual(['pulse:{t:acme}:tot', 'm', 3]);
    expect(hincr).toContainEqual(['pulse:{t:acme}:tot', 'b', 300]);
    expect(hincr).toContainEqual(['pulse:{t:acme}:tot', 'lat_missing', 1]);
    expect(hincr).toContainEqual([`pulse:{t:acme}:min:${minute}`, 'm:5', 3]);
    expect(hincr).toContainEqual([`pulse:{t:acme}:min:${minute}`, 'l:7', 2]);
    expect(hincr).toContainEqual(['pulse:{t:acme}:day:20261128', 'm', 3]);
    expect(hincr).toContainEqual(['pulse:{t:acme}:subjb:20261128', 'tenant.acme.a', 100]);
    expect(hincr.some(([, field]) => field === 'lat_invalid')).toBe(false); // zeros are not sent
    const z = list.filter((o) => o[0] === 'z').map((o) => [keyOf(o[1]), o[2], o[3]]);
    expect(z).toEqual([['pulse:{t:acme}:subj:20261128', 'tenant.acme.a', 1]]);
    const trims = list.filter((o) => o[0] === 't');
    expect(trims.map((o) => o[3])).toEqual([500]);
    const ttl = new Map(list.filter((o) => o[0] === 'x').map((o) => [keyOf(o[1]), o[2]]));
    expect(ttl.get(`pulse:{t:acme}:min:${minute}`)).toBe(MINUTE_TTL_SECONDS);
    expect(ttl.get('pulse:{t:acme}:day:20261128')).toBe(DAY_TTL_SECONDS);
    expect(ttl.get('pulse:{t:acme}:hll:20261128')).toBe(DAY_TTL_SECONDS);
    expect(list.filter((o) => o[0] === 'r')).toHaveLength(1);
  });

  it("keeps a minute's largest message at the maximum (op m), never summed; none written without one", () => {
    const d = new TenantDelta('acme', 10);
    d.seq = 1;
    d.addSecond(minute + 5, 3, 300);
    d.addCount('largestMessage', minute, 250);
    d.addSecond(minute + 65, 1, 10);
    const { keys: k, args } = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 120_000);
    const list = ops(args).map(([op, key, ...rest]) => [op, k[Number(key) - 1], ...rest]);
    expect(list).toContainEqual(['m', `pulse:{t:acme}:min:${minute}`, 'pl_max', 250]);
    expect(list.some(([op, , field]) => op === 'h' && field === 'pl_max')).toBe(false);
    // The day takes it from the rollup (max over hours), not from the flush.
    expect(list.some(([, key, field]) => key === 'pulse:{t:acme}:day:20261128' && field === 'pl_max')).toBe(false);
    expect(list.some(([, key, field]) => key === `pulse:{t:acme}:min:${minute + 60}` && field === 'pl_max')).toBe(
      false,
    );
  });

  it('adds what the server delivered to the tap (pd_m, pd_b) to the minute and the totals; the day takes it from the rollup', () => {
    const d = new TenantDelta('acme', 10);
    d.seq = 1;
    d.addSecond(minute + 5, 3, 300);
    d.addCount('deliveredMessages', minute, 3);
    d.addCount('deliveredBytes', minute, 360);
    d.deliveredMessages = 3;
    d.deliveredBytes = 360;
    const { keys: k, args } = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 60_000);
    const list = ops(args).map(([op, key, ...rest]) => [op, k[Number(key) - 1], ...rest]);
    expect(list).toContainEqual(['h', `pulse:{t:acme}:min:${minute}`, 'pd_m', 3]);
    expect(list).toContainEqual(['h', `pulse:{t:acme}:min:${minute}`, 'pd_b', 360]);
    expect(list).toContainEqual(['h', 'pulse:{t:acme}:tot', 'pd_m', 3]);
    expect(list).toContainEqual(['h', 'pulse:{t:acme}:tot', 'pd_b', 360]);
    // The heartbeats' share is written to minutes only: the day must fold it from the hours.
    expect(list.some(([, key, field]) => key === 'pulse:{t:acme}:day:20261128' && field === 'pd_m')).toBe(false);
  });

  it("adds every minute's latency samples to the all-time coarse histogram and its sum in the totals", () => {
    const d = new TenantDelta('acme', 10);
    d.addSecond(minute + 5, 6, 600);
    d.addLatency(minute, 0, 1); // 0 ms → lt:0
    d.addLatency(minute, 7, 2); // [2^(6/8), 2^(7/8)) ms → lt:1
    d.addLatency(minute - 7200, 8, 1); // a late minute's samples count too → lt:1
    d.addLatency(minute, 9, 2); // [2, 2^(9/8)) ms → lt:2
    d.latencySumMs = 9;
    const { keys: k, args } = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 60_000);
    const totals = ops(args)
      .filter((o) => o[0] === 'h' && k[Number(o[1]) - 1] === 'pulse:{t:acme}:tot')
      .map((o) => [o[2], o[3]]);
    expect(totals).toEqual(
      expect.arrayContaining([
        ['lt:0', 1],
        ['lt:1', 3],
        ['lt:2', 2],
        ['lat_sum', 9],
      ]),
    );
    expect(totals.filter(([field]) => String(field).startsWith('lt:'))).toHaveLength(3);
  });

  it('never lists a key twice', () => {
    const d = new TenantDelta('acme', 10);
    for (let s = 0; s < 120; s++) d.addSecond(minute + s, 1, 1);
    const { keys: k } = encodeDelta(d, keys, 'i', 10, RETENTION.basic);
    expect(new Set(k).size).toBe(k.length);
  });

  it('marks the hours of minutes that arrive after the previous hour for the rollup job', () => {
    const d = new TenantDelta('acme', 100);
    d.seq = 2;
    d.addSecond(minute + 5, 3, 300);
    const onTime = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 3_000_000);
    expect(onTime.args).not.toContain('s');
    const late = encodeDelta(d, keys, 'inst1', 500, RETENTION.enterprise, minute * 1000 + 3 * 3_600_000);
    const at = late.args.indexOf('s');
    expect(late.keys[Number(late.args[at + 1]) - 1]).toBe(keys.rollupDirty('acme'));
    expect(late.args[at + 2]).toBe(minute - (minute % 3600));
  });

  describe('late data (common/history-tiers.ts)', () => {
    const named = (k: string[], args: (string | number)[]) =>
      ops(args).map(([op, key, ...rest]) => [op, typeof key === 'number' ? k[key - 1] : key, ...rest]);
    const lateDelta = () => {
      const d = new TenantDelta('acme', 10);
      d.seq = 3;
      d.addSecond(minute + 5, 7, 70);
      d.addSecond(minute + 6, 2, 20);
      d.addLatency(minute, 4, 9);
      d.addCount('largestMessage', minute, 512);
      d.subjectsOf('20261128').add('tenant.acme.a', 10);
      return d;
    };
    const at = (hours: number) => (minute + hours * 3600) * 1000;

    it("a minute past its hour's minute retention is added to the hour and day hashes (no minute, no mark)", () => {
      const { keys: k, args } = encodeDelta(lateDelta(), keys, 'i', 500, RETENTION.enterprise, at(30));
      const all = named(k, args);
      const hour = keys.hour('acme', minute - (minute % 3600));
      const day = keys.day('acme', '20261128');
      expect(all).toContainEqual(['h', hour, 'm', 9]);
      expect(all).toContainEqual(['h', hour, 'l:4', 9]);
      expect(all).toContainEqual(['m', hour, 'pk', 7]);
      expect(all).toContainEqual(['m', hour, 'pl_max', 512]);
      expect(all).toContainEqual(['m', day, 'pl_max', 512]);
      expect(all).toContainEqual(['h', day, 'm', 9]);
      expect(all).toContainEqual(['n', hour, RETENTION.enterprise.hourSeconds]);
      expect(k).not.toContain(keys.minute('acme', minute));
      expect(k).not.toContain(keys.rollupDirty('acme'));
      // Without a cold store nothing is queued or kept apart.
      expect(all.some(([op]) => op === 'q' || op === 's')).toBe(false);
    });

    it('with the cold store, a period still read from Redis is queued for the archiver; an older one goes to its late hash', () => {
      const hot = encodeDelta(lateDelta(), keys, 'i', 500, RETENTION.enterprise, at(30), 48 * 3600);
      expect(named(hot.keys, hot.args)).toContainEqual([
        'q',
        keys.archiveQueue('acme'),
        at(30),
        `h${minute - (minute % 3600)}`,
      ]);
      const cold = encodeDelta(lateDelta(), keys, 'i', 500, RETENTION.enterprise, at(60), 48 * 3600);
      const all = named(cold.keys, cold.args);
      const h = `h${minute - (minute % 3600)}`;
      expect(all).toContainEqual(['h', keys.late('acme', h), 'm', 9]);
      expect(all).toContainEqual(['s', keys.latePeriods('acme'), h]);
      expect(all).toContainEqual(['s', keys.latePeriods('acme'), 'd20261128']);
      // The day's subjects were archived 15 min after the day: they go to its late keys too.
      expect(all).toContainEqual(['z', `${keys.late('acme', 's20261128')}:m`, 'tenant.acme.a', 1]);
      expect(all).toContainEqual(['s', keys.latePeriods('acme'), 's20261128']);
      expect(cold.keys).not.toContain(keys.hour('acme', minute - (minute % 3600)));
      expect(cold.keys).not.toContain(keys.subjectMessages('acme', '20261128'));
    });

    it('a period past its retention takes nothing', () => {
      const { keys: k } = encodeDelta(lateDelta(), keys, 'i', 500, RETENTION.basic, at(24 * 40));
      expect(k).not.toContain(keys.hour('acme', minute - (minute % 3600)));
      expect(k).not.toContain(keys.day('acme', '20261128'));
    });
  });
});
