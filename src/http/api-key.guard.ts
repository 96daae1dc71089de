import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { API_KEY_PREFIX, ApiKeyService } from '../tenants/api-key.service.js';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { RequiresTier } from '../common/decorators/requires-tier.decorator.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { entitled, lowestTier } from '../common/entitlements.js';
import { type Tier, tierAtLeast } from '../common/tiers.js';
import { type AuthenticatedRequest, bearerToken, type TenantPrincipal } from '../common/principal.js';
import { AuditService, type AuthFailureReason } from '../compliance/audit.service.js';
import { errorBodyOf } from './http-error.filter.js';
import { AdminViews, VIEW_TENANT_HEADER } from '../tenants/admin-views.js';
import { DomainError, InvalidInputError } from '../common/errors/domain-error.js';
import { ID_PATTERN, isValidId } from '../common/ids.js';

/**
 * Global guard, deny by default: a route is open only when marked @Public(). Admin routes take the
 * operator key; every other route takes a tenant key, which fixes the tenant for the whole request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly adminKeyDigest: Buffer | null;
  /** Key lookups started ahead of this guard (by the rate-limit guard), by request. */
  private readonly lookups = new WeakMap<object, Promise<TenantPrincipal | null>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
    private readonly audit: AuditService,
    private readonly adminViews: AdminViews,
  ) {
    this.adminKeyDigest = options.adminApiKey ? sha256(options.adminApiKey) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // NATS handlers are authorised by NATS itself
    const access = this.accessOf(context);
    if (access === 'public') return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    // Refusals are counted for the audit trail (per address, key prefix and reason; no I/O here).
    const refuse = (reason: AuthFailureReason, message: string, tenantId?: string) => {
      const id = context.switchToHttp().getResponse<{ getHeader(n: string): unknown }>().getHeader('x-request-id');
      this.audit.authFailed(request.ip ?? 'unknown', key, reason, typeof id === 'string' ? id : null, tenantId);
      return new UnauthorizedException(message);
    };
    if (!key) throw refuse('missing_key', 'Missing API key: send "Authorization: Bearer <key>"');

    const isAdminKey = this.isAdminKey(key);
    if (access === 'admin') {
      if (!isAdminKey) throw refuse('admin_key_required', 'This route requires the admin API key');
      request.isAdmin = true;
      return true;
    }
    const viewed = isAdminKey ? request.headers[VIEW_TENANT_HEADER] : undefined;
    if (isAdminKey && viewed === undefined)
      throw refuse('admin_key_as_tenant_key', 'The admin API key cannot be used as a tenant key');

    const principal = isAdminKey
      ? await this.adminView(request, viewed)
      : await (this.lookups.get(request) ?? this.apiKeys.resolve(key));
    if (!principal) {
      // A revoked key or a disabled tenant's is counted for its tenant (same answer to the caller).
      const owner = await this.apiKeys.refusedOwner(key).catch(() => null);
      throw refuse(owner?.reason ?? 'unknown_key', 'Unknown or revoked API key', owner?.tenantId);
    }
    request.tenant = principal;
    if (!principal.readOnly) this.audit.keyUsed(principal.tenantId, principal.keyId);

    const targets = [context.getHandler(), context.getClass()];
    const feature = this.reflector.getAllAndOverride(RequiresFeature, targets);
    if (feature && !entitled(principal.tier, feature)) throw tierRequired(lowestTier(feature), principal.tier);
    // A host app's own routes may gate by tier (@RequiresTier); Pulse's take a feature only.
    const tier = this.reflector.getAllAndOverride(RequiresTier, targets);
    if (tier && !tierAtLeast(principal.tier, tier)) throw tierRequired(tier, principal.tier);
    return true;
  }

  /**
   * Starts the tenant-key lookup this guard will need, so that it shares a Redis round trip with
   * the rate-limit checks that run first (see PulseThrottlerGuard). Only for routes that take a
   * tenant key and a header that could hold one; canActivate decides as before.
   */
  lookAhead(context: ExecutionContext): void {
    if (this.accessOf(context) !== 'tenant') return;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key || !key.startsWith(API_KEY_PREFIX)) return;
    const lookup = this.apiKeys.resolve(key);
    // Awaited by canActivate; if a 429 ends the request first, its failure must not go unhandled.
    lookup.catch(() => undefined);
    this.lookups.set(request, lookup);
  }

  /**
   * The admin key reading a tenant's route through its read-only view (`X-Pulse-View-Tenant`):
   * reads only (any other method is READ_ONLY_VIEW), and only while the operator has opened the
   * view (an audited admin route, AdminViews); the admin key never gets a tenant's write powers.
   */
  private async adminView(
    request: AuthenticatedRequest,
    header: string | string[] | undefined,
  ): Promise<TenantPrincipal> {
    const tenantId = typeof header === 'string' ? header : '';
    if (!isValidId(tenantId))
      throw new BadRequestException(
        errorBodyOf(new InvalidInputError(`${VIEW_TENANT_HEADER} must be one tenant id matching ${ID_PATTERN.source}`)),
      );
    if (request.method !== 'GET' && request.method !== 'HEAD')
      throw new ForbiddenException(
        errorBodyOf(
          new DomainError('READ_ONLY_VIEW', "The operator's view of a tenant is read-only: it changes nothing"),
        ),
      );
    const principal = await this.adminViews.principal(tenantId);
    if (!principal)
      throw new ForbiddenException(
        errorBodyOf(
          new DomainError(
            'READ_ONLY_VIEW',
            `No open read-only view of ${tenantId}: open it first (POST /api/v1/admin/tenants/${tenantId}/view)`,
          ),
        ),
      );
    request.isAdmin = true;
    return principal;
  }

  /** Which key a route takes: none (@Public), the admin key (@AdminOnly), else a tenant key. */
  private accessOf(context: ExecutionContext): 'public' | 'admin' | 'tenant' {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride(Public, targets)) return 'public';
    return this.reflector.getAllAndOverride(AdminOnly, targets) ? 'admin' : 'tenant';
  }

  private isAdminKey(key: string): boolean {
    return this.adminKeyDigest !== null && timingSafeEqual(sha256(key), this.adminKeyDigest);
  }
}

/** The 403 naming the tier required and the tenant's (TIER_REQUIRED). */
function tierRequired(required: Tier, current: Tier): ForbiddenException {
  return new ForbiddenException(errorBodyOf(new TierRequiredException(required, current)));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
