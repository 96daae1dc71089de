import { describe, expect, it } from 'vitest';
import { addressTracker } from './trackers.js';

describe('address tracker', () => {
  it('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64 whatever the notation', () => {
    expect(addressTracker('203.0.113.9')).toBe('203.0.113.9');
    expect(addressTracker('::ffff:203.0.113.9')).toBe('203.0.113.9');
    const a = addressTracker('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(addressTracker('2001:0db8:0001:0002::1')).toBe(a);
    expect(addressTracker('2001:db8:1:2::ffff')).toBe(a);
    expect(addressTracker('2001:db8:1:3::1')).not.toBe(a);
    expect(addressTracker('::1')).toBe('0:0:0:0::/64');
    expect(addressTracker('x'.repeat(500)).length).toBeLessThanOrEqual(64);
  });
});
