// Rough ingest benchmark (the full suite comes with the benchmark issue): the same traffic is
// counted first by a bare @nats-io/transport-node subscriber that only counts per tenant and
// subject, then by Pulse (built dist/, real Redis); prints both rates and their ratio.
// Usage: npm run build && node bench/ingest.mjs [messages=2000000] [tenants=100]
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { NATS, publish, rssSampler, startBenchPulse, waitUntil, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 2_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const SIZE = 100;
const runId = randomBytes(3).toString('hex');
const subjectPrefix = `bench${runId}`;
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${i}`);

const publishAll = () => publish({ prefix: subjectPrefix, tenants: tenantIds, count: COUNT, size: SIZE });

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
  const pub = await publishAll();
  await waitUntil(async () => received >= COUNT);
  await nc.close();
  return {
    received,
    seconds: (last - first) / 1000,
    rate: Math.round(received / ((last - first) / 1000)),
    publisher: pub,
  };
}

async function pulse() {
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const bench = await startBenchPulse({ runId, tenants: tenantIds, tier: 'basic', subjectPrefix });
  const { app, redis, keys } = bench;
  await waitUntil(async () => app.get(MessageTap).subscribedTenants().length === TENANTS);
  const aggregator = app.get(TrafficAggregator);
  let first = 0;
  let last;
  const rss = rssSampler();
  const poll = setInterval(() => {
    const n = aggregator.stats().messages;
    if (n > 0 && first === 0) first = performance.now();
    if (n < COUNT) last = performance.now();
  }, 5);
  const pub = await publishAll();
  await waitUntil(async () => aggregator.stats().messages >= COUNT);
  clearInterval(poll);
  last = performance.now();
  const rssMb = rss.stop();
  // Every count reaches Redis.
  let stored = 0;
  await waitUntil(async () => {
    const totals = await Promise.all(tenantIds.map((t) => redis.hget(keys.totals(t), 'm')));
    stored = totals.reduce((s, v) => s + Number(v ?? 0), 0);
    return stored >= COUNT;
  }, 30_000);
  await bench.stop();
  const seconds = (last - first) / 1000;
  return {
    counted: aggregator.stats().messages,
    stored,
    lost: COUNT - stored,
    seconds,
    rate: Math.round(COUNT / seconds),
    rssMb,
    publisher: pub,
  };
}

const raw = await rawSubscriber();
const pulseResult = await pulse();
const result = writeResult('ingest', {
  messages: COUNT,
  tenants: TENANTS,
  sizeBytes: SIZE,
  raw,
  pulse: pulseResult,
  ratio: Number((pulseResult.rate / raw.rate).toFixed(3)),
});
console.table({
  'raw subscriber': { 'msgs/s': raw.rate, 'publisher msgs/s': raw.publisher.rate },
  pulse: {
    'msgs/s': pulseResult.rate,
    'publisher msgs/s': pulseResult.publisher.rate,
    'peak rss MB': pulseResult.rssMb,
    lost: pulseResult.lost,
  },
});
console.log(`ratio pulse/raw: ${result.ratio}`);
process.exit(0);
