// Redis memory of one enterprise tenant holding 30 days of history, written through Pulse's own
// flush and rollup code: every minute of 30 days has traffic (all 60 seconds, 15 latency
// buckets, 50 subjects out of 1,000 a day), 100 clients with per-day behaviour counters; minutes
// older than 25 h are then removed as their expiry would. Reports key count and bytes by kind.
// With --cold: the same history, then the archiver (Pulse's own) moves what is due to a
// DynamoDB-compatible server (dynalite, started here on a free loopback port, in memory) with
// HOT_HISTORY_HOURS=48; reports Redis memory after, and the cold items per tenant-month (count
// and approximate size: attribute names and values as DynamoDB counts them, estimated from JSON).
// --at=HH:MM runs the whole bench on a clock set to the next such UTC time (after now): writes are
// flushed as they would have been on time, rollups and the archiver run then, and keys whose
// expiry falls before that time are left out of the count (EXPIRETIME), as Redis would have
// dropped them. --at=00:30 is the worst time of day with the cold store (yesterday's subjects and
// clients are still in Redis until 35 min after midnight).
// Usage: npm run build && node bench/history-memory.mjs [--cold] [--at=HH:MM]
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS, writeResult } from './support.mjs';

const { TenantDelta } = await import('../dist/monitoring/tenant-delta.js');
const { HistoryWriter } = await import('../dist/history/history-writer.js');
const { HistoryStore } = await import('../dist/history/history-store.js');
const { HistoryReader } = await import('../dist/history/history-reader.js');
const { HistoryKeys } = await import('../dist/history/history-keys.js');
const { RedisKeys } = await import('../dist/redis/redis-keys.js');
const { TenantFence } = await import('../dist/redis/tenant-fence.js');
const { ColdPartitions } = await import('../dist/coldstore/cold-partitions.js');
const { RETENTION } = await import('../dist/common/retention.js');
const { dayOf } = await import('../dist/common/time.js');

const prefix = `pulse-mem-${randomBytes(3).toString('hex')}`;
const keys = new RedisKeys(prefix);
const historyKeys = new HistoryKeys(prefix);
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
const COLD = process.argv.includes('--cold');
const AT = process.argv.find((a) => a.startsWith('--at='))?.slice(5);
/** The bench's clock (ms): now, or the next given UTC time of day. */
const nowMs = (() => {
  if (!AT) return Date.now();
  const [h, m] = AT.split(':').map(Number);
  const today = new Date();
  let at = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), h, m);
  if (at <= Date.now()) at += 86_400_000;
  return at;
})();
const coldOptions = COLD ? { coldStore: { hotHistoryHours: 48 } } : {};
const traffic = new HistoryWriter(redis, historyKeys, coldOptions);
let dynalite = null;
let cold = null;
if (COLD) {
  const { default: startDynalite } = await import('dynalite');
  const { DynamoColdStore } = await import('../dist/coldstore/dynamo-cold-store.js');
  dynalite = startDynalite({ createTableMs: 0 });
  await new Promise((resolve) => dynalite.listen(0, '127.0.0.1', resolve));
  cold = new DynamoColdStore({
    table: 'pulse-history-bench',
    endpoint: `http://127.0.0.1:${dynalite.address().port}`,
    createTable: true,
    hotHistoryHours: 48,
  });
  await cold.ensureTable();
}
// The tenant's record (written above) is what the fenced writes check; no incarnation field: its
// items are under its bare id, as a tenant created before incarnations keeps them.
const partitions = new ColdPartitions(redis, keys);
const fence = new TenantFence(redis, keys);
const rollups = new HistoryStore(redis, historyKeys, fence, coldOptions, cold);
const reader = new HistoryReader(redis, historyKeys, fence, partitions, coldOptions, cold);

