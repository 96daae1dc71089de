import { describe, expect, it } from 'vitest';
import { LIMIT_NAMES, NO_LIMITS } from '../common/limits.js';
import { NO_TENANT_LIMITS } from '../tenants/tenant.js';
import { resolveLimits } from './limit-values.js';

describe('limit resolution', () => {
  it('no claims, no tenant limits, no quota: every limit none', () => {
    const limits = resolveLimits(null, { limits: NO_TENANT_LIMITS, monthlyMessageQuota: null });
    expect([...limits.keys()]).toEqual(LIMIT_NAMES);
    for (const l of limits.values()) expect(l).toEqual({ max: null, source: 'none' });
  });

  it("the one-account shape: the tenant's limits, and the monthly messages from its quota", () => {
    const limits = resolveLimits(null, {
      limits: { ...NO_TENANT_LIMITS, connections: 5, payload: 1_048_576 },
      monthlyMessageQuota: 1_000_000,
    });
    expect(limits.get('connections')).toEqual({ max: 5, source: 'tenant' });
    expect(limits.get('payload')).toEqual({ max: 1_048_576, source: 'tenant' });
    expect(limits.get('monthlyMessages')).toEqual({ max: 1_000_000, source: 'tenant' });
    expect(limits.get('subscriptions')).toEqual({ max: null, source: 'none' });
  });

  it("the accounts shape: a claim wins over the tenant's value; an unlimited claim leaves the tenant's", () => {
    const limits = resolveLimits(
      { ...NO_LIMITS, connections: 5, jetstreamStorage: 1e9, monthlyMessages: 7 },
      { limits: { ...NO_TENANT_LIMITS, connections: 50, subscriptions: 100 }, monthlyMessageQuota: null },
    );
    expect(limits.get('connections')).toEqual({ max: 5, source: 'account' });
    expect(limits.get('jetstreamStorage')).toEqual({ max: 1e9, source: 'account' });
    expect(limits.get('subscriptions')).toEqual({ max: 100, source: 'tenant' });
    // The monthly messages are never in claims.
    expect(limits.get('monthlyMessages')).toEqual({ max: null, source: 'none' });
  });

  it('a limit of 0 or below, or not a number, is no limit', () => {
    const limits = resolveLimits(
      { ...NO_LIMITS, connections: 0, subscriptions: -1 },
      { limits: { ...NO_TENANT_LIMITS, connections: Number.NaN }, monthlyMessageQuota: 0 },
    );
    expect(limits.get('connections')).toEqual({ max: null, source: 'none' });
    expect(limits.get('subscriptions')).toEqual({ max: null, source: 'none' });
    expect(limits.get('monthlyMessages')).toEqual({ max: null, source: 'none' });
  });
});
