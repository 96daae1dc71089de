import { createParamDecorator, type ExecutionContext, InternalServerErrorException } from '@nestjs/common';
import type { AuthenticatedRequest, TenantPrincipal } from '../principal.js';

/** The tenant resolved from the request's API key by ApiKeyGuard; never from a request parameter. */
export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): TenantPrincipal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.tenant) {
    // A route reading the tenant must not be @Public or @AdminOnly: a programming error, not a client one.
    throw new InternalServerErrorException('route has no tenant credential');
  }
  return request.tenant;
});
