import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { TenantFence } from '../../src/redis/tenant-fence.js';
import { generateApiKey, hashApiKey } from '../../src/tenants/api-key.service.js';
import { TenantRepository } from '../../src/tenants/tenant.repository.js';
import { tenantRecord } from '../support/tenants.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

/** Rebuilding lost index entries from a tenant's record (real Redis, a prefix of its own). */
describe('TenantRepository.reindex (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  let redis: Redis;
  let repository: TenantRepository;
  const tenant = tenantRecord('acme');

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    repository = new TenantRepository(redis, keys, new TenantFence(redis, keys));
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  it('restores the registry entry and the live keys, never a revoked one, and is idempotent', async () => {
    expect(await repository.create(tenant)).toBe(true);
    const live = generateApiKey();
    const revoked = generateApiKey();
    await repository.addApiKey('acme', live.record);
    await repository.addApiKey('acme', revoked.record);
    expect(await repository.removeApiKey('acme', revoked.record.keyId)).toBe(true);

    // What a master that came back empty would have taken: the index entries, not the record.
    await redis.del(keys.tenants(), keys.apiKey(live.record.sha256));
    expect(await repository.findApiKeyOwner(hashApiKey(live.apiKey))).toBeNull();

    expect(await repository.reindex('acme')).toBe(2);
    expect(await repository.listIds()).toEqual(['acme']);
    expect(await repository.findApiKeyOwner(hashApiKey(live.apiKey))).toEqual({
      tenantId: 'acme',
      keyId: live.record.keyId,
    });
    expect(await repository.findApiKeyOwner(hashApiKey(revoked.apiKey))).toBeNull();
    expect(await repository.reindex('acme')).toBe(0);
  });
});
