import { describe, expect, it, vi } from 'vitest';
import type { ColdPartitions } from '../coldstore/cold-partitions.js';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { ColdWrites } from '../history/archive.job.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { TenantFence } from '../redis/tenant-fence.js';
import { fitItem, JetStreamArchive, jetStreamSortKey, MAX_ITEM_FIELD_BYTES } from './jetstream-archive.js';

describe('JetStream cold items', () => {
  it('sort keys order hours as text', () => {
    expect(jetStreamSortKey(3600)).toBe('j#0000003600');
    expect(jetStreamSortKey(1_800_000_000) > jetStreamSortKey(999_999_999)).toBe(true);
  });

  it('a hash that fits is kept whole', () => {
    const hash = { 's:ORDERS': '10 2000 0.5', 'c:ORDERS/pull': '7 2 1 12' };
    expect(fitItem(hash)).toEqual({ fields: hash, omitted: 0 });
  });

  it('a hash over the bound keeps the fullest streams, then the consumers with the most pending', () => {
    const hash: Record<string, string> = {};
    for (let i = 0; i < 10; i++) hash[`s:S${i}`] = `1 1 0.${i}`;
    for (let i = 0; i < 10; i++) hash[`c:S0/${'x'.repeat(40)}${i}`] = `${i * 10} 0 0 ${i * 10}`;
    // Streams weigh 15 bytes each, consumers 60: half the budget holds 4 streams, the rest 1 consumer.
    const { fields, omitted } = fitItem(hash, 9 * 15);
    const kept = Object.keys(fields);
    expect(kept).toEqual(['s:S9', 's:S8', 's:S7', 's:S6', `c:S0/${'x'.repeat(40)}9`]);
    expect(omitted).toBe(20 - kept.length);
    expect(MAX_ITEM_FIELD_BYTES).toBeLessThan(400_000);
  });

  it('the largest bounded hash (10,000 consumers with 255-character names) fits under the item limit', () => {
    const hash: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) hash[`c:${'s'.repeat(255)}/${String(i).padStart(255, 'c')}`] = `${i} 1 2 ${i}`;
    const { fields, omitted } = fitItem(hash);
    const bytes = Object.entries(fields).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_ITEM_FIELD_BYTES);
    expect(omitted).toBeGreaterThan(0);
    expect(fields[`c:${'s'.repeat(255)}/${String(9999).padStart(255, 'c')}`]).toBeDefined();
  });
});

describe('JetStreamArchive.archiveTenant', () => {
  it('looks only at tenants entitled to jetstreamHistory (a first pass scans no basic or professional retention)', async () => {
    const now = Date.now();
    // Archived up to now: an entitled tenant reads its marker and has nothing due.
    const get = vi.fn(() => Promise.resolve(String(Math.floor(now / 1000))));
    const pipeline = vi.fn();
    const redis = { get, pipeline } as unknown as RedisClient;
    const tiers = new Map([
      ['basic', 'basic'],
      ['pro', 'professional'],
      ['ent', 'enterprise'],
    ]);
    const directory = { get: (id: string) => (tiers.has(id) ? ({ id, tier: tiers.get(id) } as never) : undefined) };
    const archive = new JetStreamArchive(
      redis,
      defaultPulseOptions(),
      {} as TenantFence,
      {} as ColdPartitions,
      directory,
    );
    const retention = { hourSeconds: 10_000 * 3600 } as never;
    for (const id of ['basic', 'pro', 'gone']) {
      expect(await archive.archiveTenant(id, {} as ColdWrites, retention, now)).toBe(0);
    }
    expect(get).not.toHaveBeenCalled();
    expect(pipeline).not.toHaveBeenCalled();
    expect(await archive.archiveTenant('ent', {} as ColdWrites, retention, now)).toBe(0);
    expect(get).toHaveBeenCalledTimes(1);
  });
});
