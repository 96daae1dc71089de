import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, latencyBucket } from '../common/latency-histogram.js';
import { LatencyBucketsHistogram } from './latency-buckets-histogram.js';

function exposition(latenciesMs: number[]): Promise<string> {
  const counts = new Uint32Array(LATENCY_BUCKETS);
  for (const ms of latenciesMs) counts[latencyBucket(ms)]++;
  const registry = new Registry();
  new LatencyBucketsHistogram('t_seconds', 'test', [registry], () => counts);
  return registry.metrics();
}

const bucket = (text: string, le: string) =>
  Number(new RegExp(`^t_seconds_bucket\\{le="${le.replace('+', '\\+')}"\\} (\\d+)$`, 'm').exec(text)?.[1]);

describe('LatencyBucketsHistogram', () => {
  it('prints cumulative buckets whose le is an exact whole-millisecond bound', async () => {
    const text = await exposition([0, 1, 2, 3, 7, 8, 100, 511, 512, 60_000]);
    expect(text).toContain('# TYPE t_seconds histogram');
    expect(bucket(text, '0')).toBe(1);
    expect(bucket(text, '0.001')).toBe(2);
    expect(bucket(text, '0.002')).toBe(3);
    expect(bucket(text, '0.007')).toBe(5);
    expect(bucket(text, '0.511')).toBe(8);
    expect(bucket(text, '0.724')).toBe(9);
    expect(bucket(text, '+Inf')).toBe(10);
    expect(text).toMatch(/^t_seconds_count 10$/m);
    const sum = Number(/^t_seconds_sum (\S+)$/m.exec(text)?.[1]);
    expect(sum).toBeGreaterThan(61.144 * 0.95);
    expect(sum).toBeLessThan(61.144 * 1.05);
  });

  it('lists each bound once, in increasing order', async () => {
    const text = await exposition([]);
    const les = [...text.matchAll(/le="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(les.length).toBeGreaterThan(30);
    expect(les).toEqual([...new Set(les)].sort((a, b) => a - b));
    expect(bucket(text, '+Inf')).toBe(0);
  });
});
