import { describe, expect, it } from 'vitest';
import { textFilter } from './text-filter.js';

describe('textFilter', () => {
  it('without a star is a plain substring (no character is special)', () => {
    expect(textFilter('ord')('orders.created')).toBe(true);
    expect(textFilter('a.c')('abc')).toBe(false);
    expect(textFilter('a.c')('xa.cx')).toBe(true);
  });

  it('with stars is a glob anchored at both ends', () => {
    const f = textFilter('orders.*.eu');
    expect(f('orders.created.eu')).toBe(true);
    expect(f('orders..eu')).toBe(true);
    expect(f('orders.created.us')).toBe(false);
    expect(f('xorders.created.eu')).toBe(false);
    expect(textFilter('*eu*')('orders.eu.x')).toBe(true);
    expect(textFilter('a*b*c')('abc')).toBe(true);
    expect(textFilter('a*b*c')('acb')).toBe(false);
    expect(textFilter('ab*ba')('aba')).toBe(false);
    expect(textFilter('*')('')).toBe(true);
  });

  it('takes a pattern that makes backtracking matchers slow in one pass', () => {
    const text = 'a'.repeat(100_000);
    expect(textFilter(`${'*a'.repeat(60)}*b`)(text)).toBe(false);
  });
});
