import { ForbiddenException, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import type { PulseOptions } from '../config/pulse-options.js';
import type { ApiKeyService } from '../tenants/api-key.service.js';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { RequiresTier } from '../common/decorators/requires-tier.decorator.js';
import { FEATURE_TIERS, type Feature } from '../common/entitlements.js';
import type { Tier } from '../common/tiers.js';
import { ApiKeyGuard } from './api-key.guard.js';
import type { AuthenticatedRequest } from '../common/principal.js';
import type { AuditService } from '../compliance/audit.service.js';
import type { AdminViews } from '../tenants/admin-views.js';

class Routes {
  open() {}
  admin() {}
  tenant() {}
  pro() {}
  hostPro() {}
}
Public()(Routes.prototype, 'open', Object.getOwnPropertyDescriptor(Routes.prototype, 'open')!);
AdminOnly()(Routes.prototype, 'admin', Object.getOwnPropertyDescriptor(Routes.prototype, 'admin')!);
RequiresFeature('analytics')(Routes.prototype, 'pro', Object.getOwnPropertyDescriptor(Routes.prototype, 'pro')!);
// A host app's own route gated by tier (Pulse's routes use RequiresFeature only).
RequiresTier('professional')(
  Routes.prototype,
  'hostPro',
  Object.getOwnPropertyDescriptor(Routes.prototype, 'hostPro')!,
);

const ADMIN = 'admin-key-0123456789';
const keys = {
  resolve: async (key: string) =>
    key === 'pk_basic'
      ? { tenantId: 'acme', tier: 'basic', keyId: 'k1' }
      : key === 'pk_pro'
        ? { tenantId: 'beta', tier: 'professional', keyId: 'k2' }
        : null,
  refusedOwner: async (key: string) =>
    key === 'pk_revoked' ? { tenantId: 'acme', keyId: 'k0', reason: 'revoked_key' } : null,
} as unknown as ApiKeyService;

function context(
  handler: keyof Routes,
  authorization?: string,
  extra: { method?: string; view?: string } = {},
): { ctx: ExecutionContext; req: AuthenticatedRequest } {
  const headers: Record<string, string | undefined> = { authorization };
  if (extra.view !== undefined) headers['x-pulse-view-tenant'] = extra.view;
  const req = { headers, ip: '10.0.0.7', method: extra.method ?? 'GET' } as unknown as AuthenticatedRequest;
  const ctx = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({ getHeader: () => 'req-1' }) }),
  } as unknown as ExecutionContext;
  return { ctx, req };
}

/** What the guard reported to the audit trail. */
const reported = { failures: [] as unknown[][], uses: [] as unknown[][] };
const audit = {
  authFailed: (...a: unknown[]) => reported.failures.push(a),
  keyUsed: (...a: unknown[]) => reported.uses.push(a),
} as unknown as AuditService;
/** The operator opened a read-only view of `acme` only (professional for the view). */
const views = {
  principal: async (tenantId: string) =>
    tenantId === 'acme' ? { tenantId, tier: 'professional', keyId: 'admin-view', readOnly: true } : null,
} as unknown as AdminViews;
const guard = new ApiKeyGuard(new Reflector(), keys, { adminApiKey: ADMIN } as PulseOptions, audit, views);

