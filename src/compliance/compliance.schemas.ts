import { arr, bool, dateTime, int, nullable, obj, oneOfValues, record, type Schema, str } from '../common/schema.js';
import { AUDIT_ACTIONS } from '../common/audit-actions.js';

const entry = obj(
  {
    id: str,
    at: dateTime,
    actor: obj({ type: oneOfValues(['admin', 'tenant', 'unknown']), keyId: str }, ['keyId']),
    tenantId: str,
    action: oneOfValues(AUDIT_ACTIONS),
    target: nullable(str),
    requestId: nullable(str),
    sourceIp: nullable(str),
    outcome: oneOfValues(['success', 'failure']),
    status: int,
    details: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] } },
    erased: bool,
  },
  ['tenantId', 'details', 'erased'],
);

const failures = obj({
  total: int,
  byReason: record(int),
  byDay: arr(obj({ day: str, count: int })),
});

/** `coldUnchecked`: the cold store did not answer the count after the deletion (the DELETE answered 503). */
const receipt = obj(
  {
    tenantId: str,
    erasedAt: dateTime,
    removed: obj({ redisKeys: int, coldItems: int }),
    remaining: int,
    coldUnchecked: { type: 'boolean', enum: [true] },
  },
  ['coldUnchecked'],
);

/** Response bodies of the audit and compliance routes, by component name. */
export const COMPLIANCE_SCHEMAS: Record<string, Schema> = {
  /** Newest first; `erased` entries of the global trail lost their tenant's fields with the tenant. */
  AuditPage: obj({ entries: arr(entry), nextCursor: nullable(str) }),
  ErasureReceipt: receipt,
  ComplianceReport: obj({
    generatedAt: dateTime,
    deployment: obj({
      natsTls: bool,
      natsAuthentication: bool,
      redisTls: bool,
      redisPersistence: obj({ appendOnly: nullable(bool), adviceFollowed: nullable(bool) }),
      adminKeyConfigured: bool,
      rateLimits: obj({ perKeyPerMinute: int, perAddressPerMinute: int }),
      auditRetentionDays: int,
      coldStore: bool,
    }),
    failedAuthentication30d: failures,
    tenants: arr(
      obj({
        id: str,
        tier: str,
        status: str,
        retentionDays: int,
        oldestData: nullable(dateTime),
        retentionEnforced: bool,
        keys: arr(
          obj({ keyId: str, createdAt: dateTime, ageDays: int, lastUsedAt: nullable(dateTime), unused90d: bool }),
        ),
        failedAuthentication30d: failures,
        channels: arr(obj({ id: str, type: str, host: nullable(str) })),
      }),
    ),
    erasures: arr(receipt),
  }),
};
