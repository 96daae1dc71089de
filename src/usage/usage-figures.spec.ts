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

  it("accounts shape: egress leaves out what the server delivered to Pulse's tap and heartbeats (summed, then subtracted)", () => {
    // 1 → 5 subscribers of 10 messages, tapped by Pulse: the server counts 60 deliveries; 2 heartbeats more.
    const minute1 = { sv_in_m: '10', sv_in_b: '1000', sv_out_m: '62', sv_out_b: '6240' };
    const minute2 = { pd_m: '12', pd_b: '1240' };
    const account = usageOf([minute1, minute2], 'account');
    expect(account.egress).toEqual({ messages: 50, bytes: 5000 });
    expect(account.fanout).toBe(5);
    // The subjects shape: Pulse's connection is not the tenant's, nothing to take out.
    expect(usageOf([minute1, minute2], 'subjects').egress).toEqual({ messages: 62, bytes: 6240 });
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
