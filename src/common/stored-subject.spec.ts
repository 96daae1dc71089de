import { describe, expect, it } from 'vitest';
import { MAX_STORED_SUBJECT_CHARS, storedSubject } from './stored-subject.js';

describe('storedSubject', () => {
  it('keeps a subject within the bound as it is', () => {
    expect(storedSubject('tenant.acme.orders.created')).toBe('tenant.acme.orders.created');
    const edge = 'a'.repeat(MAX_STORED_SUBJECT_CHARS);
    expect(storedSubject(edge)).toBe(edge);
  });

  it('cuts a longer one to its first characters and a hash: bounded, distinct, stable', () => {
    const a = storedSubject(`tenant.acme.${'x'.repeat(4000)}.1`);
    const b = storedSubject(`tenant.acme.${'x'.repeat(4000)}.2`);
    expect(a.length).toBe(MAX_STORED_SUBJECT_CHARS);
    expect(a.startsWith('tenant.acme.xxx')).toBe(true);
    expect(a).not.toBe(b);
    expect(storedSubject(`tenant.acme.${'x'.repeat(4000)}.1`)).toBe(a);
    expect(storedSubject('a'.repeat(MAX_STORED_SUBJECT_CHARS + 1)).length).toBe(MAX_STORED_SUBJECT_CHARS);
    // Stored again, a stored form stays what it is.
    expect(storedSubject(a)).toBe(a);
  });
});
