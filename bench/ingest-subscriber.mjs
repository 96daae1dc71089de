// One subscriber of the ingest benchmark, in its own process so that its CPU time is its own:
// MODE "bare" counts per tenant and subject with a plain @nats-io/transport-node callback
// subscriber; MODE "pulse" is Pulse (tap, aggregation, flush to Redis). Prints "ready" once
// subscribed, then, when COUNT messages are counted (Pulse: and stored in Redis), one JSON line:
// { received, stored, seconds, countedSeconds, cpuMs } with CPU (user + system, from the OS via process.cpuUsage)
// from the first message to the end of the work (Pulse: its flushes included).
// MODE "shared" is one of several Pulse instances in one queue group and key space (same RUN_ID):
// it prints "ready", starts measuring when a line "go" arrives on stdin, and reports once Redis
// holds all COUNT messages, whoever counted them (then waits for "stop" before it deletes the keys): { received (its own), stored (all), perTenant,
// firstAt, lastAt (wall clock of its first and last message), cpuMs (from "go" to the end), flushWrites (its
// flush's tenant writes, one Lua call each, from "go" to the end) }. With SHARDS=S and SHARD=i in the
// environment it is shard i of S (PULSE_SHARDS): it subscribes only the tenants of its shard.
// Usage: node bench/ingest-subscriber.mjs MODE PREFIX TENANTS COUNT RUN_ID
import { connect } from '@nats-io/transport-node';
import { NATS, startBenchPulse, waitUntil } from './support.mjs';

const [mode, prefix, tenantList, countArg, runId] = process.argv.slice(2);
const tenants = tenantList.split(',');
const COUNT = Number(countArg);

let cpuAtFirst = null;
let startedAt = 0;
const first = () => {
  cpuAtFirst = process.cpuUsage();
  startedAt = performance.now();
};
const report = (extra) => {
  const cpu = process.cpuUsage(cpuAtFirst);
  console.log(
    JSON.stringify({
      ...extra,
      seconds: (performance.now() - startedAt) / 1000,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }),
  );
};

/** Custom metric definitions per tenant (env CUSTOM_DEFINITIONS; the custom-metrics case). */
const CUSTOM = Number(process.env.CUSTOM_DEFINITIONS ?? 0);

/**
 * A Pulse instance subscribed to every tenant of the run, and its aggregator (for counts). With
 * CUSTOM_DEFINITIONS, tenants are enterprise with that many JSON-sum definitions on
 * orders.created, loaded on every tap before "ready".
 */
async function startPulse() {
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  if (CUSTOM > 0) {
    const { Redis } = await import('ioredis');
    const { RedisKeys } = await import('../dist/redis/redis-keys.js');
    const { REDIS } = await import('./support.mjs');
    const redis = new Redis(REDIS);
    const keys = new RedisKeys(`pulse-bench-${runId}`);
    for (const t of tenants) {
      for (let i = 0; i < CUSTOM; i++) {
        const id = `cm_bench${i}`;
        const def = { id, name: `m${i}`, subject: 'orders.created', source: 'json', field: 'amount', header: null };
        await redis.hset(
          keys.customMetrics(t),
          id,
          JSON.stringify({ ...def, aggregation: 'sum', unit: null, createdAt: '', updatedAt: '' }),
        );
      }
    }
    redis.disconnect();
  }
  const tier = process.env.CUSTOM_DEFINITIONS === undefined ? 'basic' : 'enterprise';
  const shard = { count: Number(process.env.SHARDS ?? 1), index: Number(process.env.SHARD ?? 0) };
  const { tenantShard } = await import('../dist/common/rendezvous.js');
  const owned = tenants.filter((t) => tenantShard(t, shard.count) === shard.index).length;
  const bench = await startBenchPulse({ runId, tenants, tier, subjectPrefix: prefix, overrides: { shard } });
  await waitUntil(async () => bench.app.get(MessageTap).subscribedTenants().length === owned);
  const aggregator = bench.app.get(TrafficAggregator);
  await waitUntil(async () => tenants.every((t) => aggregator.customMetricCount(t) === CUSTOM));
  return { bench, aggregator };
}

