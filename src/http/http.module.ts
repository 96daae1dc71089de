import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AuditModule } from '../compliance/audit.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { PulseThrottlerGuard } from './throttling/pulse-throttler.guard.js';
import { RedisThrottlerStorage } from './throttling/redis-throttler.storage.js';
import { addressTracker, keyTracker } from './throttling/trackers.js';
import { createValidationPipe } from './validation.pipe.js';

/**
 * The HTTP layer, above every feature: rate limits, the deny-by-default API-key guard, validation
 * and the error body, installed for every route of the application (APP_* providers are global
 * whichever module declares them). Features only mark their routes (`common/decorators`).
 */
@Module({
  imports: [
    TenantsModule,
    AuditModule,
    ThrottlerModule.forRootAsync({
      inject: [PULSE_OPTIONS, REDIS_CLIENT, RedisKeys],
      useFactory: (options: PulseOptions, redis: RedisClient, keys: RedisKeys) => ({
        storage: new RedisThrottlerStorage(redis, keys),
        // One budget per tracker across every route (the default key includes the route, which
        // gave each of ~25 routes its own budget).
        generateKey: (_context: unknown, tracker: string, name: string) => `${name}:${tracker}`,
        throttlers: [
          // Per API key (hashed: the key never reaches Redis), else per address.
          { name: 'key', ttl: 60_000, limit: options.rateLimit.perKeyPerMinute, getTracker: keyTracker },
          // Per client address: bounds key guessing, whatever keys are tried.
          {
            name: 'address',
            ttl: 60_000,
            limit: options.rateLimit.perAddressPerMinute,
            getTracker: (req: Record<string, unknown>) => addressTracker(String((req as unknown as Request).ip)),
          },
        ],
      }),
    }),
  ],
  providers: [
    // Rate limits first: a flood of bad keys is cut off before it costs key lookups.
    ApiKeyGuard,
    { provide: APP_GUARD, useClass: PulseThrottlerGuard },
    { provide: APP_GUARD, useExisting: ApiKeyGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class PulseHttpModule {}
