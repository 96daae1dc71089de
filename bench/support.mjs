// Shared by the benchmark scripts: a Pulse built from dist/ on the local NATS and Redis, with
// tenants written straight into the registry under a key prefix of the run's own.
import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';

export { processCpuMs, writeResult } from './process-stats.mjs';

export const NATS = 'nats://127.0.0.1:4222';
/** The machine's Redis, or the one a case started for itself (BENCH_REDIS, e.g. scale-out's private server). */
export const REDIS = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';

const { PulseModule } = await import('../dist/pulse.module.js');
const { RedisKeys } = await import('../dist/redis/redis-keys.js');
const { HistoryKeys } = await import('../dist/history/history-keys.js');
const { defaultPulseOptions } = await import('../dist/config/env.validation.js');

/** Starts Pulse (tap, heartbeats, jobs; no HTTP listener) with `tenants` registered at `tier`. */
export async function startBenchPulse({ runId, tenants, tier, subjectPrefix, overrides = {}, listen = false }) {
  const keyPrefix = `pulse-bench-${runId}`;
  const keys = new RedisKeys(keyPrefix);
  const redis = new Redis(REDIS);
  for (const [i, t] of tenants.entries()) {
    await redis.hset(keys.tenant(t), {
      id: t,
      name: t,
      // One tier for all, or a function of the tenant and its index.
      tier: typeof tier === 'function' ? tier(t, i) : tier,
      plan: '',
      status: 'active',
      createdAt: '',
      updatedAt: '',
    });
    await redis.sadd(keys.tenants(), t);
  }
  const defaults = defaultPulseOptions();
  const options = {
    ...defaults,
    nats: { ...defaults.nats, servers: [NATS], queueGroup: `bench-${runId}`, connectTimeoutMs: 3000 },
    redis: { ...defaults.redis, url: REDIS, keyPrefix, connectTimeoutMs: 3000 },
    tenantSubjectPrefix: subjectPrefix,
    rateLimit: { perKeyPerMinute: 1_000_000, perAddressPerMinute: 1_000_000 },
    tenantSyncIntervalMs: 60_000,
    ...overrides,
  };
  const moduleRef = await Test.createTestingModule({ imports: [PulseModule.forRoot(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  if (listen) {
    const { configureApp } = await import('../dist/configure-app.js');
    configureApp(app);
    await app.listen(0, '127.0.0.1');
  } else {
    await app.init();
  }
  const url = listen ? `http://127.0.0.1:${app.getHttpServer().address().port}` : null;
  return {
    app,
    url,
    redis,
    keys,
    historyKeys: new HistoryKeys(keyPrefix),
    options,
    /** Closes Pulse and deletes every key of the run (and only those). */
    async stop() {
      await app.close();
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 5000);
        cursor = next;
        if (found.length) await redis.unlink(...found);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

export async function waitUntil(done, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs bench/publisher.mjs in its own process; resolves with its { published, seconds, rate }. */
export function publish({ prefix, tenants, count, size = 100, rate = 0, mode = 'tenants' }) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        new URL('./publisher.mjs', import.meta.url).pathname,
        NATS,
        prefix,
        tenants.join(','),
        String(count),
        String(size),
        String(rate),
        mode,
      ],
      { maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout.trim()))),
    );
  });
}

/** Samples this process's RSS every 100 ms; stop() returns the peak in MB. */
export function rssSampler() {
  let peak = process.memoryUsage().rss;
  let peakHeap = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  return {
    peakHeapMb: () => Math.round(peakHeap / 2 ** 20),
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);
    },
  };
}

/** The pid of the Redis server a client talks to (INFO server). */
export async function redisPid(redis) {
  const info = await redis.info('server');
  return Number(/process_id:(\d+)/.exec(info)?.[1]);
}

/**
 * One subscriber of the ingest cases (bench/ingest-subscriber.mjs MODE) in its own process:
 * starts it, publishes `count` messages once it is ready (publisher MODE `publisherMode`), and
 * resolves with its report and the publisher's. `env` adds to the subscriber's environment;
 * `rate` (msgs/s, 0 = flat out) paces the publisher; `nodeArgs` go to the subscriber's node
 * (e.g. `--cpu-prof` to see where its CPU goes).
 */
export function measureSubscriber({
  mode,
  tenants,
  count,
  size,
  env = {},
  publisherMode = 'tenants',
  rate = 0,
  nodeArgs = [],
}) {
  const runId = randomBytes(3).toString('hex');
  const prefix = `bench${runId}`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        new URL('./ingest-subscriber.mjs', import.meta.url).pathname,
        mode,
        prefix,
        tenants.join(','),
        String(count),
        runId,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    let out = '';
    let publisher = null;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!publisher && out.includes('ready\n')) {
        publisher = publish({ prefix, tenants, count, size, rate, mode: publisherMode });
      }
    });
    child.on('exit', async (code) => {
      if (code !== 0) return reject(new Error(`${mode} subscriber exited with ${code}`));
      const report = JSON.parse(out.trim().split('\n').at(-1));
      resolve({ ...report, publisher: await publisher });
    });
  });
}
