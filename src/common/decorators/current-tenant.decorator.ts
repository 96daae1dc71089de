import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import type { AuthenticatedRequest, TenantPrincipal } from '../principal.js';

/** The tenant resolved from the request's API key by ApiKeyGuard; never from a request parameter. */
export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): TenantPrincipal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.tenant) {
    // A route reading the tenant must not be @Public or @AdminOnly: a programming error, not a client one.
    throw new DomainError('INTERNAL', 'route has no tenant credential');
  }
  return request.tenant;
});
