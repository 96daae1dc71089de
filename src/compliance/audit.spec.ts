import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, auditId, keyPrefixOf, sealEntry, unsealEntry } from './audit.js';

const entry: AuditEntry = {
  id: 'au_1',
  at: '2026-12-02T10:00:00.000Z',
  actor: { type: 'tenant', keyId: 'key_0011' },
  tenantId: 'acme',
  action: 'rule.update',
  target: 'rule:ru_1',
  requestId: 'req-1',
  sourceIp: '10.0.0.7',
  outcome: 'success',
  status: 200,
  details: { count: 3 },
};

describe('audit entries', () => {
  it('seals the tenant fields: the global copy shows none of them, the key opens them again', () => {
    const key = randomBytes(32);
    const sealed = sealEntry(entry, key);
    const text = JSON.stringify(sealed);
    for (const secret of ['rule:ru_1', 'key_0011', '10.0.0.7', 'req-1', 'count']) expect(text).not.toContain(secret);
    expect(sealed).toMatchObject({ action: 'rule.update', tenantId: 'acme', outcome: 'success', requestId: null });
    expect(unsealEntry(sealed, key)).toEqual(entry);
  });

  it('without the key (erased) or with another (an id reused), the facts remain and the fields are gone', () => {
    const sealed = sealEntry(entry, randomBytes(32));
    for (const key of [null, randomBytes(32)]) {
      const opened = unsealEntry(sealed, key);
      expect(opened).toMatchObject({ action: 'rule.update', at: entry.at, status: 200, erased: true, target: null });
      expect(opened.sourceIp).toBeNull();
      expect(opened.requestId).toBeNull();
      expect(opened.actor).toEqual({ type: 'tenant' });
      expect(opened.details).toBeUndefined();
    }
  });

  it('an entry that was never sealed reads as it is', () => {
    const { tenantId: _t, ...global } = entry;
    expect(unsealEntry(global, null)).toEqual(global);
  });

  it('keeps four random characters of a tenant-format key and none of anything else', () => {
    expect(keyPrefixOf('pk_AbCdEfGhIjKlMnOpQrStUvWxYz012345')).toBe('pk_AbCd');
    expect(keyPrefixOf('admin-secret-0123456789')).toBe('other');
    expect(keyPrefixOf(null)).toBe('');
  });

  it('ids sort by time', () => {
    expect(auditId(1_000) < auditId(2_000)).toBe(true);
    expect(auditId(1_000)).not.toBe(auditId(1_000));
  });
});
