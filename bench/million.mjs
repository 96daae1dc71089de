// A million real clients (#37): one built Pulse (`node dist/main.js`, as in production) on a
// nats-server and a redis-server of the run's own, `--tenants` tenants created through the admin
// API (half professional, half enterprise: per-client behaviour included), and `--clients`
// clients heartbeating at the protocol rate (one per client per 30 s, spread evenly; bench/
// million-publisher.mjs, its own process) for a warm-up round (every client's first contact) and
// then `--minutes` of steady state, while bench/million-probe.mjs (its own process) reads the
// presence API 5 times a second. Reported per phase: heartbeats sent, accepted, written to Redis;
// processing lag (receipt to Redis write, Pulse's histogram in /metrics: bucket bounds), the
// publisher's achieved rate, Pulse's and Redis' CPU per heartbeat, presence API latency; for the
// run: offline transitions (presence events on NATS; none expected), Pulse's peak RSS (the
// kernel's high-water mark), Redis memory per client (used_memory over the empty store with the
// tenants), the presence summary at the end. Exits non-zero, saying why, when Pulse dies, a
// heartbeat is lost, rejected or never written, a client goes offline, the publisher cannot hold
// the rate or a presence request fails. Every process it starts is stopped however it ends.
// Writes bench/results/million.json (the default run) or million-<clients>-<minutes>m.json.
// Usage: npm run bench:million [-- --clients 1000000 --tenants 100 --minutes 10]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import {
  dueBy,
  failures,
  histogram,
  histogramSince,
  millionPlan,
  nearestRank,
  percentileBoundMs,
  sample,
  tenantIds,
} from './million-plan.mjs';
import { benchPulseEnv, freePort, pulseApi, startPrivateNats, startPrivateRedis } from './private-servers.mjs';
import { processCpuMs, processRssMb, writeResult } from './process-stats.mjs';

const { values: args } = parseArgs({
  options: { clients: { type: 'string' }, tenants: { type: 'string' }, minutes: { type: 'string' } },
});
const plan = millionPlan({
  clients: Number(args.clients ?? 1_000_000),
  tenants: Number(args.tenants ?? 100),
  minutes: Number(args.minutes ?? 10),
});
const isDefault = plan.clients === 1_000_000 && plan.tenants === 100 && plan.minutes === 10;
const resultName = isDefault ? 'million' : `million-${plan.clients}-${plan.minutes}m`;
const PROBE_INTERVAL_MS = 200;
const HISTOGRAM = 'pulse_heartbeat_processing_seconds';
const log = (line) => console.log(`[million ${new Date().toISOString().slice(11, 19)}] ${line}`);

// Everything started, stopped in reverse order however the run ends.
const stops = [];
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(`cleanup: ${err.message}`));
  })();
  return cleaning;
}
async function fail(message) {
  console.error(`\nmillion: FAILED: ${message}`);
  await cleanup();
  process.exit(1);
}
// Anything unforeseen (a scrape that times out, a top-level await that rejects) still stops every process.
process.on('uncaughtException', (err) => void fail(err.stack ?? String(err)));
process.on('unhandledRejection', (err) => void fail(err?.stack ?? String(err)));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => void cleanup().then(() => process.exit(130)));
}

