import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiKeyGuard } from '../api-key.guard.js';

/**
 * ThrottlerGuard for the HTTP API only (NATS heartbeats are not API calls and must not cost a
 * Redis round trip each), sending the standard `Retry-After` too (the guard names its headers
 * per throttler).
 *
 * One Redis round trip for a request's admission: the library checks its throttlers one after
 * the other, each awaiting its own Redis script; here each check is started and collected, so
 * both scripts — and the API key's lookup, started by ApiKeyGuard.lookAhead — leave in the same
 * tick and ioredis' auto-pipelining sends them as one write. The limits are the same: every
 * throttler is still counted, and any one over its limit answers 429. A throttled request's key
 * lookup is wasted (one GET in the same write), which is what bounds guessing anyway: the
 * answer is 429 whatever the lookup found.
 */
@Injectable()
export class PulseThrottlerGuard extends ThrottlerGuard {
  /** Throttler checks started for a request and not yet collected (weak: a request never leaks). */
  private readonly started = new WeakMap<object, Promise<boolean>[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly apiKeyGuard: ApiKeyGuard,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<object>();
    const checks: Promise<boolean>[] = [];
    this.started.set(request, checks);
    this.apiKeyGuard.lookAhead(context);
    try {
      await super.canActivate(context);
    } finally {
      this.started.delete(request);
    }
    const passed = await Promise.all(checks);
    return passed.every(Boolean);
  }

  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const checks = this.started.get(props.context.switchToHttp().getRequest<object>());
    if (!checks) return super.handleRequest(props);
    const check = super.handleRequest(props);
    check.catch(() => undefined); // collected by canActivate, unless the library throws first
    checks.push(check);
    return Promise.resolve(true);
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    return super.throwThrottlingException(context, detail);
  }
}
