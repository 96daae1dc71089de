import { AlertingModule } from './alerting/alerting.module.js';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AnomaliesModule } from './anomalies/anomalies.module.js';
import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { PulseThrottlerGuard } from './common/throttling/pulse-throttler.guard.js';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { RedisThrottlerStorage } from './common/throttling/redis-throttler.storage.js';
import { REDIS_CLIENT, type RedisClient } from './redis/redis.module.js';
import { RedisKeys } from './redis/redis-keys.js';
import { HttpErrorFilter } from './common/filters/http-error.filter.js';
import { ApiKeyGuard } from './common/guards/api-key.guard.js';
import { createValidationPipe } from './common/pipes/validation.pipe.js';
import { JobFailures } from './common/job-failures.js';
import { PULSE_OPTIONS, type PulseOptions } from './config/pulse-options.js';
import { HealthModule } from './health/health.module.js';
import { HeartbeatModule } from './heartbeat/heartbeat.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { NatsModule } from './nats/nats.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RedisModule } from './redis/redis.module.js';
import { TenantsModule } from './tenants/tenants.module.js';

export interface PulseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => PulseOptions | Promise<PulseOptions>;
}

/**
 * Pulse as one importable module: connections, tenant registry, message tap, metrics API, the
 * deny-by-default API-key guard, validation and the error body. Options come typed from the
 * caller; nothing here reads process.env.
 */
@Module({})
export class PulseModule {
  static forRoot(options: PulseOptions): DynamicModule {
    return PulseModule.compose({ provide: PULSE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: PulseModuleAsyncOptions): DynamicModule {
    const module = PulseModule.compose({
      provide: PULSE_OPTIONS,
      inject: options.inject ?? [],
      useFactory: options.useFactory,
    });
    module.imports = [...(options.imports ?? []), ...(module.imports ?? [])];
    return module;
  }

  private static compose(optionsProvider: Provider): DynamicModule {
    return {
      module: PulseModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
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
              { name: 'address', ttl: 60_000, limit: options.rateLimit.perAddressPerMinute, getTracker: (req: Record<string, unknown>) => addressTracker(String((req as unknown as Request).ip)) },
            ],
          }),
        }),
        NatsModule,
        RedisModule,
        TenantsModule,
        MonitoringModule,
        HeartbeatModule,
        HealthModule,
        AnalyticsModule,
        AnomaliesModule,
        AlertingModule,
        MetricsModule,
        ObservabilityModule,
      ],
      providers: [
        optionsProvider,
        JobFailures,
        // Rate limits first: a flood of bad keys is cut off before it costs key lookups.
        { provide: APP_GUARD, useClass: PulseThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [PULSE_OPTIONS, JobFailures],
    };
  }
}

function keyTracker(req: Record<string, unknown>): string {
  const r = req as unknown as Request;
  const header = r.headers?.authorization;
  if (typeof header === 'string' && header.length > 7) return `k:${createHash('sha256').update(header).digest('hex').slice(0, 32)}`;
  return `a:${addressTracker(String(r.ip))}`;
}

/**
 * The address a limit counts against: IPv4 as is, IPv6 by its /64 (one host usually holds a whole
 * /64, so per-address limits on full IPv6 addresses bound nothing). `req.ip` is the client's own
 * address, or the one forwarded by a proxy listed in TRUST_PROXY.
 */
export function addressTracker(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!ip.includes(':') || ip.length > 64) return ip.slice(0, 64);
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
