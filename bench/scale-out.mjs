// Scale-out: 1, 2 and 3 Pulse instances in one queue group (each its own process, one key space),
// the same traffic each time (COUNT × 100-byte messages round-robin over TENANTS tenants from a
// separate publisher process), ROUNDS times. Per instance count: the total counting rate (first
// message anywhere to the last one counted anywhere), Pulse's CPU per message summed over the
// instances (user + system from the OS, from the start of publishing until Redis holds every
// count), each instance's share, and exactness: every tenant's stored total must equal what was
// published to it, neither less (lost) nor more (counted twice). Also the Redis server's CPU per
// message over the same interval (the flushes: one Lua call per tenant per instance per second).
// Usage: npm run build && node bench/scale-out.mjs [messages=2000000] [tenants=100] [rounds=2] [instances=1,2,3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { processCpuMs, publish, REDIS, redisPid, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 2_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 2);
const INSTANCES = (process.argv[5] ?? '1,2,3').split(',').map(Number);
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
// The publisher sends message i to tenant i % TENANTS.
const redis = new Redis(REDIS);
const redisServer = await redisPid(redis);
await redis.quit();
const expected = tenantIds.map((_, k) => Math.floor(COUNT / TENANTS) + (k < COUNT % TENANTS ? 1 : 0));

function startInstance(prefix, runId) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []),
      new URL('./ingest-subscriber.mjs', import.meta.url).pathname,
      'shared',
      prefix,
      tenantIds.join(','),
      String(COUNT),
      runId,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  let reported;
  const report = new Promise((resolve) => (reported = resolve));
  const ready = new Promise((resolve) =>
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) reported(JSON.parse(line));
    }),
  );
  const exited = new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`instance exited with ${code}`)))),
  );
  return { child, ready, report, exited };
}

async function measure(n) {
  const runId = randomBytes(3).toString('hex');
  const prefix = `scale${runId}`;
  const instances = Array.from({ length: n }, () => startInstance(prefix, runId));
  await Promise.all(instances.map((i) => i.ready));
  const redisCpuBefore = processCpuMs(redisServer);
  for (const i of instances) i.child.stdin.write('go\n');
  const publisher = await publish({ prefix, tenants: tenantIds, count: COUNT, rate: Number(process.env.RATE ?? 0) });
  const reports = await Promise.race([
    Promise.all(instances.map((i) => i.report)),
    Promise.all(instances.map((i) => i.exited)).then(() => {
      throw new Error('an instance exited without reporting');
    }),
  ]);
  for (const i of instances) i.child.stdin.write('stop\n');
  await Promise.all(instances.map((i) => i.exited));
  // Includes the instances' last 1.5 s check for late duplicates (a few idle flushes).
  const redisCpuMs = processCpuMs(redisServer) - redisCpuBefore;
  const firstAt = Math.min(...reports.filter((r) => r.firstAt).map((r) => r.firstAt));
  const lastAt = Math.max(...reports.filter((r) => r.lastAt).map((r) => r.lastAt));
  const perTenant = reports[0].perTenant;
  const wrongTenants = perTenant.filter((v, k) => v !== expected[k]).length;
  const cpuMs = reports.reduce((s, r) => s + r.cpuMs, 0);
  return {
    instances: n,
    rate: Math.round(COUNT / ((lastAt - firstAt) / 1000)),
    publisherRate: publisher.rate,
    cpuMicrosPerMessage: Number(((cpuMs * 1000) / COUNT).toFixed(3)),
    redisCpuMicrosPerMessage: Number(((redisCpuMs * 1000) / COUNT).toFixed(3)),
    shares: reports.map((r) => Number((r.received / COUNT).toFixed(3))),
    instanceCpuMs: reports.map((r) => Math.round(r.cpuMs)),
    seconds: (lastAt - firstAt) / 1000,
    received: reports.reduce((s, r) => s + r.received, 0),
    stored: reports[0].stored,
    wrongTenants,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const n of INSTANCES) {
    const row = await measure(n);
    rounds.push({ round: r + 1, ...row });
    console.log(JSON.stringify(rounds.at(-1)));
  }
}
const curve = INSTANCES.map((n) => {
  const mine = rounds.filter((r) => r.instances === n);
  return {
    instances: n,
    rate: range(mine.map((r) => r.rate)),
    cpuMicrosPerMessage: range(mine.map((r) => r.cpuMicrosPerMessage)),
    redisCpuMicrosPerMessage: range(mine.map((r) => r.redisCpuMicrosPerMessage)),
    exact: mine.every((r) => r.stored === COUNT && r.received === COUNT && r.wrongTenants === 0),
  };
});
writeResult('scale-out', { messages: COUNT, tenants: TENANTS, rounds, curve });
console.table(
  curve.map((c) => ({
    instances: c.instances,
    'msgs/s median (min–max)': `${c.rate.median} (${c.rate.min}–${c.rate.max})`,
    'CPU µs/msg, all instances': `${c.cpuMicrosPerMessage.median} (${c.cpuMicrosPerMessage.min}–${c.cpuMicrosPerMessage.max})`,
    'Redis CPU µs/msg': `${c.redisCpuMicrosPerMessage.median} (${c.redisCpuMicrosPerMessage.min}–${c.redisCpuMicrosPerMessage.max})`,
    exact: c.exact,
  })),
);
process.exit(curve.every((c) => c.exact) ? 0 : 1);
