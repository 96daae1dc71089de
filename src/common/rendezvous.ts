/**
 * Tenant shards by rendezvous (highest-random-weight) hashing: tenant `t` belongs to the shard `j`
 * of `0..shards-1` whose weight `w(t, j)` is highest. Every instance computes the same answer from
 * the tenant id and the shard count alone (no coordination, nothing stored), a tenant never moves
 * while the count stays, and when the count grows from S to S+1 only the tenants whose weight for
 * the new shard beats all others move (about 1/(S+1) of them, all to the new shard); shrinking
 * moves only the removed shard's tenants.
 *
 * The weight is MurmurHash3 (x86, 32-bit) of 8 bytes: the tenant id's own MurmurHash3 (over its
 * UTF-16 code units, little-endian) and the shard index, both little-endian 32-bit words. So the
 * id is read once, in time linear in its length (ids are at most 64 characters), and each shard
 * costs a constant number of integer operations: a tenant's shard is O(length + shards).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Seed of the id hash; any fixed value works, and changing it would reassign every tenant. */
const ID_SEED = 0x5c17e4a1;

/** One 32-bit block mixed into the state (MurmurHash3's body step). */
function mixBlock(state: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  let h = state ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser (fmix32): every input bit reaches every output bit; unsigned. */
export function fmix32(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 (x86, 32-bit) of a string's UTF-16LE bytes: two code units per block. */
export function hashId(id: string, seed = ID_SEED): number {
  let h = seed | 0;
  const pairs = id.length >>> 1;
  for (let i = 0; i < pairs; i++) {
    h = mixBlock(h, id.charCodeAt(2 * i) | (id.charCodeAt(2 * i + 1) << 16));
  }
  if (id.length & 1) {
    // The tail: one code unit, two bytes (MurmurHash3 mixes a partial block without the rotate-add).
    let k = Math.imul(id.charCodeAt(id.length - 1), C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  return fmix32(h ^ (id.length * 2));
}

/** The weight of shard `shard` for an id whose hashId is `idHash`: MurmurHash3 of (idHash, shard). */
export function shardWeight(idHash: number, shard: number): number {
  return fmix32(mixBlock(mixBlock(0, idHash), shard) ^ 8);
}

/**
 * The shard (0..shards-1) that owns `tenantId` among `shards`: the highest weight, the lower index
 * on a tie. One shard owns everything.
 */
export function tenantShard(tenantId: string, shards: number): number {
  if (shards <= 1) return 0;
  const idHash = hashId(tenantId);
  let best = 0;
  let bestWeight = shardWeight(idHash, 0);
  for (let shard = 1; shard < shards; shard++) {
    const weight = shardWeight(idHash, shard);
    if (weight > bestWeight) {
      best = shard;
      bestWeight = weight;
    }
  }
  return best;
}
