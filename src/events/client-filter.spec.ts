import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesClientFilter } from './client-filter.js';

/** The reference: the same glob as an anchored regular expression (test only, on generated input). */
function reference(filter: string, id: string): boolean {
  const source = filter
    .split('*')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(id);
}

describe('client filter glob', () => {
  it('matches literally, with * standing for any run (none included)', () => {
    expect(matchesClientFilter('sensor-1', 'sensor-1')).toBe(true);
    expect(matchesClientFilter('sensor-1', 'sensor-10')).toBe(false);
    expect(matchesClientFilter('sensor-*', 'sensor-')).toBe(true);
    expect(matchesClientFilter('sensor-*', 'sensor-42')).toBe(true);
    expect(matchesClientFilter('*-eu', 'a-eu')).toBe(true);
    expect(matchesClientFilter('*-eu', 'a-us')).toBe(false);
    expect(matchesClientFilter('a*b*c', 'abc')).toBe(true);
    expect(matchesClientFilter('a*b*c', 'acb')).toBe(false);
    expect(matchesClientFilter('ab*ba', 'aba')).toBe(false);
    expect(matchesClientFilter('*', '')).toBe(true);
    expect(matchesClientFilter('**x**', 'x')).toBe(true);
  });

  it('agrees with the regular expression of the same glob', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '*');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 12 }).map((a) => a.join('')),
        fc.array(fc.constantFrom('a', 'b', '-'), { maxLength: 16 }).map((a) => a.join('')),
        (filter, id) => matchesClientFilter(filter, id) === reference(filter, id),
      ),
      { numRuns: 5000 },
    );
  });

  it('stays fast on the worst inputs a tenant can give (bounded lengths, no backtracking)', () => {
    const filter = `${'*a'.repeat(63)}*b`;
    const id = 'a'.repeat(64);
    let matched = 0;
    for (let i = 0; i < 1000; i++) if (matchesClientFilter(filter, id)) matched++;
    expect(matched).toBe(0);
  });
});
