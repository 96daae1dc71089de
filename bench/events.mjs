// Webhook events benchmark (#38, not in CI): one built Pulse (`node dist/main.js`) with a private
// nats-server and redis-server, TENANTS professional tenants each with one subscription to a
// loopback receiver in this process, and RATE presence changes a second in total for SECONDS:
// each client heartbeats once a second alternating 'healthy'/'degraded', so its first heartbeat is
// client.online and every later one client.status_changed. Measures Pulse's and Redis' CPU per
// delivered event (net of an idle baseline), delivery lag (event `at` → receipt) p50/p99, and
// events delivered against heartbeats sent. Writes bench/results/events.json.
// Usage: npm run bench:events [-- RATE=10000 SECONDS=60 TENANTS=100]
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { heartbeatBody } from './heartbeat-body.mjs';
import { benchPulseEnv, freePort, pulseApi, startPrivateNats, startPrivateRedis } from './private-servers.mjs';
import { processCpuMs, writeResult } from './process-stats.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
const RATE = arg('RATE', 10_000);
const SECONDS = arg('SECONDS', 60);
const TENANTS = arg('TENANTS', 100);
const CLIENTS = Math.max(1, Math.round(RATE / TENANTS)); // per tenant, one heartbeat a second each
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: run `npm run bench:events`');

const stops = [];
const nats = await startPrivateNats();
stops.push(() => nats.stop());
const redisServer = await startPrivateRedis();
stops.push(() => redisServer.stop());

// The receiver: records each event's lag from its `at` to arrival.
const lags = [];
let received = 0;
const seen = new Set();
let duplicates = 0;
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    try {
      for (const e of JSON.parse(Buffer.concat(chunks).toString()).events ?? []) {
        const key = `${e.tenantId}/${e.id}`;
        if (seen.has(key)) {
          duplicates++;
          continue;
        }
        seen.add(key);
        received++;
        const at = Date.parse(e.at);
        if (Number.isFinite(at)) lags.push(now - at);
      }
    } catch {
      /* counted as not received */
    }
    res.writeHead(200).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
stops.push(() => new Promise((r) => receiver.close(r)));

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const adminKey = `events-admin-${randomBytes(12).toString('hex')}`;
const pulse = spawn(process.execPath, ['dist/main.js'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: benchPulseEnv(
    { port, adminKey, nats: nats.url, redis: redisServer.url },
    { ALERT_ALLOW_PRIVATE_TARGETS: 'true', EVENTS_BACKLOG_MAX: '100000' },
  ),
});
stops.unshift(async () => {
  if (pulse.exitCode === null) {
    pulse.kill('SIGTERM');
    await new Promise((r) => pulse.once('exit', r));
  }
});
const stopAll = async () => {
  for (const s of stops) await s().catch(() => {});
};

const api = pulseApi(url, adminKey);
for (let deadline = Date.now() + 30_000; ; await sleep(200)) {
  if (
    (await fetch(`${url}/health/ready`).then(
      (r) => r.status,
      () => 0,
    )) === 200
  )
    break;
  if (Date.now() > deadline) throw new Error('Pulse not ready in 30 s');
}

const runId = randomBytes(3).toString('hex');
const tenants = Array.from({ length: TENANTS }, (_, i) => `ev${runId}t${i}`);
for (const id of tenants) {
  const t = await api('POST', '/api/v1/admin/tenants', { body: { id, tier: 'professional' } });
  if (t.status !== 201) throw new Error(`tenant ${id}: ${t.status} ${t.text}`);
  const s = await api('POST', '/api/v1/events/subscriptions', {
    key: t.json().apiKey,
    body: { url: `${receiverUrl}/${id}`, types: ['client.online', 'client.status_changed'] },
  });
  if (s.status !== 201) throw new Error(`subscription ${id}: ${s.status} ${s.text}`);
}
await sleep(3000); // tenants taken up

const cpu = () => ({ pulse: processCpuMs(pulse.pid), redis: processCpuMs(redisServer.pid) });
const IDLE = 5;
const idle0 = cpu();
await sleep(IDLE * 1000);
const idle1 = cpu();
const idlePerS = { pulse: (idle1.pulse - idle0.pulse) / IDLE, redis: (idle1.redis - idle0.redis) / IDLE };

const nc = await connect({ servers: nats.url });
const cpu0 = cpu();
const started = performance.now();
let sent = 0;
for (let round = 0; round < SECONDS; round++) {
  for (let c = 0; c < CLIENTS; c++) {
    for (const t of tenants) {
      const body = heartbeatBody({ tenant: t, client: c, round, timestamp: new Date().toISOString() });
      body.status = round % 2 === 0 ? 'healthy' : 'degraded';
      nc.publish(`_HEARTBEAT.tenant.${t}.client.c${c}`, JSON.stringify(body));
      sent++;
      if (sent % 500 === 0) {
        await nc.flush();
        const due = (sent / RATE) * 1000 - (performance.now() - started);
        if (due > 0) await sleep(due);
      }
    }
  }
}
await nc.flush();
const publishSeconds = (performance.now() - started) / 1000;
// Drain: until every event is delivered or nothing arrives for 15 s.
let last = -1;
let quiet = performance.now();
while (received < sent && performance.now() - quiet < 15_000) {
  if (received !== last) [last, quiet] = [received, performance.now()];
  await sleep(50);
}
const seconds = (performance.now() - started) / 1000;
const cpu1 = cpu();
// Pulse's own account of the run (what it appended, dropped, sent): where the figures above differ
// from `sent`, these say on which side.
const scrape = await api('GET', '/metrics');
const pulseCounters = Object.fromEntries(
  scrape.text
    .split('\n')
    .filter((line) => /^pulse_(events?_|event_requests)/.test(line))
    .map((line) => line.split(' '))
    .map(([name, value]) => [name, Number(value)]),
);
await nc.close();

lags.sort((a, b) => a - b);
const pct = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? null;
const net = (k) => cpu1[k] - cpu0[k] - idlePerS[k] * seconds;
const result = writeResult('events', {
  node: process.version,
  loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  tenants: TENANTS,
  clientsPerTenant: CLIENTS,
  targetRate: RATE,
  seconds: SECONDS,
  sent,
  publishedPerSecond: Math.round(sent / publishSeconds),
  delivered: received,
  duplicates,
  lost: sent - received,
  deliveredPerSecond: Math.round(received / seconds),
  lagMs: { p50: pct(50), p99: pct(99), max: lags.at(-1) ?? null },
  idleCpuMsPerSecond: idlePerS,
  pulseCpuMicrosPerEvent: Number(((net('pulse') * 1000) / Math.max(1, received)).toFixed(2)),
  redisCpuMicrosPerEvent: Number(((net('redis') * 1000) / Math.max(1, received)).toFixed(2)),
  pulseCpuShare: Number(((cpu1.pulse - cpu0.pulse) / 1000 / seconds).toFixed(2)),
  pulseCounters,
});
console.log(JSON.stringify(result, null, 2));
await stopAll();
process.exit(0);
