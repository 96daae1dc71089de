import { fmix32 } from '../common/rendezvous.js';

/**
 * HyperLogLog with 2^12 one-byte registers (standard error ~1.6 %), used to count a tenant's
 * distinct subjects per day without keeping them. Instances merge their register updates into one
 * Redis string by taking the maximum per register, which is exactly HLL's union.
 */
export const SKETCH_PRECISION = 12;
export const SKETCH_REGISTERS = 1 << SKETCH_PRECISION;

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser for avalanche. */
export function hashSubject(subject: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) {
    h ^= subject.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Register index and rank (position of the first 1 bit in the remaining 20 bits, 1..21). */
export function sketchUpdate(hash: number): { register: number; rank: number } {
  const register = hash >>> (32 - SKETCH_PRECISION);
  const rest = (hash << SKETCH_PRECISION) >>> 0;
  const rank = rest === 0 ? 32 - SKETCH_PRECISION + 1 : Math.clz32(rest) + 1;
  return { register, rank };
}

const INVERSE_POWERS = Array.from({ length: 256 }, (_, r) => 2 ** -r);

/** Cardinality estimate from registers (missing trailing registers count as 0). */
export function estimateCardinality(registers: Uint8Array): number {
  const m = SKETCH_REGISTERS;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    const r = i < registers.length ? registers[i] : 0;
    sum += INVERSE_POWERS[r];
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  // Small range: linear counting is far more accurate while registers are still empty.
  if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(raw);
}
