import { type DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { type EnvironmentVariables, type LogLevel, toPulseOptions } from './config/env.validation.js';
import { PulseModule } from './pulse.module.js';

const PINO_LEVEL: Record<LogLevel, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Secrets that must never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.signingSecret',
  '*.secret',
  '*.webhookUrl',
  '*.routingKey',
  '*.password',
];

/** The standalone service: Pulse configured from the validated environment, JSON logs via pino. */
@Module({})
export class AppModule {
  static register(env: EnvironmentVariables): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: PINO_LEVEL[env.LOG_LEVEL],
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            // The id configureApp put on the response (from X-Request-Id or new), so logs and
            // answers carry the same one.
            genReqId: (req: IncomingMessage, res: ServerResponse) =>
              String(res.getHeader('x-request-id') ?? req.headers['x-request-id'] ?? randomUUID()),
            autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health/') },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
              }),
            },
          },
        }),
        PulseModule.forRoot(toPulseOptions(env)),
      ],
    };
  }
}
