// Redis memory of one enterprise tenant holding 30 days of history, written through Pulse's own
// flush and rollup code: every minute of 30 days has traffic (all 60 seconds, 15 latency
// buckets, 50 subjects out of 1,000 a day), 100 clients with per-day behaviour counters; minutes
// older than 25 h are then removed as their expiry would. Reports key count and bytes by kind.
// Usage: npm run build && node bench/history-memory.mjs
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS, writeResult } from './support.mjs';

const { TenantDelta } = await import('../dist/monitoring/tenant-delta.js');
const { TrafficRepository } = await import('../dist/monitoring/traffic.repository.js');
const { AnalyticsRepository } = await import('../dist/analytics/analytics.repository.js');
const { RedisKeys } = await import('../dist/redis/redis-keys.js');
const { RETENTION } = await import('../dist/common/retention.js');
const { dayOf } = await import('../dist/common/time.js');

const prefix = `pulse-mem-${randomBytes(3).toString('hex')}`;
const keys = new RedisKeys(prefix);
const redis = new Redis(REDIS);
const tenant = 'acme';
const retention = RETENTION.enterprise;
await redis.hset(keys.tenant(tenant), {
  id: tenant,
  name: tenant,
  tier: 'enterprise',
  plan: '',
  status: 'active',
  createdAt: '',
  updatedAt: '',
});
const traffic = new TrafficRepository(redis, keys);
const rollups = new AnalyticsRepository(redis, keys, traffic);

const nowSeconds = Math.floor(Date.now() / 1000);
const end = nowSeconds - (nowSeconds % 3600);
const start = end - 30 * 86_400;
let seq = 0;
const started = performance.now();
for (let hour = start; hour < end; hour += 3600) {
  const writes = [];
  for (let m = hour; m < hour + 3600; m += 60) {
    const delta = new TenantDelta(tenant, 1000);
    delta.seq = ++seq;
    for (let s = 0; s < 60; s++) delta.addSecond(m + s, 100 + (s % 7), 10_000);
    for (let b = 40; b < 55; b++) delta.addLatency(m, b, 400);
    const table = delta.subjectsOf(dayOf(m * 1000));
    for (let i = 0; i < 50; i++) table.add(`tenant.${tenant}.orders.${(m / 60 + i * 20) % 1000}`, 100);
    writes.push(traffic.apply(delta, 'bench', 1000, retention));
  }
  await Promise.all(writes);
  await rollups.rollupHour(tenant, hour, nowSeconds, retention.hourSeconds);
}
for (let day = start - (start % 86_400); day < end; day += 86_400) {
  await rollups.rollupDay(tenant, dayOf(day * 1000), day, retention.daySeconds);
  const fields = {};
  for (let c = 0; c < 100; c++)
    for (const f of ['s', 'r', 'e', 'on', 'ss', 'rc', 'off']) fields[`client-${c}|${f}`] = 1000 + c;
  await redis.hset(keys.clientDay(tenant, dayOf(day * 1000)), fields);
}
// Minutes older than 25 h would have expired.
for (let m = start; m < nowSeconds - retention.minuteSeconds; m += 60) await redis.unlink(keys.minute(tenant, m));

const byKind = new Map();
let cursor = '0';
let count = 0;
let bytes = 0;
do {
  const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
  cursor = next;
  for (const key of found) {
    const usage = Number(await redis.memory('USAGE', key)) || 0;
    const kind = key.slice(keys.tenantScope(tenant).length).split(':')[0] || key;
    const entry = byKind.get(kind) ?? { keys: 0, bytes: 0 };
    entry.keys++;
    entry.bytes += usage;
    byKind.set(kind, entry);
    count++;
    bytes += usage;
  }
} while (cursor !== '0');
cursor = '0';
do {
  const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
  cursor = next;
  if (found.length) await redis.unlink(...found);
} while (cursor !== '0');
redis.disconnect();

const kinds = Object.fromEntries(
  [...byKind]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([k, v]) => [k, { keys: v.keys, kib: Math.round(v.bytes / 1024) }]),
);
writeResult('history-memory', {
  days: 30,
  tier: 'enterprise',
  keys: count,
  mib: Number((bytes / 2 ** 20).toFixed(2)),
  byKind: kinds,
  seconds: Math.round((performance.now() - started) / 1000),
});
console.table(kinds);
console.log(
  `one enterprise tenant, 30 days of history: ${count} keys, ${(bytes / 2 ** 20).toFixed(2)} MiB (MEMORY USAGE)`,
);
