// REST under load: GET /metrics/realtime and /metrics/presence at 500 requests/s for 10 s each
// (autocannon, enterprise key, 1,000 clients present) while a separate process publishes
// 100,000 msgs/s into the same tenant; and, as the floor of what this machine and harness allow,
// GET /health/live (no key, no Redis: Nest, Express and helmet only) under the same load. Each row
// also gives Pulse's event-loop delay during its load (what any request waits behind).
// Usage: npm run build && node bench/rest.mjs [rps=500] [seconds=10] [ingest msgs/s=100000]
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { NATS, publish, startBenchPulse, waitUntil, writeResult } from './support.mjs';

const run = promisify(execFile);
const RPS = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 10);
const INGEST_RATE = Number(process.argv[4] ?? 100_000);
const runId = randomBytes(3).toString('hex');
const prefix = `rest${runId}`;
const tenant = 'busy';
const adminKey = `bench-admin-${runId}-0000000000`;

const bench = await startBenchPulse({
  runId,
  tenants: [],
  tier: 'enterprise',
  subjectPrefix: prefix,
  listen: true,
  overrides: { adminApiKey: adminKey },
});
const created = await fetch(`${bench.url}/api/v1/admin/tenants`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ id: tenant, tier: 'enterprise' }),
}).then((r) => r.json());
const { MessageTap } = await import('../dist/monitoring/message-tap.js');
await waitUntil(async () => bench.app.get(MessageTap).subscribedTenants().includes(tenant));

// 1,000 clients so that presence has something to list.
const nc = await connect({ servers: NATS });
for (let c = 0; c < 1000; c++) {
  nc.publish(
    `_HEARTBEAT.tenant.${tenant}.client.c${c}`,
    JSON.stringify({
      client_id: `c${c}`,
      tenant_id: tenant,
      timestamp: new Date().toISOString(),
      status: c % 7 ? 'healthy' : 'degraded',
      metrics: { messages_sent: 1, messages_received: 1, errors: 0, uptime_seconds: 1 },
    }),
  );
}
await nc.flush();
await nc.close();

const ingest =
  INGEST_RATE > 0
    ? publish({ prefix, tenants: [tenant], count: INGEST_RATE * (3 * SECONDS + 6), rate: INGEST_RATE })
    : Promise.resolve({ rate: 0 });
await new Promise((r) => setTimeout(r, 2000));
// CPU of this process (Pulse) under ingest alone, for SECONDS: subtracted from each load's CPU to
// give CPU per request.
const cpuOf = async (work) => {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  return { result, ms: (used.user + used.system) / 1000 };
};
const ingestOnly = await cpuOf(() => new Promise((r) => setTimeout(r, SECONDS * 1000)));

// autocannon runs in its own process, so the load generator does not share Pulse's event loop.
async function load(path) {
  const { stdout } = await run(
    process.execPath,
    [
      new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname,
      '--json',
      '--connections',
      '20',
      '--overallRate',
      String(RPS),
      '--duration',
      String(SECONDS),
      '--headers',
      `authorization=Bearer ${created.apiKey}`,
      `${bench.url}${path}`,
    ],
    { maxBuffer: 16 << 20 },
  );
  const result = JSON.parse(stdout);
  return {
    requests: result.requests.total,
    path,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const rows = [];
const PATHS = process.env.REST_PATHS ?? '/health/live,/api/v1/metrics/realtime,/api/v1/metrics/presence?limit=100';
for (const path of PATHS.split(',')) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const { result, ms } = await cpuOf(() => load(path));
  loop.disable();
  const { requests, ...row } = result;
  row.loopDelayP99Ms = Number((loop.percentile(99) / 1e6).toFixed(1));
  // The load ran a little longer than SECONDS (start-up, the last responses): scaled by duration is
  // not worth the noise; the ingest share is taken as SECONDS' worth.
  rows.push({ ...row, cpuMsPerRequest: Number(((ms - ingestOnly.ms) / requests).toFixed(3)) });
}
const pub = await ingest;
await bench.stop();
writeResult('rest', { targetRps: RPS, seconds: SECONDS, ingestRate: INGEST_RATE, publisher: pub, rows });
console.table(rows);
console.log(`during ingest at ${pub.rate} msgs/s`);
process.exit(0);
