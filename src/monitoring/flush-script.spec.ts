import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../redis/redis-keys.js';
import { RETENTION } from '../common/retention.js';
import { encodeDelta } from './flush-script.js';

const MINUTE_TTL_SECONDS = RETENTION.enterprise.minuteSeconds;
const DAY_TTL_SECONDS = RETENTION.enterprise.daySeconds;
import { TenantDelta } from './tenant-delta.js';

function ops(args: (string | number)[]): (string | number)[][] {
  const out: (string | number)[][] = [];
  let i = 1;
  const width: Record<string, number> = { h: 4, z: 4, x: 3, t: 4, r: 4 };
  while (i < args.length) {
    const w = width[String(args[i])];
    if (!w) throw new Error(`unknown op ${args[i]} at ${i}`);
    out.push(args.slice(i, i + w));
    i += w;
  }
  return out;
}

describe('encodeDelta', () => {
  const keys = new RedisKeys('pulse');
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
});
