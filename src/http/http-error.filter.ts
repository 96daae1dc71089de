import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isRedisUnavailable } from '../redis/redis-errors.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  [extra: string]: unknown;
}

/**
 * One error body for every HTTP failure: `{ statusCode, error, message, details? }` plus any
 * fields the exception adds (403s add requiredTier/currentTier). Unexpected errors become a 500
 * that says nothing about internals; Redis unreachable (or a Cluster slot unserved) becomes a 503.
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
    const body = this.toBody(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) {
      this.logger.error((exception as Error)?.stack ?? String(exception));
    }
    if (!response.headersSent) response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'string') return { statusCode: status, error: reason(status), message: payload };
      const { statusCode: _s, error, message, ...rest } = payload as Record<string, unknown>;
      return {
        statusCode: status,
        error: typeof error === 'string' ? error : reason(status),
        message: Array.isArray(message) ? message.join('; ') : textOf(message ?? reason(status)),
        ...rest,
      };
    }
    // body-parser and similar middleware errors carry a client status (malformed JSON 400, too large 413).
    const candidate = exception as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
    if (
      typeof candidate?.status === 'number' &&
      candidate.status >= 400 &&
      candidate.status < 500 &&
      candidate.expose
    ) {
      return { statusCode: candidate.status, error: reason(candidate.status), message: String(candidate.message) };
    }
    if (isRedisUnavailable(exception)) {
      return { statusCode: 503, error: reason(503), message: 'Storage is unavailable, try again shortly' };
    }
    return { statusCode: 500, error: reason(500), message: 'Internal server error' };
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