describe('ApiKeyGuard', () => {
  it('lets @Public routes through without a key', async () => {
    expect(await guard.canActivate(context('open').ctx)).toBe(true);
  });

  it('denies by default: an undecorated route needs a tenant key', async () => {
    await expect(guard.canActivate(context('tenant').ctx)).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(guard.canActivate(context('tenant', 'Bearer pk_unknown').ctx)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    const { ctx, req } = context('tenant', 'Bearer pk_basic');
    expect(await guard.canActivate(ctx)).toBe(true);
    expect(req.tenant).toEqual({ tenantId: 'acme', tier: 'basic', keyId: 'k1' });
  });

  it('admin routes take only the admin key; the admin key is no tenant key', async () => {
    expect(await guard.canActivate(context('admin', `Bearer ${ADMIN}`).ctx)).toBe(true);
    await expect(guard.canActivate(context('admin', 'Bearer pk_basic').ctx)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    await expect(guard.canActivate(context('tenant', `Bearer ${ADMIN}`).ctx)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
  });

  it("the admin key reads a tenant's routes only through an opened view, and only with GET or HEAD", async () => {
    const { ctx, req } = context('pro', `Bearer ${ADMIN}`, { view: 'acme' });
    expect(await guard.canActivate(ctx)).toBe(true);
    expect(req.tenant).toEqual({ tenantId: 'acme', tier: 'professional', keyId: 'admin-view', readOnly: true });
    expect(req.isAdmin).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const write = guard.canActivate(context('tenant', `Bearer ${ADMIN}`, { method, view: 'acme' }).ctx);
      await expect(write).rejects.toMatchObject({ response: { code: 'READ_ONLY_VIEW', statusCode: 403 } });
    }
    // Not opened for this tenant: nothing is granted.
    await expect(guard.canActivate(context('tenant', `Bearer ${ADMIN}`, { view: 'beta' }).ctx)).rejects.toMatchObject({
      response: { code: 'READ_ONLY_VIEW' },
    });
    await expect(
      guard.canActivate(context('tenant', `Bearer ${ADMIN}`, { view: 'no/such id' }).ctx),
    ).rejects.toMatchObject({ response: { code: 'VALIDATION_FAILED' } });
    // A tenant key with the header is its own tenant's key, nothing more.
    const own = context('tenant', 'Bearer pk_basic', { view: 'beta', method: 'POST' });
    expect(await guard.canActivate(own.ctx)).toBe(true);
    expect(own.req.tenant).toEqual({ tenantId: 'acme', tier: 'basic', keyId: 'k1' });
  });

  it('without a configured admin key, admin routes are closed', async () => {
    const closed = new ApiKeyGuard(new Reflector(), keys, {} as PulseOptions, audit, views);
    await expect(closed.canActivate(context('admin', `Bearer ${ADMIN}`).ctx)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
  });

  it('403 names the required and current tier', async () => {
    const err = await guard.canActivate(context('pro', 'Bearer pk_basic').ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenException);
    expect((err as ForbiddenException).getResponse()).toMatchObject({
      requiredTier: 'professional',
      currentTier: 'basic',
    });
  });

  it("a host app's route marked @RequiresTier answers the same 403 below the tier, and lets the tier through", async () => {
    const err = await guard.canActivate(context('hostPro', 'Bearer pk_basic').ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenException);
    expect((err as ForbiddenException).getResponse()).toMatchObject({
      statusCode: 403,
      requiredTier: 'professional',
      currentTier: 'basic',
      code: 'TIER_REQUIRED',
    });
    expect(await guard.canActivate(context('hostPro', 'Bearer pk_pro').ctx)).toBe(true);
  });

  it("takes the route's tier from the entitlements table only: moving the feature there moves the 403", async () => {
    const answer = () =>
      guard.canActivate(context('pro', 'Bearer pk_basic').ctx).then(
        () => 'allowed',
        (e: ForbiddenException) => `403 ${(e.getResponse() as { requiredTier: string }).requiredTier}`,
      );
    const table = FEATURE_TIERS as Record<Feature, Tier>;
    const before = table.analytics;
    try {
      expect(await answer()).toBe('403 professional');
      table.analytics = 'enterprise'; // the one line that moves a feature
      expect(await answer()).toBe('403 enterprise');
      table.analytics = 'basic';
      expect(await answer()).toBe('allowed');
    } finally {
      table.analytics = before;
    }
  });

  it('reports each refusal (address, presented key, reason, request id) and each accepted key use', async () => {
    reported.failures.length = 0;
    reported.uses.length = 0;
    await guard.canActivate(context('tenant').ctx).catch(() => undefined);
    await guard.canActivate(context('tenant', 'Bearer pk_wrong').ctx).catch(() => undefined);
    await guard.canActivate(context('admin', 'Bearer pk_basic').ctx).catch(() => undefined);
    await guard.canActivate(context('tenant', `Bearer ${ADMIN}`).ctx).catch(() => undefined);
    await guard.canActivate(context('tenant', 'Bearer pk_revoked').ctx).catch(() => undefined);
    await guard.canActivate(context('tenant', 'Bearer pk_basic').ctx);
    expect(reported.failures).toEqual([
      ['10.0.0.7', null, 'missing_key', 'req-1', undefined],
      ['10.0.0.7', 'pk_wrong', 'unknown_key', 'req-1', undefined],
      ['10.0.0.7', 'pk_basic', 'admin_key_required', 'req-1', undefined],
      ['10.0.0.7', ADMIN, 'admin_key_as_tenant_key', 'req-1', undefined],
      // A revoked key is counted for its tenant.
      ['10.0.0.7', 'pk_revoked', 'revoked_key', 'req-1', 'acme'],
    ]);
    expect(reported.uses).toEqual([['acme', 'k1']]);
  });
});
