import { describe, expect, it } from 'vitest';
import {
  bucketValue,
  LATENCY_BUCKETS,
  latencyBucket,
  COARSE_LATENCY_BUCKETS,
  coarseLatencyBucket,
  coarseUpperMs,
  latencyFromHeader,
  MAX_LATENCY_MS,
  percentile,
} from './latency-histogram.js';

describe('latency histogram', () => {
  it('puts 0 ms in bucket 0 and keeps every valid latency inside the array', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(MAX_LATENCY_MS)).toBeLessThan(LATENCY_BUCKETS);
    expect(latencyBucket(1)).toBe(1);
  });

  it('reports values within 4.5 % of the truth', () => {
    for (const ms of [1, 2, 3, 7, 10, 42, 99, 250, 1000, 4321, 60_000, MAX_LATENCY_MS]) {
      const reported = bucketValue(latencyBucket(ms));
      expect(Math.abs(reported - ms) / ms, `${ms} ms → ${reported}`).toBeLessThan(0.045);
    }
  });

  it('buckets are monotonic', () => {
    let previous = -1;
    for (let ms = 0; ms < 5000; ms += 7) {
      const bucket = latencyBucket(ms);
      expect(bucket).toBeGreaterThanOrEqual(previous);
      previous = bucket;
    }
  });

  it('nearest-rank percentiles', () => {
    const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
    // 90 samples at 10 ms, 9 at 100 ms, 1 at 1000 ms
    counts[latencyBucket(10)] = 90;
    counts[latencyBucket(100)] = 9;
    counts[latencyBucket(1000)] = 1;
    expect(percentile(counts, 0.5)).toBeCloseTo(10, -0.5);
    expect(percentile(counts, 0.9)).toBeCloseTo(10, -0.5);
    expect(percentile(counts, 0.95)).toBeCloseTo(100, -1);
    expect(percentile(counts, 0.99)).toBeCloseTo(100, -1);
    expect(percentile(counts, 1)).toBeCloseTo(1000, -2);
  });

  it('percentile of no samples is 0', () => {
    expect(percentile(new Array<number>(LATENCY_BUCKETS).fill(0), 0.99)).toBe(0);
  });

  it('histograms from several instances merge by addition', () => {
    const a = new Array<number>(LATENCY_BUCKETS).fill(0);
    const b = new Array<number>(LATENCY_BUCKETS).fill(0);
    a[latencyBucket(5)] = 50;
    b[latencyBucket(500)] = 50;
    const merged = a.map((n, i) => n + b[i]);
    expect(percentile(merged, 0.5)).toBeCloseTo(5, -0.5);
    expect(percentile(merged, 0.51)).toBeCloseTo(500, -2);
  });

  it('classifies X-Published-At values', () => {
    const now = 1_800_000_000_000;
    expect(latencyFromHeader(undefined, now)).toBe('missing');
    expect(latencyFromHeader('', now)).toBe('missing');
    expect(latencyFromHeader('abc', now)).toBe('invalid');
    expect(latencyFromHeader('-5', now)).toBe('invalid');
    expect(latencyFromHeader(String(now + 1), now)).toBe('invalid'); // from the future
    expect(latencyFromHeader(String(now - MAX_LATENCY_MS - 1), now)).toBe('invalid');
    expect(latencyFromHeader(String(now - 25), now)).toBe(25);
    expect(latencyFromHeader(String(now), now)).toBe(0);
  });

  it('whole milliseconds: a fractional header rounds the latency down, never to a fraction', () => {
    const now = 1_700_000_000_000;
    expect(latencyFromHeader(String(now - 25.7), now)).toBe(25);
    expect(latencyFromHeader(String(now - 0.4), now)).toBe(0);
    expect(latencyFromHeader(String(now + 0.4), now)).toBe('invalid');
  });
});

describe('coarse (all-time) latency buckets', () => {
  it('every whole-ms latency falls in the coarse bucket whose le bound is exact: above the previous bound, at most its own', () => {
    expect(COARSE_LATENCY_BUCKETS).toBe(20);
    for (let ms = 0; ms <= MAX_LATENCY_MS; ms++) {
      const k = coarseLatencyBucket(latencyBucket(ms));
      if (k >= COARSE_LATENCY_BUCKETS || ms > coarseUpperMs(k) || (k > 0 && ms <= coarseUpperMs(k - 1))) {
        expect.fail(`${ms} ms went to coarse bucket ${k} (le ${coarseUpperMs(k)} ms)`);
      }
    }
    expect(coarseLatencyBucket(latencyBucket(MAX_LATENCY_MS))).toBe(COARSE_LATENCY_BUCKETS - 1);
  });
});
