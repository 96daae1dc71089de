import { describe, expect, it } from 'vitest';
import { estimateCardinality, hashSubject, SKETCH_REGISTERS, sketchUpdate } from './subject-sketch.js';

function sketchOf(subjects: Iterable<string>): Uint8Array {
  const registers = new Uint8Array(SKETCH_REGISTERS);
  for (const subject of subjects) {
    const { register, rank } = sketchUpdate(hashSubject(subject));
    registers[register] = Math.max(registers[register], rank);
  }
  return registers;
}

function* subjects(n: number, prefix = 'tenant.acme.orders.') {
  for (let i = 0; i < n; i++) yield `${prefix}${i}`;
}

describe('subject sketch (HyperLogLog)', () => {
  it('is empty for no subjects and exact-ish for a few', () => {
    expect(estimateCardinality(new Uint8Array(0))).toBe(0);
    expect(estimateCardinality(sketchOf(subjects(1)))).toBe(1);
    expect(estimateCardinality(sketchOf(subjects(7)))).toBe(7);
  });

  it('stays within 5 % from a hundred to a million distinct subjects', () => {
    for (const n of [100, 1000, 10_000, 100_000, 1_000_000]) {
      const estimate = estimateCardinality(sketchOf(subjects(n)));
      expect(Math.abs(estimate - n) / n, `${n} → ${estimate}`).toBeLessThan(0.05);
    }
  });

  it('repeats do not count twice', () => {
    const twice = [...subjects(5000), ...subjects(5000)];
    expect(estimateCardinality(sketchOf(twice))).toBe(estimateCardinality(sketchOf(subjects(5000))));
  });

  it('merging two sketches by register maximum estimates the union', () => {
    const a = sketchOf(subjects(20_000, 'a.'));
    const b = sketchOf(subjects(20_000, 'b.'));
    const union = a.map((r, i) => Math.max(r, b[i]));
    expect(Math.abs(estimateCardinality(union) - 40_000) / 40_000).toBeLessThan(0.05);
  });

  it('ranks fit one byte and registers the index space', () => {
    for (const h of [0, 1, 0xffffffff, 0x80000000, 0x000fffff]) {
      const { register, rank } = sketchUpdate(h);
      expect(register).toBeGreaterThanOrEqual(0);
      expect(register).toBeLessThan(SKETCH_REGISTERS);
      expect(rank).toBeGreaterThanOrEqual(1);
      expect(rank).toBeLessThanOrEqual(21);
    }
  });
});
