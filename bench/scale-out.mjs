// Scale-out: Pulse instances in one queue group (each its own process, one key space), the same
// traffic each time (COUNT × 100-byte messages round-robin over TENANTS tenants from a separate
// publisher process), ROUNDS times, for each LAYOUT: `N` is one shard of N instances, `SxI` is
// S tenant shards (PULSE_SHARDS) of I instances each, instance k being shard k mod S. Per layout:
// the total counting rate (first message anywhere to the last one counted anywhere), Pulse's CPU
// per message summed over the instances (user + system from the OS, from the start of publishing
// until Redis holds every count), each instance's share, and exactness: every tenant's stored
// total must equal what was published to it, neither less (lost) nor more (counted twice). Also
// the Redis server's CPU per message over the same interval, the flush's writes (one Lua call per
// tenant per instance per flush: HistoryWriter.apply, counted in each instance; in all and per
// second of traffic) and the Lua calls Redis served over the interval (INFO commandstats: evalsha +
// eval, the flushes and any job's scripts; per second of the interval) with the time Redis says it
// spent in them and in all commands, per message (its clock inside each command: wall time, which
// grows when the OS takes the core from Redis on a busy machine; its CPU time above does not).
// With a sharded layout (or PRIVATE_REDIS=1; PRIVATE_REDIS=0 never) the case starts its own
// redis-server (no persistence, like the machine's) on a free port, so that the Redis CPU and
// command counts are this case's alone on a shared machine. RATE (msgs/s; 0: flat out) paces the
// publisher, so that every layout gets the same traffic over the same time.
// Usage: npm run build && node bench/scale-out.mjs [messages=2000000] [tenants=100] [rounds=2] [layouts=1,2,3] [rate=0]
//   e.g. node bench/scale-out.mjs 2000000 100 3 1x3,3x1 100000   (writes scale-out-shards.json)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { processCpuMs, publish, REDIS, redisPid, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 2_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 2);
const LAYOUTS = (process.argv[5] ?? '1,2,3').split(',').map((spec) => {
  const [shards, instances] = spec.includes('x') ? spec.split('x').map(Number) : [1, Number(spec)];
  return { shards, perShard: instances, instances: shards * instances, label: `${shards}x${instances}` };
});
const SHARDED = LAYOUTS.some((l) => l.shards > 1);
const RATE = Number(process.argv[6] ?? process.env.RATE ?? 0);
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
// The publisher sends message i to tenant i % TENANTS.
const expected = tenantIds.map((_, k) => Math.floor(COUNT / TENANTS) + (k < COUNT % TENANTS ? 1 : 0));

