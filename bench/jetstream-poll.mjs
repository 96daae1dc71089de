// What the JetStream poll costs (issue #33): TENANTS tenants × STREAMS streams × CONSUMERS
// consumers (memory storage, a few messages each, half the consumers with some acknowledged) on a
// private nats-server with JetStream (never the shared one), polled by Pulse's own JetStreamPoller
// (built from dist/) POLLS times, with a few messages published between polls so pending moves.
// Reports per poll the wall time, the CPU of this process (Pulse and its NATS client: what a Pulse
// instance pays) and of the nats-server, and then the Redis memory of the JetStream keys
// (MEMORY USAGE of every key of the run, by kind). Enterprise tenants: history is written too.
// Usage: npm run build && node bench/jetstream-poll.mjs [TENANTS=100] [STREAMS=20] [CONSUMERS=10] [POLLS=3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { processCpuMs, startBenchPulse, writeResult } from './support.mjs';

const [TENANTS = 100, STREAMS = 20, CONSUMERS = 10, POLLS = 3] = process.argv.slice(2).map(Number);
const { JetStreamPoller } = await import('../dist/jetstream/jetstream.poller.js');

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Runs `work` over `items`, `n` at a time. */
async function pool(items, n, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'pulse-js-bench-'));
writeFileSync(join(dir, 'nats.conf'), `jetstream { store_dir: "${dir}/js", max_memory_store: 4GB }\n`);
// A port of the OS's choosing (-1), which the server writes to its ports file.
const server = spawn(
  'nats-server',
  ['-a', '127.0.0.1', '-p', '-1', '-c', join(dir, 'nats.conf'), '--ports_file_dir', dir],
  {
    stdio: 'ignore',
  },
);
const portsFile = join(dir, `nats-server_${server.pid}.ports`);
for (let i = 0; i < 100 && !existsSync(portsFile); i++) await new Promise((r) => setTimeout(r, 100));
const url = JSON.parse(readFileSync(portsFile, 'utf8')).nats[0];
const nc = await connect({ servers: url });
const runId = randomBytes(3).toString('hex');
const tenants = Array.from({ length: TENANTS }, (_, i) => `jsb${runId}t${i}`);
let pulse;
try {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const setupStart = performance.now();
  const streams = tenants.flatMap((t) => Array.from({ length: STREAMS }, (_, s) => ({ t, name: `${t}_s${s}` })));
  await pool(streams, 32, async ({ t, name }) => {
    await jsm.streams.add({ name, subjects: [`tenant.${t}.${name}.>`], storage: StorageType.Memory, max_msgs: 10_000 });
    for (let c = 0; c < CONSUMERS; c++) {
      await jsm.consumers.add(name, {
        durable_name: `c${c}`,
        ack_policy: AckPolicy.Explicit,
        mem_storage: true,
        ...(c % 2 === 1 && { deliver_subject: `deliver.${name}.c${c}` }),
      });
    }
    for (let m = 0; m < 5; m++) await js.publish(`tenant.${t}.${name}.x`, 'payload');
  });
  const setupSeconds = (performance.now() - setupStart) / 1000;

  pulse = await startBenchPulse({
    runId: `js-${runId}`,
    tenants,
    tier: 'enterprise',
    subjectPrefix: 'tenant',
    overrides: {
      nats: { servers: [url], queueGroup: `bench-js-${runId}`, connectTimeoutMs: 3000 },
      jetstream: { enabled: true, pollIntervalMs: 3_600_000, maxStreamsPerTenant: 100, maxConsumersPerTenant: 100 },
    },
  });
  const poller = pulse.app.get(JetStreamPoller);
  const polls = [];
  for (let p = 0; p < POLLS; p++) {
    // Some traffic between polls, so pending and rates move.
    await pool(streams.slice(0, 200), 32, ({ t, name }) => js.publish(`tenant.${t}.${name}.x`, 'more'));
    const cpu0 = ownCpuMs();
    const srv0 = processCpuMs(server.pid);
    const t0 = performance.now();
    const result = await poller.run();
    polls.push({
      wallMs: Math.round(performance.now() - t0),
      pulseCpuMs: Math.round(ownCpuMs() - cpu0),
      natsServerCpuMs: Math.round(processCpuMs(server.pid) - srv0),
      ...result,
    });
    console.error(`poll ${p + 1}: ${JSON.stringify(polls.at(-1))}`);
  }

  // Redis memory of the run's JetStream keys, by kind.
  const prefix = pulse.options.redis.keyPrefix;
  const byKind = new Map();
  let cursor = '0';
  do {
    const [next, found] = await pulse.redis.scan(cursor, 'MATCH', `${prefix}:*js:*`, 'COUNT', 5000);
    cursor = next;
    for (const key of found) {
      const kind = /:js:([a-z]+)/.exec(key)?.[1] ?? 'other';
      const bytes = Number(await pulse.redis.memory('USAGE', key, 'SAMPLES', '0'));
      const k = byKind.get(kind) ?? { keys: 0, bytes: 0 };
      byKind.set(kind, { keys: k.keys + 1, bytes: k.bytes + bytes });
    }
  } while (cursor !== '0');
  const memory = Object.fromEntries([...byKind].sort((a, b) => b[1].bytes - a[1].bytes));
  const totalBytes = [...byKind.values()].reduce((s, k) => s + k.bytes, 0);
  const result = writeResult('jetstream-poll', {
    tenants: TENANTS,
    streamsPerTenant: STREAMS,
    consumersPerStream: CONSUMERS,
    setupSeconds: +setupSeconds.toFixed(1),
    polls,
    redis: { totalKiB: Math.round(totalBytes / 1024), byKind: memory },
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await pulse?.stop();
  await nc.close();
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
