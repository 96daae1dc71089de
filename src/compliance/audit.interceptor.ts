import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { Audited, type AuditSpec } from '../common/decorators/audited.decorator.js';
import { isDomainError } from '../common/errors/domain-error.js';
import { statusOf } from '../common/errors/error-codes.js';
import { ID_PATTERN } from '../common/ids.js';
import type { AuthenticatedRequest } from '../common/principal.js';
import { auditIdOf } from './audit.js';
import { AuditService } from './audit.service.js';

/**
 * Writes an audit entry for every call of a route marked @Audited, after it answered or failed
 * (validation, not found, conflict…), before the answer leaves. Calls refused by the guards
 * (401, 403 tier, 429) never reach it: failed authentications are counted by the API-key guard.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const spec = this.reflector.get(Audited, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const declared = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined;
    const okStatus = declared ?? (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap((answer: unknown) =>
        from(this.write(spec, request, response, okStatus, answer)).pipe(mergeMap(() => [answer])),
      ),
      catchError((err: unknown) => {
        const status = statusOfError(err);
        return from(this.write(spec, request, response, status, undefined)).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }

  private async write(
    spec: AuditSpec,
    request: AuthenticatedRequest,
    response: Response,
    status: number,
    answer: unknown,
  ): Promise<void> {
    const params = request.params as Record<string, string | undefined>;
    const fromAnswer = spec.id?.startsWith('answer:') ? spec.id.slice(7) : null;
    const raw = fromAnswer !== null ? field(answer, fromAnswer) : params[spec.id ?? 'id'];
    // Path ids are the caller's text (a refused one too): kept only in a bounded form.
    const id = raw ? auditIdOf(raw) : raw;
    const pathTenant = params.id === undefined ? undefined : auditIdOf(params.id);
    // A tenant key fixes the tenant; an admin route names it in its path, or (create) its body.
    const tenantId = request.tenant?.tenantId ?? pathTenant ?? field(answer, 'id') ?? bodyId(request.body);
    await this.audit.record({
      actor: request.isAdmin ? { type: 'admin' } : { type: 'tenant', keyId: request.tenant?.keyId },
      ...(tenantId !== undefined && { tenantId }),
      action: spec.action,
      target: id ? `${spec.target}:${id}` : spec.target,
      requestId: headerValue(response.getHeader('x-request-id')),
      sourceIp: request.ip ?? null,
      status,
      ...(spec.details && status < 400 && { details: spec.details(answer) }),
    });
  }
}

function field(answer: unknown, name: string): string | null {
  if (typeof answer !== 'object' || answer === null || !Object.hasOwn(answer, name)) return null;
  const v = (answer as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : null;
}

function bodyId(body: unknown): string | undefined {
  const id = field(body, 'id');
  return id !== null && ID_PATTERN.test(id) ? id : undefined;
}

function headerValue(v: number | string | string[] | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

/** The status a failed call is answered with: a DomainError's by its code, an HttpException's own, else 500. */
function statusOfError(err: unknown): number {
  if (isDomainError(err)) return statusOf(err.code);
  return err instanceof HttpException ? err.getStatus() : 500;
}
