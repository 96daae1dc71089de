import { BUCKETS_PER_DOUBLING } from '../../common/latency-histogram.js';

/**
 * The latency histogram's scheme (2^(1/8)-wide buckets, ≤ 4.5 % error at the bucket's geometric
 * middle) over the range custom values need: 2^-20 (~1e-6) to 2^40 (~1e12). Bucket 0 holds zero
 * and negative values (percentiles report 0 for them); values beyond the range go to the last.
 */
const MIN_EXPONENT = -20;
const MAX_EXPONENT = 40;
export const VALUE_BUCKETS = 2 + (MAX_EXPONENT - MIN_EXPONENT) * BUCKETS_PER_DOUBLING;

export function valueBucket(value: number): number {
  if (!(value > 0)) return 0;
  const b = 1 + Math.floor((Math.log2(value) - MIN_EXPONENT) * BUCKETS_PER_DOUBLING);
  return Math.min(VALUE_BUCKETS - 1, Math.max(1, b));
}

/** The geometric middle of a bucket. */
export function valueOfBucket(bucket: number): number {
  if (bucket <= 0) return 0;
  return 2 ** (MIN_EXPONENT + (bucket - 0.5) / BUCKETS_PER_DOUBLING);
}

/** The p-quantile (0..1) of a sparse histogram (bucket → count), or null when it is empty. */
export function valuePercentile(histogram: ReadonlyMap<number, number>, p: number): number | null {
  let total = 0;
  for (const n of histogram.values()) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return valueOfBucket(bucket);
  }
  return null;
}
