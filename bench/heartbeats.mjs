// Heartbeat benchmark: 100,000 clients (10 tenants × 10,000, half of them enterprise) heartbeating through Pulse (built
// dist/, real NATS and Redis): the rate one instance sustains flat out, processing time (receipt
// to Redis write) at the protocol rate (one per client per 30 s) and at 10×, and the time one
// offline-detector pass takes to mark all 100,000 offline.
// Usage: npm run build && node bench/heartbeats.mjs [clientsPerTenant=10000] [tenants=10]
// (BENCH_REDIS=redis://127.0.0.1:<port> for a private redis-server: its CPU is then the bench's alone)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { NATS, processCpuMs, redisPid, rssSampler, startBenchPulse, writeResult } from './support.mjs';

const run = promisify(execFile);
const PER_TENANT = Number(process.argv[2] ?? 10_000);
const TENANT_COUNT = Number(process.argv[3] ?? 10);
const CLIENTS = PER_TENANT * TENANT_COUNT;
const runId = randomBytes(3).toString('hex');
const tenants = Array.from({ length: TENANT_COUNT }, (_, i) => `hb${runId}t${i}`);

const { HeartbeatService } = await import('../dist/heartbeat/heartbeat.service.js');
const { PresenceWriter } = await import('../dist/heartbeat/presence-writer.js');
const { OfflineDetector } = await import('../dist/heartbeat/offline-detector.job.js');
const { PresenceRepository } = await import('../dist/heartbeat/presence.repository.js');
const { TenantDirectory } = await import('../dist/tenants/tenant-directory.js');
const { percentile } = await import('../dist/common/latency-histogram.js');
const { NatsStatus } = await import('../dist/nats/nats-status.js');

// The bench runs the offline detector itself.
const rss = rssSampler();
const bench = await startBenchPulse({
  runId,
  tenants,
  // Half the tenants enterprise: their heartbeats also keep per-client behaviour (client-day
  // counters, traffic ranking, clients-seen HyperLogLog), the costliest path.
  tier: (_t, i) => (i % 2 === 0 ? 'professional' : 'enterprise'),
  subjectPrefix: `bench${runId}`,
  // The detector judges only after NATS has been connected for one timeout (it pauses after a
  // reconnect); a short timeout lets the pass at the end run without waiting 90 s.
  overrides: { offlineCheckIntervalMs: 3_600_000, heartbeatTimeoutMs: 5_000 },
});
const { app, options } = bench;
const redisServer = await redisPid(bench.redis);
const heartbeats = app.get(HeartbeatService);
const writer = app.get(PresenceWriter);
while (tenants.some((t) => !app.get(TenantDirectory).get(t))) await new Promise((r) => setTimeout(r, 20));

// Idle cost: Pulse's and Redis' CPU per second with no heartbeats (timers, flush ticks, polling),
// subtracted from each phase's CPU for the net-of-idle figures.
const IDLE_SECONDS = 5;
const idleCpuBefore = process.cpuUsage();
const idleRedisBefore = processCpuMs(redisServer);
await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
const idleCpu = process.cpuUsage(idleCpuBefore);
/** Microseconds of CPU per second idle: Pulse (this process), Redis. */
const idle = {
  pulse: (idleCpu.user + idleCpu.system) / IDLE_SECONDS,
  redis: ((processCpuMs(redisServer) - idleRedisBefore) * 1000) / IDLE_SECONDS,
};

