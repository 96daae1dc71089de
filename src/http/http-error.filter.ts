import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { type DomainError, isDomainError } from '../common/errors/domain-error.js';
import { type ErrorCode, isErrorCode, statusOf } from '../common/errors/error-codes.js';
import { isRedisUnavailable } from '../redis/redis-errors.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  code: ErrorCode;
  [extra: string]: unknown;
}

/**
 * One error body for every HTTP failure: `{ statusCode, error, message, details?, code }` plus any
 * fields the error adds (403s add requiredTier/currentTier). A DomainError's status comes from the
 * code table (`common/errors/error-codes.ts`); Nest's own exceptions (validation, throttling,
 * unknown routes) and body-parser's errors get a code by their status. Unexpected errors become a
 * 500 that says nothing about internals (a DomainError INTERNAL too: its message is logged);
 * Redis unreachable (or a Cluster slot unserved) a 503 STORAGE_UNAVAILABLE, any other 503 naming
 * no code (readiness down) NOT_READY.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      this.logger.error(`unhandled ${host.getType()} error: ${(exception as Error)?.message}`);
      return;
    }
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) {
      this.logger.error((exception as Error)?.stack ?? String(exception));
    }
    if (response.headersSent) return;
    // A domain's 429 says when to try again (seconds) in its body and in the standard header.
    if (body.statusCode === 429 && typeof body.retryAfter === 'number')
      response.setHeader('Retry-After', String(body.retryAfter));
    response.status(body.statusCode).json(body);
  }
}

/** The body a DomainError is answered with (status from the code table). */
export function errorBodyOf(error: DomainError): ErrorBody {
  const status = statusOf(error.code);
  // INTERNAL says nothing about internals: its message is for the log (HttpErrorFilter logs every 500).
  const message = error.code === 'INTERNAL' ? INTERNAL_MESSAGE : error.message;
  return { statusCode: status, error: reason(status), message, ...error.extra, code: error.code };
}

/** The body any thrown value is answered with. */
export function toErrorBody(exception: unknown): ErrorBody {
  if (isDomainError(exception)) return errorBodyOf(exception);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    const fallback =
      exception instanceof ThrottlerException
        ? 'RATE_LIMITED'
        : status === 400 && fromBodyParser(exception.cause)
          ? 'MALFORMED_BODY'
          : status === 503 && isRedisUnavailable(exception.cause)
            ? 'STORAGE_UNAVAILABLE'
            : codeOfStatus(status);
    if (typeof payload === 'string') {
      return { statusCode: status, error: reason(status), message: payload, code: fallback };
    }
    const { statusCode: _s, error, message, code, ...rest } = payload as Record<string, unknown>;
    return {
      statusCode: status,
      error: typeof error === 'string' ? error : reason(status),
      message: Array.isArray(message) ? message.join('; ') : textOf(message ?? reason(status)),
      ...rest,
      code: isErrorCode(code) ? code : fallback,
    };
  }
  // body-parser and similar middleware errors carry a client status (malformed JSON 400, too large 413)
  // when they arrive unwrapped (Nest's Express adapter wraps them in an HttpException with the cause).
  const candidate = exception as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
  if (typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500 && candidate.expose) {
    const status = candidate.status;
    const code = status === 400 ? 'MALFORMED_BODY' : codeOfStatus(status);
    return { statusCode: status, error: reason(status), message: String(candidate.message), code };
  }
  if (isRedisUnavailable(exception)) {
    return {
      statusCode: 503,
      error: reason(503),
      message: 'Storage is unavailable, try again shortly',
      code: 'STORAGE_UNAVAILABLE',
    };
  }
  return { statusCode: 500, error: reason(500), message: INTERNAL_MESSAGE, code: 'INTERNAL' };
}

/** The whole message of a 500. */
const INTERNAL_MESSAGE = 'Internal server error';

/** A body that could not be read: body-parser's error (its `type`) or the JSON parser's SyntaxError. */
function fromBodyParser(cause: unknown): boolean {
  return cause instanceof SyntaxError || typeof (cause as { type?: unknown } | undefined)?.type === 'string';
}

/** The code of an error that names none (Nest's own exceptions, body-parser's), by its status. */
function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 401:
      return 'UNAUTHENTICATED';
    case 404:
      return 'ROUTE_NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      // Terminus' readiness failure (its body says which dependency is down), or another refusal
      // naming no cause; Redis unreachable is STORAGE_UNAVAILABLE, told by the error itself.
      return 'NOT_READY';
    default:
      return status >= 500 ? 'INTERNAL' : 'REQUEST_REJECTED';
  }
}

function reason(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** A message as text: a string as it is, anything else as JSON (never "[object Object]"). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
