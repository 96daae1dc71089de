import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, setsForFilter } from './presence-query.service.js';

describe('presence cursor', () => {
  it('round-trips a client id and is opaque', () => {
    const cursor = encodeCursor('client-042');
    expect(cursor).not.toContain('client-042');
    expect(decodeCursor(cursor)).toBe('client-042');
  });
  it('refuses cursors it did not make', () => {
    expect(decodeCursor('garbage!')).toBeNull();
    expect(decodeCursor(Buffer.from('c:bad id').toString('base64url'))).toBeNull();
    expect(decodeCursor(Buffer.from('x:client').toString('base64url'))).toBeNull();
  });
});

describe('setsForFilter', () => {
  it('maps status and online to the lexical sets to read', () => {
    expect(setsForFilter({})).toBeNull();
    expect(setsForFilter({ status: 'degraded' })).toEqual(['degraded']);
    expect(setsForFilter({ online: true })).toEqual(['healthy', 'degraded', 'unhealthy']);
    expect(setsForFilter({ online: false })).toEqual(['offline']);
    expect(setsForFilter({ status: 'offline', online: false })).toEqual(['offline']);
    expect(setsForFilter({ status: 'offline', online: true })).toEqual([]);
    expect(setsForFilter({ status: 'healthy', online: false })).toEqual([]);
  });
});