/** A child process of the run: its stdout lines to `onLine`, stopped (SIGTERM, then SIGKILL) at cleanup. */
function child(name, command, argv, { env, onLine = () => {}, onExit, stdin = 'ignore' }) {
  const p = spawn(command, argv, { env, stdio: [stdin, 'pipe', 'pipe'] });
  let tail = '';
  let buffered = '';
  p.stdout.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) onLine(line);
    tail = (tail + d).slice(-8000);
  });
  p.stderr.on('data', (d) => (tail = (tail + d).slice(-8000)));
  let stopping = false;
  const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  void exited.then((how) => {
    if (!stopping) onExit?.(how, tail);
  });
  stops.push(async () => {
    stopping = true;
    if (p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const killer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  return { process: p, exited, tail: () => tail, stop: () => (stopping = true) };
}

if (!existsSync('dist/main.js')) await fail('dist/main.js is missing: run `npm run bench:million` (it builds first)');
log(
  `${plan.clients} clients over ${plan.tenants} tenants, ${Math.round(plan.rate)} heartbeats/s: warm-up 30 s + ${plan.minutes} min (${plan.steadyRounds} rounds)`,
);

const nats = await startPrivateNats().catch((err) => fail(`nats-server: ${err.message}`));
stops.push(() => nats.stop());
const redisServer = await startPrivateRedis().catch((err) => fail(`redis-server: ${err.message}`));
stops.push(() => redisServer.stop());
const redis = new Redis(redisServer.url);
stops.push(async () => redis.disconnect());

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const adminKey = `million-admin-${randomBytes(12).toString('hex')}`;
let phase = 'start-up';
const pulse = child('pulse', process.execPath, ['dist/main.js'], {
  env: benchPulseEnv({ port, adminKey, nats: nats.url, redis: redisServer.url }),
  onExit: (how, tail) => void fail(`Pulse exited (${JSON.stringify(how)}) during ${phase}; its last output:\n${tail}`),
});
const pulsePid = pulse.process.pid;

const api = pulseApi(url, adminKey);
const scrape = async () => {
  const res = await api('GET', '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text;
};

for (let deadline = Date.now() + 30_000; ;) {
  const ready = await fetch(`${url}/health/ready`).then(
    (r) => r.status,
    () => 0,
  );
  if (ready === 200) break;
  if (Date.now() > deadline) await fail(`Pulse was not ready on ${url} within 30 s:\n${pulse.tail()}`);
  await new Promise((r) => setTimeout(r, 200));
}

phase = 'tenant creation';
const runId = randomBytes(3).toString('hex');
const ids = tenantIds(plan, `m${runId}t`);
const keys = [];
for (const [i, id] of ids.entries()) {
  const res = await api('POST', '/api/v1/admin/tenants', {
    body: { id, tier: i % 2 === 0 ? 'professional' : 'enterprise' },
  });
  if (res.status !== 201) await fail(`creating tenant ${id}: ${res.status} ${res.text}`);
  keys.push(res.json().apiKey);
}
for (let deadline = Date.now() + 30_000; sample(await scrape(), 'pulse_shard_tenants') < plan.tenants;) {
  if (Date.now() > deadline) await fail(`Pulse did not take up the ${plan.tenants} tenants within 30 s`);
  await new Promise((r) => setTimeout(r, 200));
}

// Offline transitions, as a tenant's subscriber would see them.
const nc = await connect({ servers: nats.url, name: 'million-events' });
stops.push(() => nc.close());
const events = { online: 0, offline: 0, status_changed: 0, other: 0 };
const eventDecoder = new TextDecoder();
nc.subscribe('_PULSE.tenant.*.presence', {
  callback: (_err, m) => {
    const head = eventDecoder.decode(m.data.subarray(0, 32));
    const type = /^\{"type":"(\w+)"/.exec(head)?.[1];
    if (type in events && type !== 'other') events[type]++;
    else events.other++;
  },
});
await nc.flush();

const redisUsedBytes = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
/** What the run reads at a phase boundary. */
const mark = async () => {
  const text = await scrape();
  return {
    at: Date.now(),
    accepted: sample(text, 'pulse_heartbeats_total', { outcome: 'accepted' }),
    rejected: sample(text, 'pulse_heartbeats_total') - sample(text, 'pulse_heartbeats_total', { outcome: 'accepted' }),
    written: sample(text, 'pulse_presence_heartbeats_total', { outcome: 'written' }),
    superseded: sample(text, 'pulse_presence_heartbeats_total', { outcome: 'superseded' }),
    pending: sample(text, 'pulse_presence_pending_heartbeats'),
    failedWrites: sample(text, 'pulse_flush_failed_writes_total', { store: 'presence' }),
    slowConsumer: sample(text, 'pulse_nats_slow_consumer_events_total'),
    histogram: histogram(text, HISTOGRAM),
    pulseCpuMs: processCpuMs(pulsePid),
    redisCpuMs: processCpuMs(redisServer.pid),
    natsCpuMs: processCpuMs(nats.pid),
    redisBytes: await redisUsedBytes(),
    ...processRssMb(pulsePid),
    events: { ...events },
  };
};
const before = await mark();
log(`Pulse up (pid ${pulsePid}, RSS ${before.rssMb} MB), ${plan.tenants} tenants; Redis ${before.redisBytes} bytes`);

phase = 'the run';
let probeReport;
const probeDone = new Promise((resolve) => (probeReport = resolve));
const probe = child('probe', process.execPath, ['bench/million-probe.mjs', url, String(PROBE_INTERVAL_MS)], {
  env: { ...process.env, MILLION_PROBE_KEYS: JSON.stringify(keys) },
  stdin: 'pipe',
  onLine: (line) => probeReport(JSON.parse(line)),
  onExit: (how, tail) => {
    if (how.code !== 0) void fail(`the presence probe exited (${JSON.stringify(how)}):\n${tail}`);
  },
});

const rounds = [];
let publisherStart = null;
let publisherDone;
let warmupEnd = null;
const publisherFinished = new Promise((resolve) => (publisherDone = resolve));
const timeline = [];
child(
  'publisher',
  process.execPath,
  [
    'bench/million-publisher.mjs',
    nats.url,
    `m${runId}t`,
    String(plan.clients),
    String(plan.tenants),
    String(plan.minutes),
  ],
  {
    env: process.env,
    onLine: (line) => {
      const event = JSON.parse(line);
      if (event.event === 'start') publisherStart = event.at;
      if (event.event === 'round') {
        rounds.push(event);
        log(
          `round ${event.round}${event.round === 0 ? ' (warm-up)' : ''}: ${event.rate}/s, late p99 ${event.lateMsP99} ms, max ${event.lateMsMax} ms`,
        );
        if (event.round === 0) {
          warmupEnd = mark().catch((err) => fail(`reading Pulse at the end of the warm-up: ${err.message}`));
          phase = 'the steady state';
        }
      }
      if (event.event === 'done') publisherDone(event);
    },
    onExit: (how, tail) => {
      if (how.code !== 0) void fail(`the publisher exited (${JSON.stringify(how)}):\n${tail}`);
    },
  },
);
// Every 5 s: Pulse's RSS, its backlog and Redis memory, for the record and the log.
const watcher = setInterval(() => {
  void (async () => {
    try {
      // Due before the scrape, taken (accepted or rejected) by the time it answers: an
      // underestimate of the heartbeats waiting for Pulse by at most the scrape's duration.
      const due = publisherStart ? dueBy(plan, Date.now() - publisherStart) : 0;
      const text = await scrape();
      const accepted = sample(text, 'pulse_heartbeats_total');
      const point = {
        t: publisherStart ? Math.round((Date.now() - publisherStart) / 1000) : 0,
        ...processRssMb(pulsePid),
        backlog: Math.max(0, due - accepted),
        pending: sample(text, 'pulse_presence_pending_heartbeats'),
        loopLagP99Ms: Math.round(sample(text, 'pulse_nodejs_eventloop_lag_p99_seconds') * 1000),
        redisMb: Math.round((await redisUsedBytes()) / 2 ** 20),
      };
      timeline.push(point);
      if (timeline.length % 6 === 0)
        log(
          `t=${point.t}s RSS ${point.rssMb} MB, behind ${point.backlog}, pending ${point.pending}, loop p99 ${point.loopLagP99Ms} ms, Redis ${point.redisMb} MB`,
        );
    } catch (err) {
      log(`scrape failed: ${err.message}`);
    }
  })();
}, 5000);
stops.push(async () => clearInterval(watcher));

const runDeadline = setTimeout(
  () => void fail(`the run took over ${plan.seconds + 300} s`),
  (plan.seconds + 300) * 1000,
);
stops.push(async () => clearTimeout(runDeadline));
const published = await publisherFinished;
log(`publisher done: ${published.sent} sent at ${published.rate}/s; waiting for Pulse to finish`);

// Done when every heartbeat is accepted (or rejected) and written, or when nothing moved for 15 s.
phase = 'the drain';
let last = await mark();
for (let quietSince = Date.now(); ;) {
  if (
    last.accepted + last.rejected >= published.sent &&
    last.pending === 0 &&
    last.written + last.superseded >= last.accepted
  )
    break;
  if (Date.now() - quietSince > 15_000) break;
  await new Promise((r) => setTimeout(r, 500));
  const next = await mark();
  if (next.accepted !== last.accepted || next.written !== last.written) quietSince = Date.now();
  last = next;
}
const end = last;
const warm = await warmupEnd;
probe.process.stdin.write('stop\n');
const { samples: probeSamples } = await probeDone;

// The presence API's own count at the end: every client online.
const presence = { total: 0, online: 0, offline: 0 };
for (const key of keys) {
  const res = await api('GET', '/api/v1/metrics/presence', { key });
  if (res.status !== 200) await fail(`GET /metrics/presence answered ${res.status}: ${res.text}`);
  const { summary } = res.json();
  presence.total += summary.total;
  presence.online += summary.online;
  presence.offline += summary.offline;
}
const pulseMemory = processRssMb(pulsePid);

const window = (from, to, heartbeats) => {
  const lag = histogramSince(to.histogram, from.histogram);
  const probes = probeSamples.filter(([at]) => at >= from.at && at < to.at);
  const ok = probes.filter(([, , status]) => status === 200).map(([, ms]) => ms);
  return {
    heartbeats,
    accepted: to.accepted - from.accepted,
    written: to.written - from.written,
    superseded: to.superseded - from.superseded,
    processingMsP50: percentileBoundMs(lag, 0.5),
    processingMsP99: percentileBoundMs(lag, 0.99),
    processingMsMax: percentileBoundMs(lag, 1),
    pulseCpuMicrosPerHeartbeat: Number((((to.pulseCpuMs - from.pulseCpuMs) * 1000) / heartbeats).toFixed(2)),
    redisCpuMicrosPerHeartbeat: Number((((to.redisCpuMs - from.redisCpuMs) * 1000) / heartbeats).toFixed(2)),
    natsCpuMicrosPerHeartbeat: Number((((to.natsCpuMs - from.natsCpuMs) * 1000) / heartbeats).toFixed(2)),
    presenceApi: {
      requests: probes.length,
      msP50: nearestRank(ok, 0.5),
      msP99: nearestRank(ok, 0.99),
      msMax: nearestRank(ok, 1),
    },
  };
};
const steadyRounds = rounds.filter((r) => r.round > 0);
const steadyRate = Math.round((steadyRounds.length * plan.clients) / steadyRounds.reduce((s, r) => s + r.seconds, 0));
const failedProbes = probeSamples.filter(([, , status]) => status !== 200);
const result = {
  clients: plan.clients,
  tenants: plan.tenants,
  tiers: 'half professional, half enterprise',
  minutes: plan.minutes,
  targetRate: Math.round(plan.rate),
  node: process.version,
  loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  heartbeats: {
    sent: published.sent,
    accepted: end.accepted - before.accepted,
    rejected: end.rejected - before.rejected,
    written: end.written - before.written,
    superseded: end.superseded - before.superseded,
    pending: end.pending,
    failedWrites: end.failedWrites - before.failedWrites,
    slowConsumerEvents: end.slowConsumer - before.slowConsumer,
  },
  publisher: {
    warmupRate: rounds[0]?.rate,
    steadyRate,
    lateMsP50: published.lateMsP50,
    lateMsP99: published.lateMsP99,
    cpuSeconds: published.cpuSeconds,
    rounds,
  },
  warmup: window(before, warm, plan.clients),
  steady: window(warm, end, published.sent - plan.clients),
  events: {
    online: end.events.online - before.events.online,
    offline: end.events.offline - before.events.offline,
    statusChanged: end.events.status_changed - before.events.status_changed,
    other: end.events.other - before.events.other,
  },
  // Heartbeats due but not yet taken by Pulse (the 5-s timeline's largest), and as seconds of traffic.
  behind: {
    maxHeartbeats: Math.max(0, ...timeline.map((p) => p.backlog)),
    maxSeconds: Number((Math.max(0, ...timeline.map((p) => p.backlog)) / plan.rate).toFixed(2)),
  },
  pulse: { peakRssMb: pulseMemory.peakMb, endRssMb: pulseMemory.rssMb, startRssMb: before.rssMb },
  redis: {
    usedMbBefore: Math.round(before.redisBytes / 2 ** 20),
    usedMbEnd: Math.round(end.redisBytes / 2 ** 20),
    bytesPerClient: Math.round((end.redisBytes - before.redisBytes) / plan.clients),
  },
  presence,
  presenceApi: {
    requests: probeSamples.length,
    failed: failedProbes.length,
    statuses: Object.fromEntries(
      [...new Set(probeSamples.map(([, , s]) => s))].map((s) => [s, probeSamples.filter(([, , x]) => x === s).length]),
    ),
  },
  timeline,
};
result.failures = failures(plan, {
  heartbeats: result.heartbeats,
  warmupRate: result.publisher.warmupRate,
  steadyRate,
  presence,
  offlineEvents: result.events.offline,
  probe: result.presenceApi,
});
pulse.stop();
await cleanup();
writeResult(resultName, result);

const row = (name, w) => ({
  phase: name,
  heartbeats: w.heartbeats,
  accepted: w.accepted,
  'written+superseded': w.written + w.superseded,
  'lag p50 ≤ ms': w.processingMsP50,
  'lag p99 ≤ ms': w.processingMsP99,
  'Pulse CPU µs/hb': w.pulseCpuMicrosPerHeartbeat,
  'Redis CPU µs/hb': w.redisCpuMicrosPerHeartbeat,
  'presence API p50/p99 ms': `${w.presenceApi.msP50?.toFixed(1)} / ${w.presenceApi.msP99?.toFixed(1)} (${w.presenceApi.requests})`,
});
console.table([row('warm-up (first contact)', result.warmup), row(`steady ${plan.minutes} min`, result.steady)]);
console.log(
  `publisher: warm-up ${result.publisher.warmupRate}/s, steady ${steadyRate}/s (target ${result.targetRate}/s), late p99 ${published.lateMsP99} ms`,
);
console.log(
  `most heartbeats due but not yet taken by Pulse (5-s samples): ${result.behind.maxHeartbeats} (${result.behind.maxSeconds} s of traffic)`,
);
console.log(
  `Pulse peak RSS ${result.pulse.peakRssMb} MB; Redis ${result.redis.bytesPerClient} B/client (${result.redis.usedMbEnd} MB); offline transitions ${result.events.offline}; online events ${result.events.online}; presence at the end ${presence.online}/${presence.total} online`,
);
console.log(`node ${process.version}, load average ${result.loadAverage.join(' ')}; bench/results/${resultName}.json`);
if (result.failures.length > 0) {
  console.error(`\nmillion: FAILED:\n- ${result.failures.join('\n- ')}`);
  process.exit(1);
}
console.log('million: passed');
process.exit(0);
