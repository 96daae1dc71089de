import { describe, expect, it } from 'vitest';
import { addFields, addSubjects } from './cold-merge.js';

describe('late data added to cold items', () => {
  it('adds fields as the rollups fold them: sums, and maxima for the peak and sampled clients', () => {
    const stored = { m: '100', b: '1000', 'l:3': '5', pk: '9', act: '4', hb: '2' };
    const late = { m: '7', 'l:3': '1', 'l:9': '2', pk: '12', act: '3', off: '1' };
    expect(addFields(stored, late)).toEqual({
      m: '107',
      b: '1000',
      'l:3': '6',
      'l:9': '2',
      pk: '12',
      act: '4',
      off: '1',
      hb: '2',
    });
    expect(stored.m).toBe('100'); // inputs unchanged
    expect(addFields({}, { m: '3' })).toEqual({ m: '3' });
    expect(addFields({ m: '3' }, { m: 'x' })).toEqual({ m: '3' });
    // Field names are data: one named like an Object.prototype member is just a field.
    expect(addFields({}, { constructor: '2', __proto__: '1' })).toMatchObject({
      constructor: '2',
    });
  });

  it('adds subject counts, keeps the busiest, and merges sketches register by register', () => {
    const merged = addSubjects(
      {
        subjects: [
          ['a', 10, 100],
          ['b', 5, 50],
        ],
        sketch: Uint8Array.from([1, 4, 0]),
      },
      {
        subjects: [
          ['b', 8, 80],
          ['c', 1, 10],
        ],
        sketch: Uint8Array.from([2, 1, 0, 3]),
      },
      2,
    );
    expect(merged.subjects).toEqual([
      ['b', 13, 130],
      ['a', 10, 100],
    ]);
    expect([...merged.sketch!]).toEqual([2, 4, 0, 3]);
    expect(addSubjects({ subjects: [], sketch: null }, { subjects: [['x', 1, 1]], sketch: null }, 5).sketch).toBeNull();
  });
});
