import { describe, expect, it } from 'vitest';
import { hashId, tenantShard } from './rendezvous.js';

/** Ids of three shapes operators use: sequential, short, and random-looking. */
const SHAPES: [string, (i: number) => string][] = [
  ['tenant-<i>', (i) => `tenant-${i}`],
  ['t<i>', (i) => `t${i}`],
  ['acme-<base36>', (i) => `acme-${(Math.imul(i, 2654435761) >>> 0).toString(36)}`],
];
const N = 10_000;

function shares(ids: string[], shards: number): number[] {
  const counts = new Array<number>(shards).fill(0);
  for (const id of ids) counts[tenantShard(id, shards)]++;
  return counts.map((c) => c / ids.length);
}

describe('rendezvous assignment of tenants to shards', () => {
  it('hashes ids with MurmurHash3 x86_32 (the published test vectors, as UTF-16LE bytes)', () => {
    // Vectors of the reference implementation: bytes in, seed, hash out.
    expect(hashId('', 0)).toBe(0);
    expect(hashId('', 1)).toBe(0x514e28b7);
    expect(hashId('', 0xffffffff)).toBe(0x81f16f39);
    expect(hashId('\u0000\u0000', 0)).toBe(0x2362f9de); // 00 00 00 00
    expect(hashId('\u4321\u8765', 0)).toBe(0xf55b516b); // 21 43 65 87
    expect(hashId('\u4321\u8765', 0x5082edee)).toBe(0x2362f9de);
    expect(hashId('\u4321', 0)).toBe(0xa0f7b07a); // 21 43: the two-byte tail
    expect(hashId('\uffff\uffff', 0)).toBe(0x76293b50);
  });

  it('is stable: the same id gets the same shard, and these ids keep these shards across versions', () => {
    // Pinned: a change here reassigns tenants of every running sharded deployment on upgrade.
    const pinned = ['acme', 'globex', 'initech', 'umbrella', 'tenant-0', 'tenant-1', 'a', 'Z_9-x'];
    const three = pinned.map((id) => tenantShard(id, 3));
    expect(three).toEqual(pinned.map((id) => tenantShard(id, 3)));
    expect(Object.fromEntries(pinned.map((id, i) => [id, three[i]]))).toMatchInlineSnapshot(`
      {
        "Z_9-x": 2,
        "a": 0,
        "acme": 2,
        "globex": 2,
        "initech": 1,
        "tenant-0": 0,
        "tenant-1": 2,
        "umbrella": 1,
      }
    `);
    for (const id of pinned) expect(tenantShard(id, 1)).toBe(0);
  });

  it.each(SHAPES)('balances 10,000 ids (%s) over 2, 3, 4, 7 and 16 shards within a few percent', (_, id) => {
    const ids = Array.from({ length: N }, (_, i) => id(i));
    for (const shards of [2, 3, 4, 7, 16]) {
      const share = shares(ids, shards);
      // Binomial noise at 10,000 ids: one standard deviation is 0.47 points of the 33 % at 3 shards.
      const tolerance = shards <= 4 ? 0.02 : 0.012;
      for (const s of share)
        expect(Math.abs(s - 1 / shards), `${shards} shards: ${share.join(' ')}`).toBeLessThan(tolerance);
    }
  });

  it.each(SHAPES)('moving from S to S+1 shards moves about 1/(S+1) of the ids (%s), all to the new shard', (_, id) => {
    const ids = Array.from({ length: N }, (_, i) => id(i));
    for (const shards of [1, 2, 3, 4, 5, 9]) {
      const moved = ids.filter((t) => tenantShard(t, shards) !== tenantShard(t, shards + 1));
      expect(Math.abs(moved.length / N - 1 / (shards + 1)), `${shards} → ${shards + 1}`).toBeLessThan(0.015);
      expect(moved.every((t) => tenantShard(t, shards + 1) === shards)).toBe(true);
      // The other way (S+1 → S): only the removed shard's ids move.
      const back = ids.filter((t) => tenantShard(t, shards + 1) !== tenantShard(t, shards));
      expect(back.every((t) => tenantShard(t, shards + 1) === shards)).toBe(true);
    }
  });
});
