// One subscriber of the ingest benchmark, in its own process so that its CPU time is its own:
// MODE "bare" counts per tenant and subject with a plain @nats-io/transport-node callback
// subscriber; MODE "pulse" is Pulse (tap, aggregation, flush to Redis). Prints "ready" once
// subscribed, then, when COUNT messages are counted (Pulse: and stored in Redis), one JSON line:
// { received, stored, seconds, countedSeconds, cpuMs } with CPU (user + system, from the OS via process.cpuUsage)
// from the first message to the end of the work (Pulse: its flushes included).
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
} else {
  const { MessageTap } = await import('../dist/monitoring/message-tap.js');
  const { TrafficAggregator } = await import('../dist/monitoring/traffic-aggregator.js');
  const bench = await startBenchPulse({ runId, tenants, tier: 'basic', subjectPrefix: prefix });
  const { app, redis, keys } = bench;
  await waitUntil(async () => app.get(MessageTap).subscribedTenants().length === tenants.length);
  const aggregator = app.get(TrafficAggregator);
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
    const totals = await Promise.all(tenants.map((t) => redis.hget(keys.totals(t), 'm')));
    stored = totals.reduce((s, v) => s + Number(v ?? 0), 0);
    return stored >= COUNT;
  }, 60_000);
  report({ received: aggregator.stats().messages, stored, countedSeconds: (countedAt - startedAt) / 1000 });
  await bench.stop();
}
process.exit(0);
