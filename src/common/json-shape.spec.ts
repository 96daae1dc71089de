import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withinJsonShape } from './json-shape.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const limits = { maxDepth: 3, maxTokens: 10 };

describe('withinJsonShape', () => {
  it('counts nesting depth, not the number of nested values', () => {
    expect(withinJsonShape(bytes('[[[1]]]'), limits)).toBe(true);
    expect(withinJsonShape(bytes('[[[[1]]]]'), limits)).toBe(false);
    expect(withinJsonShape(bytes('[[[]],[[]],[[]]]'), { maxDepth: 3, maxTokens: 100 })).toBe(true);
    expect(withinJsonShape(bytes('{"a":{"b":{"c":{}}}}'), limits)).toBe(false);
  });

  it('counts structural tokens: {, [, comma and colon', () => {
    expect(withinJsonShape(bytes('[1,2,3,4,5,6,7,8,9]'), limits)).toBe(true); // 1 + 8
    expect(withinJsonShape(bytes('[1,2,3,4,5,6,7,8,9,10]'), limits)).toBe(true); // 10
    expect(withinJsonShape(bytes('[1,2,3,4,5,6,7,8,9,10,11]'), limits)).toBe(false);
    expect(withinJsonShape(bytes('{"a":1,"b":2,"c":3,"d":4,"e":5}'), limits)).toBe(true); // 1 + 5 + 4
    expect(withinJsonShape(bytes('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}'), limits)).toBe(false);
  });

  it('skips strings, escaped quotes and backslashes included', () => {
    expect(withinJsonShape(bytes(JSON.stringify({ a: '[[[[{{{{,,,,::::' })), limits)).toBe(true);
    expect(withinJsonShape(bytes(JSON.stringify({ a: 'say "[[[[" \\' })), limits)).toBe(true);
    expect(withinJsonShape(bytes(`["\\\\",[[[1]]]]`), limits)).toBe(false);
    expect(withinJsonShape(bytes(JSON.stringify({ '[[[[': 'ü😀[[[[' })), limits)).toBe(true);
  });

  it('stops at the first byte past a bound', () => {
    // An unterminated string after the bound is never reached.
    expect(withinJsonShape(bytes('[[[[' + '"'.repeat(1)), limits)).toBe(false);
  });

  it('agrees with the parsed value on depth (property)', () => {
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object'
        ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 8 }), (value, maxDepth) => {
        const text = JSON.stringify(value);
        return withinJsonShape(bytes(text), { maxDepth, maxTokens: Infinity }) === depthOf(value) <= maxDepth;
      }),
      { numRuns: 2000 },
    );
  });
});
