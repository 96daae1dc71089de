import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  decodeOffsetCursor,
  encodeCursor,
  encodeOffsetCursor,
  setsForFilter,
} from './presence-query.service.js';

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

  it('a last-seen cursor is an offset; an id cursor is not one', () => {
    expect(decodeOffsetCursor(encodeOffsetCursor(1500))).toBe(1500);
    expect(decodeOffsetCursor(encodeCursor('client-1'))).toBeNull();
    expect(decodeCursor(encodeOffsetCursor(3))).toBeNull();
    expect(decodeOffsetCursor(Buffer.from('o:12345678901').toString('base64url'))).toBeNull();
  });
});
