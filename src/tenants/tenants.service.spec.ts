import { describe, expect, it } from 'vitest';
import type { ColdPartitions } from '../coldstore/cold-partitions.js';
import { type ColdStore, ColdStoreUnavailableError } from '../coldstore/cold-store.js';
import { statusOf } from '../common/errors/error-codes.js';
import type { PulseOptions } from '../config/pulse-options.js';
import type { TenantChangesPublisher } from './tenant-changes.publisher.js';
import type { TenantDirectory } from './tenant-directory.js';
import type { TenantRepository } from './tenant.repository.js';
import { TenantsService } from './tenants.service.js';

/**
 * An erasure whose cold store deletes the tenant's items and then stops answering before they are
 * counted: the tenant repository and the store as fakes, to reach that step deterministically.
 */
function setup() {
  const saved: object[] = [];
  const tenants = {
    find: async () => ({ id: 'acme' }),
    delete: async () => 5,
    remaining: async () => 0,
    saveErasure: async (receipt: object) => void saved.push(receipt),
  } as unknown as TenantRepository;
  const partitions = {
    of: async () => 'ns/acme/1',
    rememberErased: async () => undefined,
    erased: async () => ['ns/acme/1'],
  } as unknown as ColdPartitions;
  const cold = {
    deletePartition: async () => 3,
    count: async () => {
      throw new Error('DynamoDB did not answer within 1500 ms');
    },
  } as unknown as ColdStore;
  const service = new TenantsService(
    tenants,
    { announce: () => undefined } as unknown as TenantChangesPublisher,
    { sync: async () => undefined } as unknown as TenantDirectory,
    partitions,
    {} as PulseOptions,
    cold,
  );
  return { service, saved };
}

describe('TenantsService.delete with a cold store that stops answering', () => {
  it('answers 503 saying what was removed when what is left cannot be counted, and keeps the receipt', async () => {
    const { service, saved } = setup();
    const err = await service.delete('acme').catch((e: unknown) => e);
    // A domain error now (no HTTP type below the controllers); answered 503 by its code.
    expect(err).toBeInstanceOf(ColdStoreUnavailableError);
    expect((err as ColdStoreUnavailableError).code).toBe('COLD_STORE_UNAVAILABLE');
    expect(statusOf((err as ColdStoreUnavailableError).code)).toBe(503);
    expect((err as Error).message).toMatch(/5 Redis keys and 3 cold items.*could not be counted.*did not answer/);
    expect(saved).toEqual([
      expect.objectContaining({ tenantId: 'acme', removed: { redisKeys: 5, coldItems: 3 }, coldUnchecked: true }),
    ]);
  });
});
