import type { ExecutionContext } from '@nestjs/common';
import type { AuditService } from '../../compliance/audit.service.js';
import { Reflector } from '@nestjs/core';
import { ThrottlerException, type ThrottlerStorage } from '@nestjs/throttler';
import { describe, expect, it } from 'vitest';
import { Public } from '../../common/decorators/public.decorator.js';
import type { PulseOptions } from '../../config/pulse-options.js';
import type { ApiKeyService } from '../../tenants/api-key.service.js';
import type { AdminViews } from '../../tenants/admin-views.js';
import { ApiKeyGuard } from '../api-key.guard.js';
import { PulseThrottlerGuard } from './pulse-throttler.guard.js';

class Routes {
  open() {}
  tenant() {}
}
Public()(Routes.prototype, 'open', Object.getOwnPropertyDescriptor(Routes.prototype, 'open')!);

/**
 * Every Redis operation the guards start is held until the test releases it: what was started
 * before the first release is what one auto-pipelined write carries.
 */
function setup(limits: { key: number; address: number }) {
  const started: string[] = [];
  const pending: (() => void)[] = [];
  const hold = <T>(name: string, value: T) =>
    new Promise<T>((resolve) => {
      started.push(name);
      pending.push(() => resolve(value));
    });
  const hits = new Map<string, number>();
  const storage: ThrottlerStorage = {
    increment: (key, ttl, limit, _block, name) => {
      const total = (hits.get(key) ?? 0) + 1;
      hits.set(key, total);
      return hold(`throttle:${name}`, {
        totalHits: total,
        timeToExpire: ttl / 1000,
        isBlocked: total > limit,
        timeToBlockExpire: total > limit ? 60 : 0,
      });
    },
  };
  const apiKeys = {
    resolve: (key: string) =>
      hold('lookup', key === 'pk_good' ? { tenantId: 'acme', tier: 'basic' as const, keyId: 'k1' } : null),
    refusedOwner: () => Promise.resolve(null),
  } as unknown as ApiKeyService;
  const reflector = new Reflector();
  const audit = { authFailed: () => undefined, keyUsed: () => undefined } as unknown as AuditService;
  const apiKeyGuard = new ApiKeyGuard(
    reflector,
    apiKeys,
    { adminApiKey: 'admin-key-0123456789' } as PulseOptions,
    audit,
    { principal: () => Promise.resolve(null) } as unknown as AdminViews,
  );
  const guard = new PulseThrottlerGuard(
    {
      generateKey: (_c: unknown, tracker: string, name: string) => `${name}:${tracker}`,
      throttlers: [
        { name: 'key', ttl: 60_000, limit: limits.key, getTracker: () => 'k' },
        { name: 'address', ttl: 60_000, limit: limits.address, getTracker: () => 'a' },
      ],
    },
    storage,
    reflector,
    apiKeyGuard,
  );
  const headers = new Map<string, string>();
  const context = (handler: keyof Routes, authorization?: string) => {
    const req = { headers: { authorization }, ip: '127.0.0.1' };
    const res = { setHeader: (name: string, value: string) => headers.set(name, String(value)) };
    return {
      getType: () => 'http',
      getHandler: () => Routes.prototype[handler],
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
  };
  /** Lets every started operation finish, as often as new ones are started (awaits in between). */
  const drain = async () => {
    for (let round = 0; round < 10; round++) {
      await new Promise((r) => setImmediate(r));
      pending.splice(0).forEach((release) => release());
    }
  };
  return { guard, apiKeyGuard, context, started, drain, headers };
}

/** The outcome of a promise, handled at once (the drain would otherwise see the rejection unhandled). */
const settle = (p: Promise<unknown>) =>
  p.then(
    (v) => v,
    (e: unknown) => e,
  );

describe('PulseThrottlerGuard', () => {
  it('starts both limit checks and the key lookup before any of them answers (one auto-pipelined round trip)', async () => {
    const { guard, apiKeyGuard, context, started, drain } = setup({ key: 10, address: 10 });
    await guard.onModuleInit();
    const ctx = context('tenant', 'Bearer pk_good');
    const admitted = guard.canActivate(ctx).then((ok) => ok && apiKeyGuard.canActivate(ctx));
    await new Promise((r) => setImmediate(r));
    expect([...started].sort()).toEqual(['lookup', 'throttle:address', 'throttle:key']);
    await drain();
    expect(await admitted).toBe(true);
    // The lookup started ahead was the one used: no second lookup.
    expect(started.filter((s) => s === 'lookup')).toHaveLength(1);
    expect(ctx.switchToHttp().getRequest<{ tenant?: unknown }>().tenant).toMatchObject({ tenantId: 'acme' });
  });

  it('still answers 429 when either limit alone is passed, with Retry-After', async () => {
    for (const limits of [
      { key: 1, address: 10 },
      { key: 10, address: 1 },
    ]) {
      const { guard, context, drain, headers } = setup(limits);
      await guard.onModuleInit();
      const first = guard.canActivate(context('tenant', 'Bearer pk_good'));
      await drain();
      expect(await first).toBe(true);
      const second = settle(guard.canActivate(context('tenant', 'Bearer pk_good')));
      await drain();
      expect(await second).toBeInstanceOf(ThrottlerException);
      expect(headers.get('Retry-After')).toBe('60');
    }
  });

  it('looks nothing up for public routes or values that cannot be tenant keys', async () => {
    const { guard, context, started, drain } = setup({ key: 10, address: 10 });
    await guard.onModuleInit();
    for (const ctx of [context('open', 'Bearer pk_good'), context('tenant', 'Bearer admin-key-0123456789')]) {
      const admitted = guard.canActivate(ctx);
      await drain();
      expect(await admitted).toBe(true);
    }
    expect(started.filter((s) => s === 'lookup')).toHaveLength(0);
  });

  it('a lookup started for a request that is then throttled fails quietly (no unhandled rejection)', async () => {
    const { guard, context, drain } = setup({ key: 0, address: 10 });
    await guard.onModuleInit();
    const admitted = settle(guard.canActivate(context('tenant', 'Bearer pk_good')));
    await drain();
    expect(await admitted).toBeInstanceOf(ThrottlerException);
  });
});
