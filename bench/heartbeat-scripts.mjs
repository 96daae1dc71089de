// The presence scripts alone against a Redis (BENCH_REDIS; a private server, so its CPU is this
// case's): PresenceRepository.applyHeartbeats in batches as the writer makes them, for CLIENTS
// clients of a professional tenant and of an enterprise one (per-client behaviour tracked), first
// contact then ROUNDS steady rounds (30 s apart on the clients' clocks, status unchanged,
// counters growing); then (builds that add up the enterprise per-client figures in Pulse) the
// write of those figures, per client written; then one offline pass over all of them. Reports Redis CPU and this
// process's CPU (encoding calls, reading replies) per heartbeat, and the offline pass' time.
// Usage: npm run build && BENCH_REDIS=redis://127.0.0.1:<port> node bench/heartbeat-scripts.mjs [clients=10000] [rounds=3]
// DIST=<a build's dist/ directory> measures another build (an earlier commit's, for before → after).
// CALLGRIND=<directory>: the Redis server runs under `valgrind --tool=callgrind
// --callgrind-out-file=<directory>/callgrind.out.%p`; each figure then also has the server's
// instructions per heartbeat (zeroed and dumped around it with callgrind_control): repeatable
// where CPU time on a shared machine is not.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { processCpuMs, redisPid, REDIS } from './support.mjs';

const CLIENTS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const dist = process.env.DIST ?? new URL('../dist/', import.meta.url).pathname;
const { PresenceRepository } = await import(`${dist}/heartbeat/presence.repository.js`);
const { HEARTBEATS_PER_CALL } = await import(`${dist}/heartbeat/presence-writer.js`);
const { RedisKeys } = await import(`${dist}/redis/redis-keys.js`);
const { TenantFence } = await import(`${dist}/redis/tenant-fence.js`);
const { RETENTION } = await import(`${dist}/common/retention.js`);
const { connectRedis } = await import(`${dist}/redis/redis-client.js`);
// Builds that add up the enterprise per-client figures in Pulse (#37) return them from the
// heartbeat call and write them apart: the bench adds them up as the writer does and measures
// that write on its own (per client written; the writer does it every few minutes).
const activityModule = await import(`${dist}/heartbeat/client-activity.js`).catch(() => null);
const activity = activityModule ? new activityModule.ClientActivityBuffer() : null;

const prefix = `pulse-bench-hbs-${randomBytes(3).toString('hex')}`;
const keys = new RedisKeys(prefix);
// No command timeout to speak of: a server under callgrind runs some 50 times slower.
const redis = await connectRedis({ url: REDIS, keyPrefix: prefix, connectTimeoutMs: 3000, commandTimeoutMs: 600_000 });
const admin = new Redis(REDIS);
const redisServer = await redisPid(admin);
const store = new PresenceRepository(redis, keys, new TenantFence(redis, keys), null);
const tenants = [
  { id: 'pro', tracking: { enabled: false, heartbeatTimeoutMs: 90_000 } },
  { id: 'ent', tracking: { enabled: true, heartbeatTimeoutMs: 90_000 } },
];
for (const t of tenants)
  await admin.hset(keys.tenant(t.id), { id: t.id, tier: t.tracking.enabled ? 'enterprise' : 'professional' });

const start = Date.now() - (ROUNDS + 2) * 30_000;
async function round(r, only = tenants) {
  const receivedAt = start + r * 30_000;
  const calls = [];
  for (const t of only) {
    for (let from = 0; from < CLIENTS; from += HEARTBEATS_PER_CALL) {
      const batch = [];
      for (let c = from; c < Math.min(CLIENTS, from + HEARTBEATS_PER_CALL); c++) {
        const heartbeat = {
          tenantId: t.id,
          clientId: `c${c}`,
          status: c % 10 === 0 ? 'degraded' : 'healthy',
          timestamp: receivedAt,
          sent: r * 10,
          received: r * 20,
          errors: r,
          uptimeSeconds: r * 30,
        };
        batch.push({ heartbeat, receivedAt: receivedAt + (c % 100) });
      }
      calls.push(
        store.applyHeartbeats(t.id, batch, RETENTION.enterprise, t.tracking).then((applied) => {
          const a = applied.activity ?? [];
          for (let i = 0; i + 4 < a.length; i += 5)
            activity.add(t.id, applied.day, batch[a[i]].heartbeat.clientId, [a[i + 1], a[i + 2], a[i + 3], a[i + 4]]);
        }),
      );
    }
  }
  await Promise.all(calls);
}