/** A redis-server of this case's own (PRIVATE_REDIS=1): { url, pid, stop() }. */
async function privateRedis() {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  // Ready once it answers PING (ioredis retries the connection meanwhile).
  const probe = new Redis(url, { retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  await probe.ping();
  probe.disconnect();
  return {
    url,
    pid: child.pid,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ownRedis =
  process.env.PRIVATE_REDIS === '1' || (SHARDED && process.env.PRIVATE_REDIS !== '0') ? await privateRedis() : null;
const redisUrl = ownRedis?.url ?? REDIS;
const redis = new Redis(redisUrl);
const redisServer = ownRedis?.pid ?? (await redisPid(redis));

/**
 * Lua calls Redis has served so far and the microseconds it spent in them, by its own account
 * (INFO commandstats: evalsha and eval), and in every command.
 */
async function commandStats() {
  const stats = await redis.info('commandstats');
  const total = { calls: 0, usec: 0, allUsec: 0 };
  for (const [, command, calls, usec] of stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/g)) {
    total.allUsec += Number(usec);
    if (command === 'evalsha' || command === 'eval') {
      total.calls += Number(calls);
      total.usec += Number(usec);
    }
  }
  return total;
}

function startInstance(prefix, runId, shard) {
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
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_REDIS: redisUrl, SHARDS: String(shard.count), SHARD: String(shard.index) },
    },
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

async function measure(layout) {
  const runId = randomBytes(3).toString('hex');
  const prefix = `scale${runId}`;
  const instances = Array.from({ length: layout.instances }, (_, k) =>
    startInstance(prefix, runId, { count: layout.shards, index: k % layout.shards }),
  );
  await Promise.all(instances.map((i) => i.ready));
  const redisCpuBefore = processCpuMs(redisServer);
  const statsBefore = await commandStats();
  const goAt = performance.now();
  for (const i of instances) i.child.stdin.write('go\n');
  const publisher = await publish({ prefix, tenants: tenantIds, count: COUNT, rate: RATE });
  const reports = await Promise.race([
    Promise.all(instances.map((i) => i.report)),
    Promise.all(instances.map((i) => i.exited)).then(() => {
      throw new Error('an instance exited without reporting');
    }),
  ]);
  // Includes the instances' last 1.5 s check for late duplicates (a few idle flushes, which write nothing).
  const seconds = (performance.now() - goAt) / 1000;
  const redisCpuMs = processCpuMs(redisServer) - redisCpuBefore;
  const statsAfter = await commandStats();
  const lua = statsAfter.calls - statsBefore.calls;
  const luaUsec = statsAfter.usec - statsBefore.usec;
  const commandUsec = statsAfter.allUsec - statsBefore.allUsec;
  for (const i of instances) i.child.stdin.write('stop\n');
  await Promise.all(instances.map((i) => i.exited));
  const firstAt = Math.min(...reports.filter((r) => r.firstAt).map((r) => r.firstAt));
  const lastAt = Math.max(...reports.filter((r) => r.lastAt).map((r) => r.lastAt));
  const perTenant = reports[0].perTenant;
  const wrongTenants = perTenant.filter((v, k) => v !== expected[k]).length;
  const cpuMs = reports.reduce((s, r) => s + r.cpuMs, 0);
  const flushWrites = reports.reduce((s, r) => s + r.flushWrites, 0);
  return {
    layout: layout.label,
    shards: layout.shards,
    instances: layout.instances,
    rate: Math.round(COUNT / ((lastAt - firstAt) / 1000)),
    publisherRate: publisher.rate,
    cpuMicrosPerMessage: Number(((cpuMs * 1000) / COUNT).toFixed(3)),
    redisCpuMicrosPerMessage: Number(((redisCpuMs * 1000) / COUNT).toFixed(3)),
    redisCpuMs: Math.round(redisCpuMs),
    flushWrites,
    // Per second of traffic (first message counted to the last): each instance writes each tenant it
    // counted once per flush interval while messages flow.
    flushWritesPerSecond: Math.round(flushWrites / ((lastAt - firstAt) / 1000)),
    luaCalls: lua,
    luaCallsPerSecond: Math.round(lua / seconds),
    // Redis' own clock of the time in those calls, and in every command (INFO commandstats: wall time).
    luaMicrosPerMessage: Number((luaUsec / COUNT).toFixed(4)),
    luaMicrosPerCall: Number((luaUsec / Math.max(1, lua)).toFixed(1)),
    commandMicrosPerMessage: Number((commandUsec / COUNT).toFixed(4)),
    shares: reports.map((r) => Number((r.received / COUNT).toFixed(3))),
    instanceCpuMs: reports.map((r) => Math.round(r.cpuMs)),
    instanceFlushWrites: reports.map((r) => r.flushWrites),
    seconds: (lastAt - firstAt) / 1000,
    measuredSeconds: Number(seconds.toFixed(3)),
    received: reports.reduce((s, r) => s + r.received, 0),
    stored: reports[0].stored,
    wrongTenants,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const rounds = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const layout of LAYOUTS) {
      const row = await measure(layout);
      rounds.push({ round: r + 1, ...row });
      console.log(JSON.stringify(rounds.at(-1)));
    }
  }
} finally {
  redis.disconnect();
  ownRedis?.stop();
}
const curve = LAYOUTS.map((layout) => {
  const mine = rounds.filter((r) => r.layout === layout.label);
  return {
    layout: layout.label,
    shards: layout.shards,
    instances: layout.instances,
    rate: range(mine.map((r) => r.rate)),
    cpuMicrosPerMessage: range(mine.map((r) => r.cpuMicrosPerMessage)),
    redisCpuMicrosPerMessage: range(mine.map((r) => r.redisCpuMicrosPerMessage)),
    flushWritesPerSecond: range(mine.map((r) => r.flushWritesPerSecond)),
    flushWrites: range(mine.map((r) => r.flushWrites)),
    luaCallsPerSecond: range(mine.map((r) => r.luaCallsPerSecond)),
    luaMicrosPerMessage: range(mine.map((r) => r.luaMicrosPerMessage)),
    luaMicrosPerCall: range(mine.map((r) => r.luaMicrosPerCall)),
    commandMicrosPerMessage: range(mine.map((r) => r.commandMicrosPerMessage)),
    exact: mine.every((r) => r.stored === COUNT && r.received === COUNT && r.wrongTenants === 0),
  };
});
writeResult(SHARDED ? 'scale-out-shards' : 'scale-out', {
  messages: COUNT,
  tenants: TENANTS,
  rate: RATE,
  redis: ownRedis ? 'private' : 'shared',
  rounds,
  curve,
});
const span = (r) => `${r.median} (${r.min}–${r.max})`;
console.table(
  curve.map((c) => ({
    'shards × instances': `${c.shards} × ${c.instances / c.shards}`,
    'msgs/s median (min–max)': span(c.rate),
    'CPU µs/msg, all instances': span(c.cpuMicrosPerMessage),
    'Redis CPU µs/msg': span(c.redisCpuMicrosPerMessage),
    'flush writes': span(c.flushWrites),
    'flush writes/s': span(c.flushWritesPerSecond),
    'Lua calls/s': span(c.luaCallsPerSecond),

    exact: c.exact,
  })),
);
process.exit(curve.every((c) => c.exact) ? 0 : 1);
