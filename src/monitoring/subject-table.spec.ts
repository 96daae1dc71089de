import { describe, expect, it } from 'vitest';
import { estimateCardinality, SKETCH_REGISTERS } from './subject-sketch.js';
import { SubjectTable } from './subject-table.js';

function registers(table: SubjectTable): Uint8Array {
  const r = new Uint8Array(SKETCH_REGISTERS);
  for (const [i, rank] of table.sketch) r[i] = rank;
  return r;
}

describe('SubjectTable', () => {
  it('counts messages and bytes per subject exactly', () => {
    const t = new SubjectTable(10);
    t.add('a', 10);
    t.add('b', 5);
    t.add('a', 1);
    expect(t.counts.get('a')).toEqual({ messages: 2, bytes: 11 });
    expect(t.counts.get('b')).toEqual({ messages: 1, bytes: 5 });
    expect(t.otherMessages).toBe(0);
  });

  it('folds subjects beyond its capacity into "other" and still counts them as distinct', () => {
    const t = new SubjectTable(3);
    for (let i = 0; i < 100; i++) t.add(`s${i}`, 2);
    t.add('s0', 2);
    expect(t.counts.size).toBe(3);
    expect(t.counts.get('s0')).toEqual({ messages: 2, bytes: 4 });
    expect(t.otherMessages).toBe(97);
    expect(t.otherBytes).toBe(194);
    expect(Math.abs(estimateCardinality(registers(t)) - 100)).toBeLessThanOrEqual(2);
  });

  it('a subject explosion does not grow the table; heavy subjects seen early stay exact', () => {
    const t = new SubjectTable(100);
    let heavy = 0;
    for (let i = 0; i < 200_000; i++) {
      if (i % 10 === 0) {
        t.add('heavy', 1);
        heavy++;
      } else {
        t.add(`junk.${i}`, 1);
      }
    }
    expect(t.counts.size).toBe(100);
    expect(t.counts.get('heavy')?.messages).toBe(heavy);
    expect(t.sketch.size).toBeLessThanOrEqual(SKETCH_REGISTERS);
  });

  it('merges within capacity', () => {
    const a = new SubjectTable(2);
    const b = new SubjectTable(2);
    a.add('x', 1);
    b.add('x', 1);
    b.add('y', 1);
    a.add('z', 1);
    a.mergeFrom(b);
    expect(a.counts.get('x')).toEqual({ messages: 2, bytes: 2 });
    expect(a.counts.size).toBe(2);
    expect(a.otherMessages).toBe(1);
    expect(estimateCardinality(registers(a))).toBe(3);
  });
});
