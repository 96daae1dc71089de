import type { INestApplication, InjectionToken, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { defaultPulseOptions } from '../../src/config/env.validation.js';
import { configureApp } from '../../src/configure-app.js';
import { PulseModule } from '../../src/pulse.module.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const SHARED_NATS = 'nats://127.0.0.1:4222';
export const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** A key prefix of its own per test run, so runs never see or delete each other's data. */
export function uniquePrefix(): string {
  return `pulse-test-${randomBytes(4).toString('hex')}`;
}

/** A tenant id no other test run uses (subjects on the shared NATS are global). */
export function uniqueTenantId(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

export type OptionOverrides = Omit<Partial<PulseOptions>, 'nats' | 'redis' | 'alerting'> & {
  nats?: Partial<PulseOptions['nats']>;
  redis?: Partial<PulseOptions['redis']>;
  alerting?: Partial<PulseOptions['alerting']>;
};

export function testOptions(overrides: OptionOverrides = {}): PulseOptions {
  // Production defaults, with what a test needs: the shared servers, a prefix of its own, fast
  // flushes and tenant syncs, limits no test hits by accident.
  const defaults = defaultPulseOptions();
  const keyPrefix = uniquePrefix();
  const base: PulseOptions = {
    ...defaults,
    // A queue group of its own (instances sharing these options share it): with the default one,
    // every Pulse any test run started on the shared NATS took a share of `_HEARTBEAT.>`, and
    // rejected this run's heartbeats as an unknown tenant (presence tests failed under load).
    nats: { ...defaults.nats, servers: [SHARED_NATS], queueGroup: `q-${keyPrefix}`, connectTimeoutMs: 3000 },
    redis: { ...defaults.redis, url: SHARED_REDIS, keyPrefix, connectTimeoutMs: 3000 },
    adminApiKey: ADMIN_KEY,
    flushIntervalMs: 200,
    // Enterprise per-client figures are written within a test's waits, not every 5 minutes.
    clientActivityFlushMs: 200,
    tenantSyncIntervalMs: 1000,
    rateLimit: { perKeyPerMinute: 100_000, perAddressPerMinute: 100_000 },
  };
  return {
    ...base,
    ...overrides,
    nats: { ...base.nats, ...overrides.nats },
    redis: { ...base.redis, ...overrides.redis },
    alerting: { ...base.alerting, ...overrides.alerting },
  };
}

export interface RunningPulse {
  app: INestApplication;
  url: string;
  options: PulseOptions;
  close(): Promise<void>;
}

/** What a test adds to Pulse's module: modules beside it, providers replaced. */
export interface PulseTestModules {
  /** Modules beside Pulse (a global one standing in for a provider another module brings). */
  imports?: NonNullable<ModuleMetadata['imports']>;
  /** Providers replaced wherever they are defined (a fake of what another module provides). */
  overrides?: { provide: InjectionToken; useValue: unknown }[];
}

/** Pulse as main.ts builds it (same module, same HTTP configuration), on a free port. */
export async function startPulse(
  options: PulseOptions = testOptions(),
  { imports = [], overrides = [] }: PulseTestModules = {},
): Promise<RunningPulse> {
  let builder = Test.createTestingModule({ imports: [PulseModule.forRoot(options), ...imports] });
  for (const { provide, useValue } of overrides) builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  let closed = false;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    options,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** Removes every key under a test run's prefix (and only those). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}
