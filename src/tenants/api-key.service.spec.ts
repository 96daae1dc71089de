import { describe, expect, it } from 'vitest';
import { ApiKeyService, hashApiKey } from './api-key.service.js';
import type { Tenant } from './tenant.js';
import type { TenantDirectory, TenantListener } from './tenant-directory.js';
import type { TenantRepository } from './tenant.repository.js';

const tenant: Tenant = {
  id: 'acme',
  name: 'acme',
  tier: 'professional',
  plan: null,
  status: 'active',
  monthlyMessageQuota: null,
  anomalySensitivity: 'medium',
  sampling: 0,
  retentionDays: null,
  natsIdentities: { accounts: [], users: [], nkeys: [] },
  createdAt: '2026-11-28T00:00:00.000Z',
  updatedAt: '2026-11-28T00:00:00.000Z',
};
const KEY = 'pk_known-key';

/** A registry whose key lookups can be made to fail as an unreachable Cluster slot does. */
function setup(redis = { status: 'ready' }) {
  const owners = new Map([[hashApiKey(KEY), { tenantId: 'acme', keyId: 'key_1' }]]);
  let down = false;
  const repository = {
    findApiKeyOwner: async (sha: string) => {
      if (down) throw new Error('MOVED 6059 127.0.0.1:34465');
      return owners.get(sha) ?? null;
    },
    find: async () => tenant,
  } as unknown as TenantRepository;
  let listener: TenantListener | undefined;
  const directory = {
    subscribe: (l: TenantListener) => (listener = l),
    get: (id: string) => (id === 'acme' ? tenant : undefined),
    isInactive: () => false,
  } as unknown as TenantDirectory;
  const service = new ApiKeyService(repository, directory, redis);
  return { service, owners, setDown: (value: boolean) => (down = value), listener: () => listener! };
}

describe('ApiKeyService while Redis cannot answer for a key', () => {
  it('accepts a key Redis confirmed before, and only that one', async () => {
    const { service, setDown } = setup();
    expect(await service.resolve(KEY)).toEqual({ tenantId: 'acme', tier: 'professional', keyId: 'key_1' });
    setDown(true);
    expect(await service.resolve(KEY)).toEqual({ tenantId: 'acme', tier: 'professional', keyId: 'key_1' });
    await expect(service.resolve('pk_never-seen')).rejects.toThrow(/MOVED/);
  });

  it('fails fast when all of Redis is down (nothing else would work)', async () => {
    const redis = { status: 'ready' };
    const { service, setDown } = setup(redis);
    await service.resolve(KEY);
    setDown(true);
    redis.status = 'reconnecting';
    await expect(service.resolve(KEY)).rejects.toThrow(/MOVED/);
  });

  it('forgets a key once Redis denies it, or its tenant revokes keys or is disabled', async () => {
    const { service, owners, setDown } = setup();
    await service.resolve(KEY);
    owners.clear();
    expect(await service.resolve(KEY)).toBeNull();
    setDown(true);
    await expect(service.resolve(KEY)).rejects.toThrow(/MOVED/);

    for (const forget of [
      (l: TenantListener) => l.keysRevoked!('acme'),
      (l: TenantListener) => l.deactivated('acme'),
    ]) {
      const fresh = setup();
      await fresh.service.resolve(KEY);
      forget(fresh.listener());
      fresh.setDown(true);
      await expect(fresh.service.resolve(KEY)).rejects.toThrow(/MOVED/);
    }
  });

  it('does not hide errors that are not about availability', async () => {
    let calls = 0;
    const broken = new ApiKeyService(
      {
        findApiKeyOwner: async () => {
          if (calls++ === 0) return { tenantId: 'acme', keyId: 'key_1' };
          throw new TypeError('bug');
        },
      } as unknown as TenantRepository,
      { subscribe: () => undefined, get: () => tenant } as unknown as TenantDirectory,
      { status: 'ready' },
    );
    expect(await broken.resolve(KEY)).not.toBeNull();
    await expect(broken.resolve(KEY)).rejects.toThrow('bug');
  });
});
