import { describe, expect, it } from 'vitest';
import { ApiKeyService, hashApiKey } from './api-key.service.js';
import { tenantRecord } from '../../test/support/tenants.js';
import type { TenantDirectory, TenantListener } from './tenant-directory.js';
import type { TenantRepository } from './tenant.repository.js';

const tenant = tenantRecord('acme', { tier: 'professional' });
const KEY = 'pk_known-key';

/** A registry whose key lookups can be made to fail as an unreachable Cluster slot does. */
function setup(redis = { status: 'ready' }) {
  const owners = new Map([[hashApiKey(KEY), { tenantId: 'acme', keyId: 'key_1' }]]);
  const listed = new Set(['acme key_1']);
  /** Redis commands in the order they were sent. */
  const sent: string[] = [];
  let down = false;
  const repository = {
    findApiKeyOwner: async (sha: string) => {
      sent.push('GET index');
      if (down) throw new Error('MOVED 6059 127.0.0.1:34465');
      return owners.get(sha) ?? null;
    },
    isApiKeyListed: async (tenantId: string, keyId: string) => {
      sent.push('HEXISTS list');
      return listed.has(`${tenantId} ${keyId}`);
    },
    findRevokedApiKeyOwner: async () => null,
    find: async () => tenant,
  } as unknown as TenantRepository;
  let listener: TenantListener | undefined;
  const directory = {
    subscribe: (l: TenantListener) => (listener = l),
    get: (id: string) => (id === 'acme' ? tenant : undefined),
    isInactive: () => false,
  } as unknown as TenantDirectory;
  const service = new ApiKeyService(repository, directory, redis);
  return { service, owners, listed, sent, setDown: (value: boolean) => (down = value), listener: () => listener! };
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
        isApiKeyListed: async () => true,
      } as unknown as TenantRepository,
      { subscribe: () => undefined, get: () => tenant } as unknown as TenantDirectory,
      { status: 'ready' },
    );
    expect(await broken.resolve(KEY)).not.toBeNull();
    await expect(broken.resolve(KEY)).rejects.toThrow('bug');
  });
});

describe("ApiKeyService and the tenant's key list", () => {
  it('refuses a key whose index entry remains but whose tenant does not list it (an erasure raced its issue)', async () => {
    const { service, listed } = setup();
    listed.clear();
    expect(await service.resolve(KEY)).toBeNull();
    expect(await service.refusedOwner(KEY)).toBeNull();
  });

  it('refuses a key taken off the list after it was confirmed, even while Redis cannot answer for its index entry', async () => {
    const { service, listed, setDown } = setup();
    expect(await service.resolve(KEY)).not.toBeNull();
    listed.clear();
    expect(await service.resolve(KEY)).toBeNull();
    listed.add('acme key_1');
    expect(await service.resolve(KEY)).not.toBeNull();
    listed.clear();
    setDown(true);
    await expect(service.resolve(KEY)).rejects.toThrow(/MOVED/);
  });

  it('sends the list check with the index read once the key is known here (one round trip)', async () => {
    const { service, sent } = setup();
    await service.resolve(KEY);
    expect(sent).toEqual(['GET index', 'HEXISTS list']); // first lookup here: two round trips
    sent.length = 0;
    const pending = service.resolve(KEY);
    // Both sent before any reply was awaited: ioredis' auto-pipelining writes them together.
    expect(sent).toEqual(['HEXISTS list', 'GET index']);
    expect(await pending).not.toBeNull();
    expect(sent).toHaveLength(2);
  });
});
