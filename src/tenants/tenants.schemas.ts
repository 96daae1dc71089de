import { FEATURES } from '../common/entitlements.js';
import { LIMIT_NAMES } from '../common/limits.js';
import { TIERS } from '../common/tiers.js';
import { arr, bool, dateTime, extend, int, nullable, obj, oneOfValues, type Schema, str } from '../common/schema.js';
import { SENSITIVITIES } from '../config/detector-config.js';

const TENANT_LIMIT_NAMES = LIMIT_NAMES.filter((l) => l !== 'monthlyMessages');

const tenant = obj({
  id: str,
  name: str,
  tier: oneOfValues(TIERS),
  plan: nullable(str),
  status: oneOfValues(['active', 'disabled']),
  monthlyMessageQuota: nullable(int),
  anomalySensitivity: oneOfValues(SENSITIVITIES),
  sampling: int,
  retentionDays: nullable(int),
  natsIdentities: obj({ accounts: arr(str), users: arr(str), nkeys: arr(str) }),
  natsAccount: nullable(str),
  limits: obj(Object.fromEntries(TENANT_LIMIT_NAMES.map((l) => [l, nullable(int)]))),
  createdAt: dateTime,
  updatedAt: dateTime,
});
const keyRecord = obj({ keyId: str, createdAt: dateTime });

/** Response bodies of the tenant routes, by component name. */
export const TENANT_SCHEMAS: Record<string, Schema> = {
  Tenant: tenant,
  /** The new tenant and its first key: `apiKey` appears in this answer only. */
  TenantCreated: extend(tenant, { keyId: str, apiKey: str }),
  TenantWithKeys: extend(tenant, { apiKeys: arr(keyRecord) }),
  TenantPage: obj({ tenants: arr(tenant), nextCursor: nullable(str) }),
  ApiKeyList: obj({ apiKeys: arr(keyRecord) }),
  /** A new key: `apiKey` appears in this answer only. */
  ApiKeyIssued: obj({ keyId: str, apiKey: str, createdAt: dateTime }),
  AdminView: obj({ tenantId: str, tier: str, expiresAt: dateTime, header: str }),
  /** `GET /tenant`: the key's tenant and every feature of the entitlements table. */
  TenantEntitlements: obj({
    tenantId: str,
    tier: oneOfValues(TIERS),
    historyDays: int,
    features: arr(obj({ feature: oneOfValues(FEATURES), requiredTier: oneOfValues(TIERS), entitled: bool })),
  }),
};
