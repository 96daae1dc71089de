import { describe, expect, it } from 'vitest';
import { claimedIdentities, mergeLimits, NO_NATS_IDENTITIES, NO_TENANT_LIMITS } from './tenant.js';

describe('a tenant’s NATS account and limits (issue #34)', () => {
  it('holds its own account as one more account identity, once', () => {
    const ids = { accounts: ['SHARED'], users: ['alice'], nkeys: [] };
    expect(claimedIdentities({ natsIdentities: ids, natsAccount: null })).toBe(ids);
    expect(claimedIdentities({ natsIdentities: ids, natsAccount: 'TENANT_A' })).toEqual({
      ...ids,
      accounts: ['SHARED', 'TENANT_A'],
    });
    expect(claimedIdentities({ natsIdentities: ids, natsAccount: 'SHARED' }).accounts).toEqual(['SHARED']);
    expect(claimedIdentities({ natsIdentities: NO_NATS_IDENTITIES })).toBe(NO_NATS_IDENTITIES);
  });

  it('merges limits field by field: absent unchanged, null cleared', () => {
    const current = { ...NO_TENANT_LIMITS, connections: 10, payload: 1024 };
    expect(mergeLimits(current, undefined)).toBe(current);
    expect(mergeLimits(current, { connections: 20, payload: null, jetstreamStreams: 3 })).toEqual({
      ...NO_TENANT_LIMITS,
      connections: 20,
      jetstreamStreams: 3,
    });
    // Only the eight limits: nothing else is copied in.
    expect(Object.keys(mergeLimits(current, { monthlyMessages: 5 } as object))).toEqual(Object.keys(NO_TENANT_LIMITS));
  });
});
