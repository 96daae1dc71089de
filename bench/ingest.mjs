// Rough ingest benchmark (the full suite comes with the benchmark issue): the same traffic is
// counted first by a bare @nats-io/transport-node subscriber that only counts per tenant and
// subject, then by Pulse (built dist/, real Redis); prints both rates and their ratio.
// Usage: npm run build && node bench/ingest.mjs [messages=1000000] [tenants=100]
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const COUNT = Number(process.argv[2] ?? 1_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const SIZE = 100;
const NATS = 'nats://127.0.0.1:4222';
const REDIS = 'redis://127.0.0.1:6379';
const runId = randomBytes(3).toString('hex');
const subjectPrefix = `bench${runId}`;
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${i}`);

async function publish() {
  const { stdout } = await run(process.execPath, ['bench/publisher.mjs', NATS, subjectPrefix, tenantIds.join(','), String(COUNT), String(SIZE)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim());
}

async function waitUntil(done, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rawSubscriber() {
  const nc = await connect({ servers: NATS });
  const perTenant = new Map();
  let received = 0;
  let first = 0;
  let last = 0;
  for (const t of tenantIds) {
    const counts = new Map();
    perTenant.set(t, counts);
    nc.subscribe(`${subjectPrefix}.${t}.>`, {
      queue: 'bench-raw',
      callback: (_err, msg) => {
        if (received === 0) first = performance.now();
        received++;
        last = performance.now();
        const c = counts.get(msg.subject);
        if (c) {
          c.m++;
          c.b += msg.data.length;
        } else counts.set(msg.subject, { m: 1, b: msg.data.length });
      },
    });
  }
  await nc.flush();
  const pub = await publish();
  await waitUntil(async () => received >= COUNT);
  await nc.close();
  return { received, seconds: (last - first) / 1000, rate: Math.round(received / ((last - first) / 1000)), publisher: pub };
}

async function pulse() {
  const { PulseModule } = await import('../dist/pulse.module.js');
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const { RedisKeys } = await import('../dist/redis/redis-keys.js');
  const { DEFAULT_PLAN_TIERS } = await import('../dist/config/pulse-options.js');
  const keyPrefix = `pulse-bench-${runId}`;
  const keys = new RedisKeys(keyPrefix);
  const redis = new Redis(REDIS);
  for (const t of tenantIds) {
    await redis.hset(keys.tenant(t), { id: t, name: t, tier: 'basic', plan: '', status: 'active', createdAt: '', updatedAt: '' });
    await redis.sadd(keys.tenants(), t);
  }
  const moduleRef = await Test.createTestingModule({
    imports: [
      PulseModule.forRoot({
        nats: { servers: [NATS], queueGroup: 'bench-pulse', connectTimeoutMs: 3000 },
        redis: { url: REDIS, keyPrefix, connectTimeoutMs: 3000 },
        tenantSubjectPrefix: subjectPrefix,
        flushIntervalMs: 1000,
        tenantSyncIntervalMs: 60_000,
        planTiers: DEFAULT_PLAN_TIERS,
        subjectTableSize: 1000,
        subjectsStoredPerDay: 1000,
        heartbeatTimeoutMs: 90_000,
        offlineCheckIntervalMs: 5000,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  await waitUntil(async () => app.get(MessageTap).subscribedTenants().length === TENANTS);
  const aggregator = app.get(TrafficAggregator);
  let first = 0;
  let last = 0;
  const poll = setInterval(() => {
    const n = aggregator.stats().messages;
    if (n > 0 && first === 0) first = performance.now();
    if (n < COUNT) last = performance.now();
  }, 5);
  const pub = await publish();
  await waitUntil(async () => aggregator.stats().messages >= COUNT);
  clearInterval(poll);
  last = performance.now();
  const rss = process.memoryUsage().rss;
  // Every count reaches Redis.
  let stored = 0;
  await waitUntil(async () => {
    const totals = await Promise.all(tenantIds.map((t) => redis.hget(keys.totals(t), 'm')));
    stored = totals.reduce((s, v) => s + Number(v ?? 0), 0);
    return stored >= COUNT;
  }, 30_000);
  await app.close();
  // Clean up our keys only.
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.unlink(...found);
  } while (cursor !== '0');
  redis.disconnect();
  const seconds = (last - first) / 1000;
  return { counted: aggregator.stats().messages, stored, lost: COUNT - stored, seconds, rate: Math.round(COUNT / seconds), rssMb: Math.round(rss / 2 ** 20), publisher: pub };
}

const raw = await rawSubscriber();
const pulseResult = await pulse();
const result = {
  date: new Date().toISOString(),
  messages: COUNT,
  tenants: TENANTS,
  sizeBytes: SIZE,
  raw,
  pulse: pulseResult,
  ratio: Number((pulseResult.rate / raw.rate).toFixed(3)),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/ingest-${result.date.slice(0, 10)}.json`, `${JSON.stringify(result, null, 2)}\n`);
console.table({
  'raw subscriber': { 'msgs/s': raw.rate, 'publisher msgs/s': raw.publisher.rate },
  pulse: { 'msgs/s': pulseResult.rate, 'publisher msgs/s': pulseResult.publisher.rate, 'rss MB': pulseResult.rssMb, lost: pulseResult.lost },
});
console.log(`ratio pulse/raw: ${result.ratio}`);
process.exit(0);
