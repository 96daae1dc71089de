import type { Request } from 'express';
import type { Tier } from './tiers.js';

export interface TenantPrincipal {
  tenantId: string;
  tier: Tier;
  keyId: string;
  /** The operator's read-only view of the tenant (admin key, `X-Pulse-View-Tenant`): reads only. */
  readOnly?: boolean;
}

export interface AuthenticatedRequest extends Request {
  tenant?: TenantPrincipal;
  isAdmin?: boolean;
}

/** Far longer than any key (`pk_` + 32 base64url characters); longer headers are not matched at all. */
const MAX_AUTHORIZATION_LENGTH = 512;

export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