const CALLGRIND = process.env.CALLGRIND;
/** Instructions the Redis server ran since the last call (callgrind), or undefined without CALLGRIND. */
function redisInstructions() {
  if (!CALLGRIND) return undefined;
  const dumped = new Set(readdirSync(CALLGRIND));
  execFileSync('callgrind_control', ['-d', String(redisServer)], { stdio: 'ignore' });
  const file = readdirSync(CALLGRIND).find((f) => !dumped.has(f));
  if (!file) return undefined;
  const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(`${CALLGRIND}/${file}`, 'utf8'));
  return totals ? Number(totals[1]) : undefined;
}

function measure() {
  redisInstructions();
  const cpu = process.cpuUsage();
  const redisBefore = processCpuMs(redisServer);
  const started = performance.now();
  return (heartbeats) => ({
    heartbeats,
    redisInstructionsPerHeartbeat: CALLGRIND ? Math.round(redisInstructions() / heartbeats) : undefined,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    redisMicrosPerHeartbeat: Number((((processCpuMs(redisServer) - redisBefore) * 1000) / heartbeats).toFixed(2)),
    clientMicrosPerHeartbeat: Number(
      ((process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / heartbeats).toFixed(2),
    ),
  });
}

const total = CLIENTS * tenants.length;
let done = measure();
await round(0);
const firstContact = done(total);
// Steady rounds, each tenant on its own: without and with per-client behaviour tracking.
const steady = {};
for (const t of tenants) {
  done = measure();
  for (let r = 1; r <= ROUNDS; r++) await round(r, [t]);
  steady[t.tracking.enabled ? 'tracked' : 'untracked'] = done(CLIENTS * ROUNDS);
}
// The added-up figures of the first contact and the steady rounds, written as the writer writes them.
let activityWrite;
if (activity) {
  const { ACTIVITY_CLIENTS_PER_CALL } = await import(`${dist}/heartbeat/presence.repository.js`);
  const held = activity.take();
  done = measure();
  let clients = 0;
  const calls = [];
  for (const part of held) {
    const entries = [...part.clients];
    for (let i = 0; i < entries.length; i += ACTIVITY_CLIENTS_PER_CALL) {
      const slice = new Map(entries.slice(i, i + ACTIVITY_CLIENTS_PER_CALL));
      clients += slice.size;
      calls.push(store.addClientActivity({ ...part, clients: slice }, RETENTION.enterprise));
    }
  }
  await Promise.all(calls);
  // "heartbeats" here: clients written.
  activityWrite = done(clients);
}

// One offline pass over every client, as the detector's pass makes its calls (without lock or events).
done = measure();
const passStarted = performance.now();
let marked = 0;
for (const t of tenants) {
  const cutoff = Date.now();
  if (store.markExpired) {
    for (;;) {
      const m = await store.markExpired(t.id, cutoff, Date.now(), 1000, RETENTION.enterprise, t.tracking);
      marked += m.length;
      if (m.length < 1000) break;
    }
  } else {
    for (;;) {
      const expired = await store.expiredClients(t.id, cutoff, 500);
      if (expired.length === 0) break;
      const m = await store.markOffline(t.id, expired, cutoff, Date.now(), RETENTION.enterprise, t.tracking);
      marked += m.length;
      if (expired.length < 500 || m.length === 0) break;
    }
  }
}
const offline = { ...done(marked), passMs: Math.round(performance.now() - passStarted) };

const result = {
  dist,
  clientsPerTenant: CLIENTS,
  heartbeatsPerCall: HEARTBEATS_PER_CALL,
  firstContact,
  steady,
  activityWrite,
  offline,
};
console.log(JSON.stringify(result));
let cursor = '0';
do {
  const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
  cursor = next;
  if (found.length) await admin.unlink(...found);
} while (cursor !== '0');
admin.disconnect();
redis.disconnect();
process.exit(0);
