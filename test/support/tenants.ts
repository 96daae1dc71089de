import { NO_TENANT_LIMITS, type Tenant } from '../../src/tenants/tenant.js';

/** A tenant record as the repository stores it (basic, active, no identities), for repository tests. */
export function tenantRecord(id: string, overrides: Partial<Tenant> = {}): Tenant {
  return {
    id,
    name: id,
    tier: 'basic',
    plan: null,
    status: 'active',
    monthlyMessageQuota: null,
    anomalySensitivity: 'medium',
    sampling: 0,
    retentionDays: null,
    natsIdentities: { accounts: [], users: [], nkeys: [] },
    natsAccount: null,
    limits: NO_TENANT_LIMITS,
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    ...overrides,
  };
}