const nowSeconds = Math.floor(nowMs / 1000);
const end = nowSeconds - (nowSeconds % 3600);
const start = end - 30 * 86_400;
let seq = 0;
const started = performance.now();
// Every minute up to the clock's, the current hour's too (at 00:30, today's first half hour).
const lastMinute = nowSeconds - (nowSeconds % 60);
for (let hour = start; hour < lastMinute; hour += 3600) {
  const writes = [];
  for (let m = hour; m < Math.min(hour + 3600, lastMinute); m += 60) {
    const delta = new TenantDelta(tenant, 1000);
    delta.seq = ++seq;
    for (let s = 0; s < 60; s++) delta.addSecond(m + s, 100 + (s % 7), 10_000);
    for (let b = 40; b < 55; b++) delta.addLatency(m, b, 400);
    const table = delta.subjectsOf(dayOf(m * 1000));
    for (let i = 0; i < 50; i++) table.add(`tenant.${tenant}.orders.${(m / 60 + i * 20) % 1000}`, 100);
    // Flushed on time (the flush's clock at the minute's end), as the tap would have.
    writes.push(traffic.apply(delta, 'bench', 1000, retention, (m + 60) * 1000));
  }
  await Promise.all(writes);
  await rollups.rollupHour(tenant, hour, nowSeconds, retention.hourSeconds);
}
for (let day = start - (start % 86_400); day < lastMinute; day += 86_400) {
  await rollups.rollupDay(tenant, dayOf(day * 1000), day, retention.daySeconds);
  const fields = {};
  for (let c = 0; c < 100; c++)
    for (const f of ['s', 'r', 'e', 'on', 'ss', 'rc', 'off']) fields[`client-${c}|${f}`] = 1000 + c;
  await redis.hset(historyKeys.clientDay(tenant, dayOf(day * 1000)), fields);
  // As the heartbeat script does: the day's client behaviour expires with the day retention.
  await redis.expireat(historyKeys.clientDay(tenant, dayOf(day * 1000)), day + retention.daySeconds);
}
// Every hour was flushed "late" here, so the flush marked it for the rollup; the rollup job's next
// pass recomputes and clears them (they are rolled up above already).
await redis.unlink(historyKeys.rollupDirty(tenant));
// Minutes older than 25 h would have expired.
for (let m = start; m < nowSeconds - retention.minuteSeconds; m += 60)
  await redis.unlink(historyKeys.minute(tenant, m));

let coldItems = null;
if (COLD) {
  const { Archiver } = await import('../dist/history/archive.job.js');
  const archiver = new Archiver(rollups, cold, partitions, 60_000);
  let written = 0;
  for (let pass = 0; pass < 100; pass++) {
    const n = await archiver.archiveTenant(tenant, retention, nowMs);
    written += n;
    if (n === 0 && pass > 0) break;
  }
  const items = await cold.query(tenant, '', '~');
  const size = items.reduce(
    (n, i) =>
      n + JSON.stringify(i.attributes, (_k, v) => (v instanceof Uint8Array ? 'x'.repeat(v.length) : v)).length + 40,
    0,
  );
  const byKind = {};
  for (const i of items) byKind[i.sk[0]] = (byKind[i.sk[0]] ?? 0) + 1;
  coldItems = { written, items: items.length, approxKiB: Math.round(size / 1024), byKind };
}

// The reads of a 30-day analytics request (1d buckets, top subjects, client behaviour), 20 times:
// with the cold store, three Queries each (days, subjects, clients) and the recent days from Redis.
const days30 = Array.from({ length: 30 }, (_, i) => dayOf((end - (29 - i) * 86_400) * 1000));
const timings = [];
for (let run = 0; run < 21; run++) {
  const t0 = performance.now();
  await Promise.all([
    reader.days(tenant, days30, nowMs),
    reader.subjectsOfDays(tenant, days30, 10, nowMs),
    reader.topClientDays(tenant, days30, 1000, nowMs),
  ]);
  if (run > 0) timings.push(performance.now() - t0); // the first warms the connections
}
timings.sort((a, b) => a - b);
const readMs = { runs: timings.length, median: Number(timings[10].toFixed(1)), max: Number(timings.at(-1).toFixed(1)) };
console.log(`30-day analytics reads${COLD ? ' with cold days' : ''} (ms over 20 runs):`, readMs);

if (COLD) {
  cold.close();
  dynalite.close();
}
const byKind = new Map();
let cursor = '0';
let count = 0;
let bytes = 0;
do {
  const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
  cursor = next;
  for (const key of found) {
    // A key that would have expired by the bench's clock is not counted.
    const expires = Number(await redis.call('EXPIRETIME', key));
    if (expires > 0 && expires <= nowSeconds) continue;
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
writeResult(COLD ? 'history-memory-cold' : 'history-memory', {
  days: 30,
  clock: new Date(nowMs).toISOString(),
  tier: 'enterprise',
  ...(COLD && { hotHistoryHours: 48, coldItems }),
  analytics30dReadMs: readMs,
  keys: count,
  mib: Number((bytes / 2 ** 20).toFixed(2)),
  byKind: kinds,
  seconds: Math.round((performance.now() - started) / 1000),
});
console.table(kinds);
console.log(
  `one enterprise tenant, 30 days of history${COLD ? ' (cold store on, 48 h hot)' : ''} at ${new Date(nowMs).toISOString()}: ${count} keys, ${(bytes / 2 ** 20).toFixed(2)} MiB in Redis (MEMORY USAGE)`,
);
if (coldItems) console.log(`cold store: ${coldItems.items} items, ~${coldItems.approxKiB} KiB`, coldItems.byKind);
