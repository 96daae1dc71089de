import 'reflect-metadata';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { configureApp } from './configure-app.js';
import { toPulseOptions, validateEnv } from './config/env.validation.js';
import { armShutdownDeadline, SHUTDOWN_DEADLINE_MS } from './common/shutdown-deadline.js';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  const options = toPulseOptions(env);
  const app = await NestFactory.create(AppModule.register(env), { bufferLogs: true, abortOnError: false });
  // JSON logs through pino (nestjs-pino), request ids included, secrets redacted.
  app.useLogger(app.get(PinoLogger));
  const logger = app.get(PinoLogger);
  configureApp(app);
  app.enableShutdownHooks();
  // Each shutdown step has its deadline; this bounds their sum, below every orchestrator's stop timeout.
  armShutdownDeadline(SHUTDOWN_DEADLINE_MS, () => {
    logger.error(
      `shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s: exiting with what is not yet written lost`,
    );
    process.exit(1);
  });
  await app.listen(env.PORT);
  logger.log(`Pulse listening on port ${env.PORT}, counting ${options.tenantSubjectPrefix}.<tenant>.> `);
}

bootstrap().catch((err: Error) => {
  console.error(`Pulse failed to start: ${err.message}`);
  process.exit(1);
});
