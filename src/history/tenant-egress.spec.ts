import { describe, expect, it } from 'vitest';
import { COUNTER_FIELDS as F } from './counter-schema.js';
import { tenantEgress } from './tenant-egress.js';

describe('tenantEgress', () => {
  // 1 → 5 subscribers × 10 messages of 120 bytes, tapped by Pulse (10) with 2 heartbeats of 150 bytes.
  const hash = { sv_out_m: '62', sv_out_b: String(60 * 120 + 2 * 150), pd_m: '12', pd_b: String(10 * 120 + 300) };

  it('accounts shape: the server’s egress without what it delivered to Pulse itself', () => {
    expect(tenantEgress(hash, 'account')).toEqual({ messages: 50, bytes: 50 * 120 });
  });

  it('subjects shape: the server’s egress as it is (Pulse’s connection is not the tenant’s)', () => {
    expect(tenantEgress(hash, 'subjects')).toEqual({ messages: 62, bytes: 7500 });
  });

  it('never goes below 0 (Pulse’s count ahead of the server’s poll), and reads absent or unreadable fields as 0', () => {
    expect(tenantEgress({ [F.pulseDeliveredMessages]: '5', [F.pulseDeliveredBytes]: '500' }, 'account')).toEqual({
      messages: 0,
      bytes: 0,
    });
    expect(tenantEgress({}, 'account')).toEqual({ messages: 0, bytes: 0 });
    expect(tenantEgress({ sv_out_m: 'x', sv_out_b: 7, pd_m: undefined }, 'account')).toEqual({ messages: 0, bytes: 7 });
  });

  it('sums several hashes (an hour’s minutes) before taking Pulse’s share out', () => {
    // The server's poll put the minute's deliveries in the next minute: per minute one would be
    // clamped at 0 and the next would keep Pulse's share; over the hour it comes out exact.
    const minutes = [
      { pd_m: '10', pd_b: '1000' },
      { sv_out_m: '60', sv_out_b: '6000', pd_m: '2', pd_b: '200' },
    ];
    expect(tenantEgress(minutes, 'account')).toEqual({ messages: 48, bytes: 4800 });
    expect(tenantEgress(minutes, 'subjects')).toEqual({ messages: 60, bytes: 6000 });
  });
});
