// Which value each limit of a tenant has, and where it comes from (issue #34). Pure: no I/O.
import { LIMIT_NAMES, type LimitName, type LimitSource, type LimitValues } from '../common/limits.js';
import type { TenantLimits } from '../tenants/tenant.js';

/** A limit's value (null: none) and its source. */
export interface ResolvedLimit {
  max: number | null;
  source: LimitSource;
}

/** A usable limit value: a positive finite number, else none. */
const valueOf = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;

/**
 * Every limit's value, limit by limit: the account's claims when they set it (`account`: the
 * server enforces it), else the limit the admin set on the tenant (`tenant`), else none. The
 * monthly messages are never in claims: the tenant's `monthlyMessageQuota`. An account whose
 * JWT leaves a limit unlimited (-1, null here) takes the tenant's value for it, if any (a limit
 * of the operator's own, that the server does not enforce).
 */
export function resolveLimits(
  claims: LimitValues | null,
  tenant: { limits: TenantLimits; monthlyMessageQuota: number | null },
): Map<LimitName, ResolvedLimit> {
  const own: LimitValues = { ...tenant.limits, monthlyMessages: tenant.monthlyMessageQuota };
  return new Map(
    LIMIT_NAMES.map((name): [LimitName, ResolvedLimit] => {
      const claimed = name === 'monthlyMessages' ? null : valueOf(claims?.[name]);
      if (claimed !== null) return [name, { max: claimed, source: 'account' }];
      const set = valueOf(own[name]);
      return [name, set === null ? { max: null, source: 'none' } : { max: set, source: 'tenant' }];
    }),
  );
}
