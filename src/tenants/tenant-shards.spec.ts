import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { tenantShard } from '../common/rendezvous.js';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { Tenant } from './tenant.js';
import type { TenantDirectory, TenantListener } from './tenant-directory.js';
import { TenantShards } from './tenant-shards.js';

const IDS = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);

/** A directory of IDS, all active, that replays them to a listener as TenantDirectory does. */
function directory(): TenantDirectory {
  return {
    subscribe: (listener: TenantListener) => {
      for (const id of IDS) listener.activated({ id } as Tenant);
    },
    list: () => IDS.map((id) => ({ id }) as Tenant),
  } as unknown as TenantDirectory;
}

describe('TenantShards', () => {
  it('with one shard (the default) owns every tenant and says so at start', () => {
    const logged = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const shards = new TenantShards(defaultPulseOptions(), directory());
    shards.onModuleInit();
    expect([shards.count, shards.index, shards.sharded]).toEqual([1, 0, false]);
    expect(IDS.every((id) => shards.owns(id))).toBe(true);
    expect(shards.ownedCount()).toBe(IDS.length);
    shards.onApplicationBootstrap();
    expect(logged).toHaveBeenLastCalledWith(
      `one shard (PULSE_SHARDS=1): this instance serves all ${IDS.length} active tenant(s)`,
    );
    logged.mockRestore();
  });

  it('with shards owns its shard’s tenants, counts them as they come and go, and logs the assignment', () => {
    const logged = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const mine = IDS.filter((id) => tenantShard(id, 3) === 2);
    expect(mine.length).toBeGreaterThan(0);
    const shards = new TenantShards(
      { ...defaultPulseOptions(), shard: { count: 3, index: 2, ordinal: 5 } },
      directory(),
    );
    shards.onModuleInit();
    expect([shards.count, shards.index, shards.sharded]).toEqual([3, 2, true]);
    expect(IDS.filter((id) => shards.owns(id))).toEqual(mine);
    expect(shards.ownedCount()).toBe(mine.length);
    shards.onApplicationBootstrap();
    expect(logged).toHaveBeenLastCalledWith(
      `shard 2 of 3 (PULSE_INSTANCE_ORDINAL 5 mod 3): owns ${mine.length} of ${IDS.length} active tenant(s)`,
    );
    // A tenant of another shard changes nothing; one of its own leaving is no longer counted.
    shards.deactivated(IDS.find((id) => !mine.includes(id))!);
    expect(shards.ownedCount()).toBe(mine.length);
    shards.deactivated(mine[0]);
    expect(shards.ownedCount()).toBe(mine.length - 1);
    shards.activated({ id: mine[0] } as Tenant);
    shards.activated({ id: mine[0] } as Tenant);
    expect(shards.ownedCount()).toBe(mine.length);
    logged.mockRestore();
  });
});