async function phase(name, rate, rounds) {
  const phaseRss = rssSampler();
  const acceptedBefore = heartbeats.stats().accepted;
  const writtenBefore = writer.snapshot().written;
  const supersededBefore = writer.snapshot().superseded;
  const histogramBefore = writer.processingHistogram();
  // CPU of this process only (Pulse, plus this loop's 10 ms polling): the publisher is a child.
  const cpuBefore = process.cpuUsage();
  const redisCpuBefore = processCpuMs(redisServer);
  const started = performance.now();
  const { stdout } = await run(process.execPath, [
    'bench/heartbeat-publisher.mjs',
    NATS,
    tenants.join(','),
    String(PER_TENANT),
    String(rate),
    String(rounds),
  ]);
  const pub = JSON.parse(stdout.trim());
  // Done when every heartbeat is accepted and written, or when nothing moved for 10 s (then the
  // difference is reported as lost: the NATS server drops messages for a slow consumer). Not
  // sooner: a writer behind by a few seconds would carry one phase's writes, and their Redis CPU,
  // into the next.
  let last = -1;
  let quietSince = performance.now();
  let finishedAt = performance.now();
  for (;;) {
    const now = performance.now();
    const progress = heartbeats.stats().accepted + writer.snapshot().written;
    if (progress !== last) {
      last = progress;
      quietSince = now;
      finishedAt = now;
    }
    const w = writer.snapshot();
    if (
      heartbeats.stats().accepted - acceptedBefore >= pub.sent &&
      w.pending === 0 &&
      w.written - writtenBefore + w.superseded - supersededBefore >= pub.sent
    )
      break;
    if (now - quietSince > 10_000) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (finishedAt - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpuMs = processCpuMs(redisServer) - redisCpuBefore;
  const snapshot = writer.snapshot();
  const histogram = writer.processingHistogram().map((n, i) => n - histogramBefore[i]);
  return {
    phase: name,
    targetRate: rate || 'max',
    sent: pub.sent,
    publisherRate: pub.rate,
    accepted: heartbeats.stats().accepted - acceptedBefore,
    written: snapshot.written - writtenBefore,
    superseded: snapshot.superseded - supersededBefore,
    processedPerSecond: Math.round(pub.sent / seconds),
    cpuMicrosPerHeartbeat: Number(((cpu.user + cpu.system) / pub.sent).toFixed(2)),
    redisCpuMicrosPerHeartbeat: Number(((redisCpuMs * 1000) / pub.sent).toFixed(2)),
    netCpuMicrosPerHeartbeat: Number(((cpu.user + cpu.system - idle.pulse * seconds) / pub.sent).toFixed(2)),
    netRedisCpuMicrosPerHeartbeat: Number(((redisCpuMs * 1000 - idle.redis * seconds) / pub.sent).toFixed(2)),
    processingMsP50: Number(percentile(histogram, 0.5).toFixed(1)),
    processingMsP99: Number(percentile(histogram, 0.99).toFixed(1)),
    peakRssMb: phaseRss.stop(),
  };
}

const results = [];
// Realistic phases first (RSS only grows within a process): first contact at the protocol rate,
// steady protocol rate, 10×; then flat out, a burst far beyond any protocol rate.
results.push(await phase('protocol rate, first contact (1 / client / 30 s)', Math.round(CLIENTS / 30), 1));
results.push(await phase('protocol rate (1 / client / 30 s)', Math.round(CLIENTS / 30), 1));
results.push(await phase('10× protocol rate', Math.round((CLIENTS / 30) * 10), 2));
results.push(await phase('flat out (known clients)', 0, 1));

const online = (await Promise.all(tenants.map((t) => app.get(PresenceRepository).summary(t)))).reduce(
  (n, s) => n + s.online,
  0,
);
const detector = app.get(OfflineDetector);
while (app.get(NatsStatus).connectedFor(Date.now()) < options.heartbeatTimeoutMs) {
  await new Promise((r) => setTimeout(r, 100));
}
const detectorCpu = process.cpuUsage();
const pass = await detector.run(Date.now() + options.heartbeatTimeoutMs + 1000);
const detectorCpuUsed = process.cpuUsage(detectorCpu);
const detectorCpuMs = Math.round((detectorCpuUsed.user + detectorCpuUsed.system) / 1000);
if (pass?.paused || !pass) throw new Error(`the offline detector did not run (${JSON.stringify(pass)})`);
const offline = (await Promise.all(tenants.map((t) => app.get(PresenceRepository).summary(t)))).reduce(
  (n, s) => n + s.offline,
  0,
);

// What a SIGKILL now would lose: enterprise per-client figures held in memory (builds that add
// them up, #37), and since when; bench.stop() (a SIGTERM's shutdown) writes them.
const { activityHeld, activityHeldForMs } = writer.snapshot();
const peakRssMb = rss.stop();
console.log(`peak heap used ${rss.peakHeapMb()} MB, peak RSS ${peakRssMb} MB`);
await bench.stop();

const result = {
  clients: CLIENTS,
  peakRssMb,
  idleCpuMicrosPerSecond: { pulse: Math.round(idle.pulse), redis: Math.round(idle.redis) },
  phases: results,
  detector: {
    onlineBefore: online,
    markedOffline: pass?.markedOffline,
    offlineAfter: offline,
    durationMs: Math.round(pass?.durationMs ?? -1),
    cpuMs: detectorCpuMs,
  },
  activityHeldAtEnd: activityHeld === undefined ? undefined : { clients: activityHeld, sinceMs: activityHeldForMs },
};
writeResult('heartbeats', result);
console.table(results);
console.log(
  `offline detector: ${result.detector.markedOffline} of ${online} clients marked offline in ${result.detector.durationMs} ms`,
);
if (result.activityHeldAtEnd)
  console.log(
    `held in memory at the end (a SIGKILL would lose them): ${activityHeld} clients' figures of the last ${activityHeldForMs} ms`,
  );
process.exit(0);
