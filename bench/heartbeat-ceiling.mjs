// What this machine leaves for Pulse and Redis at a flat-out heartbeat rate (#37 scope 2): the
// benchmarks' heartbeat publisher (bench/heartbeat-publisher.mjs, its own process) sends HEARTBEATS
// heartbeats as fast as NATS takes them to a nats-server of the run's own, read by a bare
// `@nats-io/transport-node` subscriber (its own process: `count` only counts them, `parse` also
// decodes and JSON-parses each body, the least any consumer of them does). Reported per run: the
// rate the subscriber received (first to last message), and the CPU per heartbeat of the
// publisher, the nats-server and the subscriber. Modes alternate, ROUNDS of each, in one run.
// HEARTBEATS is rounded up to whole rounds of the publisher (5 tenants × 10,000 clients = 50,000).
// Usage: node bench/heartbeat-ceiling.mjs [HEARTBEATS=500000] [ROUNDS=3]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { startPrivateNats } from './private-servers.mjs';
import { processCpuMs, writeResult } from './process-stats.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
const heartbeats = arg('HEARTBEATS', 500_000);
const rounds = arg('ROUNDS', 3);
const tenants = ['t1', 't2', 't3', 't4', 't5'];
const perRound = Math.ceil(heartbeats / (tenants.length * 10_000));
const total = tenants.length * 10_000 * perRound;

/** Runs `script` with `args` under this Node; resolves to its last line of output, parsed. */
async function run(script, args, onLine) {
  const child = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    onLine?.(out);
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${script} exited ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

const nats = await startPrivateNats();
const results = [];
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['count', 'parse']) {
      let ready;
      const subscribed = new Promise((resolve) => (ready = resolve));
      const subscriber = run('./heartbeat-ceiling-subscriber.mjs', [nats.url, String(total), mode], (out) => {
        if (out.startsWith('ready')) ready();
      });
      await subscribed;
      const natsCpu = processCpuMs(nats.pid);
      const publisher = await run('./heartbeat-publisher.mjs', [
        nats.url,
        tenants.join(','),
        '10000',
        '0',
        String(perRound),
      ]);
      const received = await subscriber;
      const natsMicros = ((processCpuMs(nats.pid) - natsCpu) * 1000) / total;
      const row = {
        mode,
        heartbeats: total,
        receivedPerSecond: received.rate,
        cpuMicrosPerHeartbeat: {
          publisher: publisher.cpuMicrosPerHeartbeat,
          natsServer: Number(natsMicros.toFixed(2)),
          subscriber: received.cpuMicrosPerHeartbeat,
        },
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await nats.stop();
}
console.log(
  `node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
writeResult('heartbeat-ceiling', { node: process.version, loadavg: loadavg(), results });
