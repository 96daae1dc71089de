import { describe, expect, it } from 'vitest';
import { fieldOf, usageOf } from './usage-figures.js';

describe('usage figures of counter hashes', () => {
  it('sums published, server ingress and egress, connection-minutes, byte-hours and refusals over the hashes', () => {
    const day1 = { m: '100', b: '1000', sv_in_m: '90', sv_in_b: '900', sv_out_m: '450', sv_out_b: '4500' };
    const day2 = { m: '10', b: '100', sv_in_m: '10', sv_in_b: '100', sv_out_m: '50', sv_out_b: '500', cn_min: '120' };
    const day3 = { js_bmin: '90', rf_cn: '1', rf_pl: '2', rf_sub: '3', 'l:3': '7', pk: '40' };
    expect(usageOf([day1, day2, day3])).toEqual({
      published: { messages: 110, bytes: 1100 },
      ingress: { messages: 100, bytes: 1000 },
      egress: { messages: 500, bytes: 5000 },
      fanout: 5,
      connectionMinutes: 120,
      jetstreamStorageByteHours: 1.5,
      refused: { connections: 1, payloads: 2, subscriptions: 3 },
    });
  });

  it('fan-out is null when nothing came in, and rounded to 3 decimals otherwise', () => {
    expect(usageOf([{ sv_out_m: '5' }]).fanout).toBeNull();
    expect(usageOf([]).fanout).toBeNull();
    expect(usageOf([{ sv_in_m: '3', sv_out_m: '10' }]).fanout).toBe(3.333);
  });

  it('ignores what is not a number', () => {
    expect(usageOf([{ m: 'x', b: '5' }]).published).toEqual({ messages: 0, bytes: 5 });
  });

  it('fieldOf: null when the hash does not hold the field (not measured), else its value', () => {
    expect(fieldOf({ cn_pk: '4' }, 'cn_pk')).toBe(4);
    expect(fieldOf({ cn_pk: '0' }, 'cn_pk')).toBe(0);
    expect(fieldOf({}, 'cn_pk')).toBeNull();
    expect(fieldOf({ cn_pk: 'x' }, 'cn_pk')).toBeNull();
  });
});
