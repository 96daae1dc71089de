// Subject explosion: one tenant publishes 1,000,000 messages, 80 % of them each on a new subject
// and 20 % on 10 heavy subjects. Pulse's memory must stay bounded and its top subjects must be
// exactly the heavy ones with exact counts. Reference: a bare subscriber on the same traffic.
// Usage: npm run build && node bench/explosion.mjs [messages=1000000]
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { NATS, publish, rssSampler, startBenchPulse, waitUntil, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const runId = randomBytes(3).toString('hex');
const prefix = `boom${runId}`;
const tenant = 'exploding';

async function raw() {
  const nc = await connect({ servers: NATS });
  let received = 0;
  const bySubject = new Map();
  let first = 0;
  let last = 0;
  nc.subscribe(`${prefix}.${tenant}.>`, {
    callback: (_e, msg) => {
      if (received === 0) first = performance.now();
      received++;
      last = performance.now();
      bySubject.set(msg.subject, (bySubject.get(msg.subject) ?? 0) + 1);
    },
  });
  await nc.flush();
  const rss = rssSampler();
  const pub = await publish({ prefix, tenants: [tenant], count: COUNT, mode: 'explosion' });
  await waitUntil(async () => received >= COUNT);
  const rssMb = rss.stop();
  await nc.close();
  return {
    rate: Math.round(received / ((last - first) / 1000)),
    distinct: bySubject.size,
    peakRssMb: rssMb,
    publisher: pub,
  };
}

async function pulse() {
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const { MetricsService } = await import('../dist/metrics/metrics.service.js');
  const bench = await startBenchPulse({ runId, tenants: [tenant], tier: 'enterprise', subjectPrefix: prefix });
  const { app } = bench;
  await waitUntil(async () => app.get(MessageTap).subscribedTenants().length === 1);
  const aggregator = app.get(TrafficAggregator);
  const rss = rssSampler();
  const started = performance.now();
  const pub = await publish({ prefix, tenants: [tenant], count: COUNT, mode: 'explosion' });
  await waitUntil(async () => aggregator.stats().messages >= COUNT);
  const seconds = (performance.now() - started) / 1000;
  const metrics = app.get(MetricsService);
  let view;
  await waitUntil(async () => {
    view = await metrics.realtime({ tenantId: tenant, tier: 'enterprise', keyId: 'bench' });
    return view.messages.total >= COUNT;
  }, 30_000);
  const peakRssMb = rss.stop();
  await bench.stop();
  const heavyEach = COUNT / 5 / 10;
  const top = view.subjects.top.map((s) => s.subject.split('.').slice(2).join('.'));
  const expected = Array.from({ length: 10 }, (_, k) => `heavy.${k}`);
  const topCorrect = expected.every((s) => top.includes(s)) && view.subjects.top.every((s) => s.messages === heavyEach);
  return {
    rate: Math.round(COUNT / seconds),
    counted: view.messages.total,
    lost: COUNT - view.messages.total,
    distinctEstimate: view.subjects.distinct,
    distinctTrue: COUNT - COUNT / 5 + 10,
    topCorrect,
    top: view.subjects.top.slice(0, 3),
    peakRssMb,
    publisher: pub,
  };
}

const reference = await raw();
const result = writeResult('explosion', { messages: COUNT, raw: reference, pulse: await pulse() });
console.table({
  'raw subscriber': { 'msgs/s': reference.rate, 'peak rss MB': reference.peakRssMb, distinct: reference.distinct },
  pulse: {
    'msgs/s': result.pulse.rate,
    'peak rss MB': result.pulse.peakRssMb,
    distinct: `${result.pulse.distinctEstimate} (est.)`,
    'top-10 exact': result.pulse.topCorrect,
    lost: result.pulse.lost,
  },
});
process.exit(0);
