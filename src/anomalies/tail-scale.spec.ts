import { describe, expect, it } from 'vitest';
import { seriesModelConfig } from './series-model.js';
import { detectSeries, type SeriesRow } from './series-runner.js';
import { pipelineConfig } from './window-pipeline.js';

/** Three weeks of 5-minute windows of heavy-tailed noise on a daily cycle (deterministic). */
function noisy(): SeriesRow[] {
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const start = Date.UTC(2026, 0, 5);
  return Array.from({ length: 288 * 21 }, (_, i) => {
    const at = start + i * 300_000;
    const r = rand();
    const value = 500 * (1 + 0.4 * Math.sin((2 * Math.PI * i) / 288)) * Math.exp(0.5 * Math.sign(r) * Math.abs(r) ** 3);
    return { timestamp: new Date(at).toISOString(), at, value };
  });
}

describe("tail scale (the series command's --tail-scale)", () => {
  it("multiplies the sensitivity's open and keep tails (keep capped at 0.2); 1 by default", () => {
    const one = seriesModelConfig(300_000, 'medium', 30);
    const two = seriesModelConfig(300_000, 'medium', 30, 2);
    expect(two.openTail).toBeCloseTo(2 * one.openTail, 15);
    expect(two.keepTail).toBeCloseTo(2 * one.keepTail, 15);
    expect(seriesModelConfig(300_000, 'high', 30, 100).keepTail).toBe(0.2);
    expect(pipelineConfig(60_000).tailScale).toBe(1);
  });

  it('reaches the pipeline: a larger scale opens more anomalies on the same series, scale 1 is the default', () => {
    const rows = noisy();
    const times = (tailScale?: number) => [...detectSeries(rows, { tailScale })].map((d) => d.at);
    expect(times(1)).toEqual(times());
    const [small, one, large] = [0.25, 1, 4].map((x) => times(x).length);
    // 0, 3 and 25 when written.
    expect(one).toBeGreaterThan(small);
    expect(large).toBeGreaterThan(one);
  });
});
