import { type INestApplication, RequestMethod } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { type JsonShapeLimits, withinJsonShape } from './common/json-shape.js';
import { PULSE_OPTIONS, type PulseOptions } from './config/pulse-options.js';
import { PrometheusService } from './observability/prometheus.service.js';
import { setupOpenApi } from './openapi.js';

export const API_PREFIX = 'api/v1';
export const BODY_LIMIT = '100kb';

/** No request body Pulse takes comes near these: rules, channels and tenants are a few levels deep. */
export const BODY_SHAPE: JsonShapeLimits = { maxDepth: 32, maxTokens: 10_000 };

/** body-parser's verify hook: an error with a 4xx status and `expose` is answered as it says. */
function refuseCostlyJson(_req: unknown, _res: unknown, body: Buffer): void {
  if (!withinJsonShape(body, BODY_SHAPE)) {
    throw Object.assign(
      new Error(`JSON body nested over ${BODY_SHAPE.maxDepth} levels or over ${BODY_SHAPE.maxTokens} tokens`),
      { status: 400, expose: true },
    );
  }
}

/** HTTP settings shared by main.ts and the e2e tests, so the tests exercise the real app. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  // The client address (rate limits, logs) is the socket's unless a trusted proxy forwards it.
  express.set('trust proxy', app.get<PulseOptions>(PULSE_OPTIONS).trustProxy ?? false);
  express.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  // The shape is checked before the parse (linear, stops at the bound): a 100 kB body nested
  // 50,000 deep parsed, then overflowed the stack in validation (a 500) on the shared loop.
  // Nest's type leaves `verify` out (it sets it for rawBody, which Pulse does not use) but passes
  // it on to body-parser; hence a variable rather than a literal.
  const jsonOptions = { limit: BODY_LIMIT, verify: refuseCostlyJson };
  express.useBodyParser('json', jsonOptions);
  express.disable('x-powered-by');
  // Security headers. The CSP is left to the pages that need one (Swagger UI ships inline code).
  express.use(helmet({ contentSecurityPolicy: false }));
  setupOpenApi(app);
  // The dashboard: static files built with Pulse, under a strict content security policy.
  express.use(
    '/dashboard',
    helmet.contentSecurityPolicy({
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
      },
    }),
  );
  express.useStaticAssets(fileURLToPath(new URL('./dashboard/public/', import.meta.url)), { prefix: '/dashboard/' });
  // Browsers ask for /favicon.ico on pages that name none (Swagger UI): the dashboard's icon.
  express.use('/favicon.ico', (_req: Request, res: Response) => res.redirect(301, '/dashboard/favicon.svg'));
  express.useStaticAssets(dirname(createRequire(import.meta.url).resolve('uplot')), { prefix: '/dashboard/vendor/' });
  const prometheus = app.get(PrometheusService, { strict: false });
  express.use((req: Request, res: Response, next: NextFunction) => {
    const stop = prometheus.httpDuration.startTimer({ method: req.method });
    // The route pattern, not the URL: labels stay bounded whatever ids are in the paths.
    res.on('finish', () =>
      stop({
        route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
        status: String(res.statusCode),
      }),
    );
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    next();
  });
}
