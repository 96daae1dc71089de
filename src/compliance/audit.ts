import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { AuditAction } from '../common/audit-actions.js';
import { isValidId } from '../common/ids.js';

export interface AuditActor {
  type: 'admin' | 'tenant' | 'unknown';
  /** The tenant key's id (never the key). */
  keyId?: string;
}

/**
 * One entry. Never a secret: targets are ids (`rule:r_1`), a failed authentication names the
 * first characters of the key presented (`keyPrefix`), never the key.
 */
export interface AuditEntry {
  id: string;
  at: string;
  actor: AuditActor;
  tenantId?: string;
  action: AuditAction;
  target: string | null;
  requestId: string | null;
  sourceIp: string | null;
  outcome: 'success' | 'failure';
  /** The HTTP status answered. */
  status: number;
  /** Numbers and short strings only: counts of an aggregated failure, an erasure's receipt. */
  details?: Record<string, string | number>;
  /** Set on reads of the global trail when the tenant was erased: its details are gone. */
  erased?: boolean;
}

/**
 * The first characters of a presented tenant key kept in audit entries: `pk_` and four of its 32
 * random ones (about 24 bits of 192), only for a key of the shape Pulse issues (`pk_` and 32
 * base64url characters); another `pk_…` is `malformed`, anything else presented (the admin key
 * in the wrong place, a mistyped admin key, a password pasted) `other`: none of its characters.
 */
export const KEY_PREFIX_LENGTH = 7;
const ISSUED_KEY_SHAPE = /^pk_[A-Za-z0-9_-]{32}$/;

export function keyPrefixOf(key: string | null): string {
  if (key === null) return '';
  if (ISSUED_KEY_SHAPE.test(key)) return key.slice(0, KEY_PREFIX_LENGTH);
  return key.startsWith('pk_') ? 'malformed' : 'other';
}

/**
 * An id from a request path as an audit entry keeps it: a valid id as it is, anything else
 * (a rejected path of any length) as `sha256:` and 16 hex digits of its hash, so the entry is
 * short and repeats of one path still show as one value. Never the raw text.
 */
export function auditIdOf(raw: string): string {
  return isValidId(raw) ? raw : `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** Entry id: sortable by time, then random (so two instances never collide). */
export function auditId(atMs: number): string {
  return `au_${atMs.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * The tenant's fields of an entry in the global trail are sealed with a key of the tenant's
 * (AES-256-GCM): erasing the tenant deletes the key, so the global trail keeps the fact of every
 * action (when, what, by which kind of actor, with what outcome) without the tenant's data
 * (targets, key ids, addresses, details). ARCHITECTURE.md, Compliance.
 */
export type StoredEntry = Omit<AuditEntry, 'target' | 'sourceIp' | 'details' | 'actor'> & {
  actor: { type: AuditActor['type'] };
  target: string | null;
  sourceIp: string | null;
  sealed?: string;
};

export function sealEntry(entry: AuditEntry, key: Buffer): StoredEntry {
  // The request id too: a caller's (tenant's) id is theirs, and must go with the erasure.
  const secret = JSON.stringify({
    target: entry.target,
    keyId: entry.actor.keyId,
    sourceIp: entry.sourceIp,
    requestId: entry.requestId,
    details: entry.details,
  });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const { details: _d, ...rest } = entry;
  return {
    ...withoutTenantFields(rest),
    sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url'),
  };
}

/** The entry without the tenant's fields: what the global trail keeps of an erased tenant's. */
export function withoutTenantFields(entry: Omit<AuditEntry, 'details'> & { details?: unknown }): StoredEntry {
  const { details: _d, ...rest } = entry;
  return { ...rest, actor: { type: entry.actor.type }, target: null, sourceIp: null, requestId: null };
}

/**
 * An entry as the tenant's own key reads it: the admin's request id and address are the
 * operator's, not the tenant's to see.
 */
export function asTenantSees(entry: AuditEntry): AuditEntry {
  return entry.actor.type === 'admin' ? { ...entry, requestId: null, sourceIp: null } : entry;
}

/** The entry as it was, or without the sealed fields (`erased`) when the key is gone or does not fit. */
export function unsealEntry(stored: StoredEntry, key: Buffer | null): AuditEntry {
  const { sealed, ...rest } = stored;
  if (sealed === undefined) return rest;
  if (key !== null) {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const f = JSON.parse(plain) as Pick<AuditEntry, 'target' | 'sourceIp' | 'details'> & {
        keyId?: string;
        requestId?: string | null;
      };
      return {
        ...rest,
        actor: { ...rest.actor, ...(f.keyId !== undefined && { keyId: f.keyId }) },
        target: f.target,
        sourceIp: f.sourceIp,
        // Entries sealed before the request id was sealed kept it in the clear.
        ...(f.requestId !== undefined && { requestId: f.requestId }),
        ...(f.details !== undefined && { details: f.details }),
      };
    } catch {
      // A key that does not open it (a tenant id reused after erasure): as erased.
    }
  }
  return { ...rest, erased: true };
}