if (mode === 'bare') {
  const nc = await connect({ servers: NATS });
  let received = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  for (const t of tenants) {
    const counts = new Map();
    nc.subscribe(`${prefix}.${t}.>`, {
      queue: `bench-raw-${runId}`,
      callback: (_err, msg) => {
        if (received === 0) first();
        received++;
        const c = counts.get(msg.subject);
        if (c) {
          c.m++;
          c.b += msg.data.length;
        } else counts.set(msg.subject, { m: 1, b: msg.data.length });
        if (received === COUNT) done();
      },
    });
  }
  await nc.flush();
  console.log('ready');
  await finished;
  report({ received, stored: received });
  await nc.close();
} else if (mode === 'shared') {
  const { createInterface } = await import('node:readline');
  const { bench, aggregator } = await startPulse();
  const { redis, historyKeys } = bench;
  const lines = createInterface({ input: process.stdin });
  const command = (word) => new Promise((resolve) => lines.on('line', (line) => line === word && resolve()));
  const go = command('go');
  // The instances share one key space: none deletes it before every one has reported.
  const stop = command('stop');
  // Each tenant delta the flush writes is one HistoryWriter.apply, one Lua call (FLUSH_LUA).
  const { HistoryWriter } = await import('../dist/history/history-writer.js');
  const writer = bench.app.get(HistoryWriter);
  const apply = writer.apply.bind(writer);
  let flushWrites = 0;
  writer.apply = (...args) => {
    flushWrites++;
    return apply(...args);
  };
  console.log('ready');
  await go;
  flushWrites = 0;
  const cpuAtGo = process.cpuUsage();
  let seen = 0;
  let firstAt = null;
  let lastAt = null;
  const watch = setInterval(() => {
    const n = aggregator.stats().messages;
    if (n === seen) return;
    seen = n;
    lastAt = Date.now();
    firstAt ??= lastAt;
  }, 1);
  let perTenant = [];
  let stored = 0;
  const readStored = async () => {
    perTenant = (await Promise.all(tenants.map((t) => redis.hget(historyKeys.totals(t), 'm')))).map(Number);
    stored = perTenant.reduce((s, v) => s + v, 0);
  };
  // Redis is read (TENANTS commands) only once this instance's own traffic has paused for 100 ms,
  // and then every 100 ms: polling it all along cost more CPU than a share of the messages.
  for (const deadline = Date.now() + 120_000; ;) {
    await new Promise((r) => setTimeout(r, 100));
    if (Date.now() > deadline) throw new Error('timed out');
    if (lastAt === null || Date.now() - lastAt < 100) continue;
    await readStored();
    if (stored >= COUNT) break;
  }
  clearInterval(watch);
  const cpu = process.cpuUsage(cpuAtGo);
  // Late duplicates would show as stored > COUNT: give a straggler one more flush to appear.
  await new Promise((r) => setTimeout(r, 1500));
  await readStored();
  console.log(
    JSON.stringify({
      received: aggregator.stats().messages,
      stored,
      perTenant,
      firstAt,
      lastAt,
      cpuMs: (cpu.user + cpu.system) / 1000,
      flushWrites,
    }),
  );
  await stop;
  lines.close();
  await bench.stop();
} else {
  const { bench, aggregator } = await startPulse();
  const { redis, historyKeys } = bench;
  console.log('ready');
  // Polled every millisecond (a 1 ms timer costs next to nothing): the first message, then the last.
  const when = (done) =>
    new Promise((resolve) => {
      const t = setInterval(() => {
        if (done()) {
          clearInterval(t);
          resolve(performance.now());
        }
      }, 1);
    });
  await when(() => aggregator.stats().messages > 0);
  first();
  // Counted: the rate is taken here; the CPU goes on until every count is in Redis.
  const countedAt = await when(() => aggregator.stats().messages >= COUNT);
  let stored = 0;
  await waitUntil(async () => {
    const totals = await Promise.all(tenants.map((t) => redis.hget(historyKeys.totals(t), 'm')));
    stored = totals.reduce((s, v) => s + Number(v ?? 0), 0);
    return stored >= COUNT;
  }, 60_000);
  report({ received: aggregator.stats().messages, stored, countedSeconds: (countedAt - startedAt) / 1000 });
  await bench.stop();
}
process.exit(0);
