import {
  type ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableException } from '@nestjs/common';
import { DomainError, InvalidInputError } from '../common/errors/domain-error.js';
import { coldStoreUnavailable } from '../coldstore/cold-store.js';
import { ERROR_CODES, statusOf } from '../common/errors/error-codes.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { errorBodyOf, HttpErrorFilter, toErrorBody } from './http-error.filter.js';

/** An HTTP host whose response records what the filter sent. */
function httpHost() {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('HttpErrorFilter', () => {
  it('answers every code of the catalogue with the status of the code table', () => {
    for (const code of ERROR_CODES) {
      const body = toErrorBody(new DomainError(code, `m ${code}`));
      expect(body.statusCode, code).toBe(statusOf(code));
      // INTERNAL keeps its message to the log: a 500 says nothing about internals (test below).
      expect(body, code).toMatchObject({ message: code === 'INTERNAL' ? 'Internal server error' : `m ${code}`, code });
      expect(typeof body.error, code).toBe('string');
    }
  });

  it('sends the body with its status', () => {
    const { host, sent } = httpHost();
    new HttpErrorFilter().catch(new InvalidInputError('until must be in the future'), host);
    expect(sent).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'until must be in the future',
        code: 'VALIDATION_FAILED',
      },
    });
  });

  it('TIER_REQUIRED keeps requiredTier and currentTier, thrown below the guard or by it as a 403', () => {
    const expected = {
      statusCode: 403,
      error: 'Forbidden',
      message: 'period=30d requires the enterprise tier (current tier: basic)',
      requiredTier: 'enterprise',
      currentTier: 'basic',
      code: 'TIER_REQUIRED',
    };
    const error = new TierRequiredException('enterprise', 'basic', 'period=30d');
    expect(toErrorBody(error)).toEqual(expected);
    expect(toErrorBody(new ForbiddenException(errorBodyOf(error)))).toEqual(expected);
  });

  it('keeps the fields a domain error adds (details) after the message', () => {
    const error = new DomainError('VALIDATION_FAILED', 'limit: too big', { details: [{ field: 'limit' }] });
    expect(JSON.stringify(toErrorBody(error))).toBe(
      '{"statusCode":400,"error":"Bad Request","message":"limit: too big","details":[{"field":"limit"}],"code":"VALIDATION_FAILED"}',
    );
  });

  it("gives Nest's own exceptions a code by their status", () => {
    const cases: [HttpException, number, string][] = [
      [
        new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'id x', details: [] }),
        400,
        'VALIDATION_FAILED',
      ],
      [new UnauthorizedException('Unknown or revoked API key'), 401, 'UNAUTHENTICATED'],
      [new NotFoundException('Cannot GET /api/v1/nope'), 404, 'ROUTE_NOT_FOUND'],
      [new PayloadTooLargeException(), 413, 'PAYLOAD_TOO_LARGE'],
      [new ThrottlerException(), 429, 'RATE_LIMITED'],
      [new HttpException('slow down', 429), 429, 'RATE_LIMITED'],
      [new MethodNotAllowedException(), 405, 'REQUEST_REJECTED'],
      [new ForbiddenException('Forbidden resource'), 403, 'REQUEST_REJECTED'],
      [new HttpException('upstream', 502), 502, 'INTERNAL'],
    ];
    for (const [exception, status, code] of cases) {
      const body = toErrorBody(exception);
      expect(body.statusCode, exception.name).toBe(status);
      expect(body.code, exception.name).toBe(code);
    }
    // The validation pipe's body is kept as it was, the code added last.
    expect(toErrorBody(cases[0][0])).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'id x',
      details: [],
      code: 'VALIDATION_FAILED',
    });
  });

  it("gives body-parser's errors as Nest's Express adapter wraps them a code: unreadable 400 MALFORMED_BODY", () => {
    const verifyError = Object.assign(new Error('JSON body nested over 32 levels or over 10000 tokens'), {
      status: 400,
      statusCode: 400,
      expose: true,
      type: 'entity.verify.failed',
    });
    expect(toErrorBody(new HttpException(verifyError.message, 400, { cause: verifyError }))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'JSON body nested over 32 levels or over 10000 tokens',
      code: 'MALFORMED_BODY',
    });
    const syntax = new SyntaxError('Unexpected end of JSON input');
    expect(toErrorBody(new BadRequestException(syntax.message, { cause: syntax })).code).toBe('MALFORMED_BODY');
    // Any other 400 with a cause is bad input.
    expect(toErrorBody(new BadRequestException('x', { cause: new Error('y') })).code).toBe('VALIDATION_FAILED');
  });

  it("gives body-parser's errors a code: unreadable JSON 400, too large 413, other statuses as answered", () => {
    const parserError = (status: number, message: string, type: string) =>
      Object.assign(new Error(message), { status, expose: true, type });
    expect(toErrorBody(parserError(400, 'Unexpected end of JSON input', 'entity.parse.failed'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Unexpected end of JSON input',
      code: 'MALFORMED_BODY',
    });
    expect(toErrorBody(parserError(413, 'request entity too large', 'entity.too.large'))).toMatchObject({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(toErrorBody(parserError(415, 'unsupported charset "LATIN1"', 'charset.unsupported'))).toMatchObject({
      statusCode: 415,
      error: 'Unsupported Media Type',
      code: 'REQUEST_REJECTED',
    });
  });

  it('Redis unavailable is a 503 STORAGE_UNAVAILABLE', () => {
    const err = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(toErrorBody(err)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Storage is unavailable, try again shortly',
      code: 'STORAGE_UNAVAILABLE',
    });
  });

  it('an unknown error is a 500 INTERNAL that says nothing of internals (and is logged)', () => {
    const { host, sent } = httpHost();
    const filter = new HttpErrorFilter();
    const logged = vi.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error');
    logged.mockImplementation(() => undefined);
    filter.catch(new TypeError("Cannot read properties of undefined (reading 'secret')"), host);
    expect(sent).toEqual({
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', code: 'INTERNAL' },
    });
    expect(logged).toHaveBeenCalledOnce();
    // A thrown non-error too.
    expect(toErrorBody('boom')).toEqual(sent.body);
  });
  it("a readiness failure (Terminus' 503 from /health/ready) is NOT_READY, its body kept; STORAGE_UNAVAILABLE only when Redis is the cause", () => {
    const result = {
      status: 'error',
      info: { redis: { status: 'up', pingMs: 1 } },
      error: { nats: { status: 'down', state: 'reconnecting' } },
      details: { redis: { status: 'up', pingMs: 1 }, nats: { status: 'down', state: 'reconnecting' } },
    };
    // As before but for the code: Terminus' `error` map gives way to the body's `error` text.
    expect(toErrorBody(new ServiceUnavailableException(result))).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service Unavailable',
      status: 'error',
      info: result.info,
      details: result.details,
      code: 'NOT_READY',
    });
    // Any other plain 503 says the instance cannot serve now, not that Redis is down.
    expect(toErrorBody(new ServiceUnavailableException()).code).toBe('NOT_READY');
    const redisDown = Object.assign(new Error('Connection is closed.'), { name: 'MaxRetriesPerRequestError' });
    expect(toErrorBody(new ServiceUnavailableException('x', { cause: redisDown })).code).toBe('STORAGE_UNAVAILABLE');
  });

  it('a DomainError INTERNAL is a 500 that says nothing of internals; its message goes to the log', () => {
    const { host, sent } = httpHost();
    const filter = new HttpErrorFilter();
    const logged = vi.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error');
    logged.mockImplementation(() => undefined);
    filter.catch(new DomainError('INTERNAL', 'route has no tenant credential'), host);
    expect(sent).toEqual({
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', code: 'INTERNAL' },
    });
    expect(String((logged.mock.calls as unknown[][])[0]?.[0])).toContain('route has no tenant credential');
    expect(errorBodyOf(new DomainError('INTERNAL', 'secret detail')).message).toBe('Internal server error');
  });

  it("a cold store failure's body names no AWS account, table or ARN (the cause is logged on the server)", () => {
    const aws = Object.assign(
      new Error(
        'User: arn:aws:iam::123456789012:user/pulse is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/x',
      ),
      { name: 'AccessDeniedException' },
    );
    const error = coldStoreUnavailable('Hours before the hot window are in the cold store, which did not answer', aws);
    for (const body of [toErrorBody(error), errorBodyOf(error)]) {
      expect(body).toMatchObject({ statusCode: 503, code: 'COLD_STORE_UNAVAILABLE' });
      expect(body.message).toMatch(/cold store/);
      expect(JSON.stringify(body)).not.toMatch(/arn:aws|123456789012|table\/x|AccessDenied|not authorized/);
    }
  });
});
