import type { Request } from 'express';
import type { Tier } from '../tiers.js';

export interface TenantPrincipal {
  tenantId: string;
  tier: Tier;
  keyId: string;
}

export interface AuthenticatedRequest extends Request {
  tenant?: TenantPrincipal;
  isAdmin?: boolean;
}
