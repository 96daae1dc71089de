import 'reflect-metadata';
import { ConsoleLogger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { configureApp, connectNatsTransport } from './configure-app.js';
import { type LogLevel, toPulseOptions, validateEnv } from './config/env.validation.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  const options = toPulseOptions(env);
  const logger = new ConsoleLogger('Pulse', {
    json: env.NODE_ENV === 'production',
    logLevels: LEVELS.slice(0, LEVELS.indexOf(env.LOG_LEVEL) + 1) as NestLogLevel[],
  });
  const app = await NestFactory.create(AppModule.register(env), { logger, abortOnError: false });
  configureApp(app);
  connectNatsTransport(app, options);
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(env.PORT);
  logger.log(`Pulse listening on port ${env.PORT}, counting ${options.tenantSubjectPrefix}.<tenant>.> `);
}

bootstrap().catch((err: Error) => {
  console.error(`Pulse failed to start: ${err.message}`);
  process.exit(1);
});
