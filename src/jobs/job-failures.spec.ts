import { describe, expect, it } from 'vitest';
import { JobFailures } from './job-failures.js';

describe('JobFailures', () => {
  it('counts failures per job since start and the recent ones for the incident window', () => {
    const failures = new JobFailures();
    failures.record('rollup', 1_000);
    failures.record('rollup', 2_000);
    failures.record('archive', 3_000);
    expect([...failures.totals()]).toEqual([
      ['rollup', 2],
      ['archive', 1],
    ]);
    expect(failures.countSince(2_000)).toBe(2);
    // The recent list is bounded (100); the totals keep counting.
    for (let i = 0; i < 150; i++) failures.record('rollup', 10_000 + i);
    expect(failures.countSince(0)).toBe(100);
    expect(failures.totals().get('rollup')).toBe(152);
  });
});
