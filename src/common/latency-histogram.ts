/**
 * Fixed log-scale latency buckets: eight per doubling, so a reported percentile is within ~4.5 %
 * of the true value. Every instance uses the same bounds, so histograms merge by adding counts.
 * Bucket 0 holds 0 ms (the header has millisecond resolution); bucket i ≥ 1 holds
 * [2^((i-1)/8), 2^(i/8)) ms.
 */
export const BUCKETS_PER_DOUBLING = 8;
/** Latencies above this are clock skew, not latency (ARCHITECTURE.md, Redis keys: latency buckets). */
export const MAX_LATENCY_MS = 5 * 60_000;
export const LATENCY_BUCKETS = 2 + Math.floor(Math.log2(MAX_LATENCY_MS) * BUCKETS_PER_DOUBLING);

export function latencyBucket(ms: number): number {
  if (ms < 1) return 0;
  return 1 + Math.floor(Math.log2(ms) * BUCKETS_PER_DOUBLING);
}

/** The value reported for a bucket: its geometric midpoint (0 for bucket 0). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  return 2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING);
}

/** Nearest-rank percentile (0 < p ≤ 1) of bucket counts; 0 when there are no samples. */
export function percentile(counts: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(counts.length - 1);
}

/**
 * The all-time latency histogram (the Prometheus exposition's buckets) is coarser: one bucket a
 * doubling, kept in the tenant's totals. Coarse bucket k gathers the fine buckets i with
 * ceil(i / 8) = k: 0 ms for k = 0, [2^(k-1), 2^k) ms for k ≥ 1; k = 19 reaches MAX_LATENCY_MS.
 */
export const COARSE_LATENCY_BUCKETS = 1 + Math.ceil((LATENCY_BUCKETS - 1) / BUCKETS_PER_DOUBLING);

export function coarseLatencyBucket(fineBucket: number): number {
  return Math.ceil(fineBucket / BUCKETS_PER_DOUBLING);
}

/**
 * The largest latency (ms) in coarse buckets 0..k: latency has whole-millisecond resolution, so
 * "below 2^k ms" is exactly "at most 2^k − 1 ms" — a Prometheus `le` bound with no rounding.
 */
export function coarseUpperMs(k: number): number {
  return 2 ** k - 1;
}

export type LatencyVerdict = 'missing' | 'invalid' | number;

/**
 * Latency in whole ms (rounded down) from an `X-Published-At` value (epoch ms), or why it cannot
 * be used: missing, unparsable, negative or more than MAX_LATENCY_MS of skew.
 */
export function latencyFromHeader(value: string | undefined, receivedAt: number): LatencyVerdict {
  if (value === undefined || value === '') return 'missing';
  return latencySince(Number(value), receivedAt);
}

/** Latency in whole ms (rounded down) from a publish time (epoch ms), or 'invalid' as above. */
export function latencySince(publishedAt: number, receivedAt: number): LatencyVerdict {
  if (!Number.isFinite(publishedAt) || publishedAt <= 0) return 'invalid';
  // Whole milliseconds: the header's resolution, and what the coarse buckets' bounds assume.
  const latency = Math.floor(receivedAt - publishedAt);
  if (latency < 0 || latency > MAX_LATENCY_MS) return 'invalid';
  return latency;
}
