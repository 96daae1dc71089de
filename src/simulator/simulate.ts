import { connect } from '@nats-io/transport-node';
import { parseArgs } from 'node:util';
import { Simulation, type SimulationOptions } from './simulation.js';

const HELP = `Usage: npm run simulate -- [options]

Realistic tenant traffic through the Pulse client SDK.

  --nats URL            NATS server (default nats://127.0.0.1:4222)
  --tenants N           tenants sim-0 … sim-(N-1) (default 5)
  --tenant-ids a,b,c    these tenant ids instead of --tenants
  --clients N           clients in all, spread over the tenants (default 200)
  --rate N              messages per second over all tenants (default 2000)
  --duration S          stop after S seconds; 0 runs until Ctrl-C (default 60)
  --subjects N          subjects per tenant, skewed (Zipf-like) (default 8)
  --payload BYTES       message size (default 200)
  --errors F            fraction of messages whose client reports an error (default 0.01)
  --degraded F          fraction of clients degraded at a time (default 0.1)
  --unhealthy F         fraction of clients unhealthy at a time (default 0.03)
  --flap F              fraction of clients that vanish every 20 s and come back later (default 0.02)
  --spike TENANT        that tenant bursts to 10x its traffic …
  --spike-at S          … S seconds after start (default 20) …
  --spike-seconds S     … for S seconds (default 30)
  --heartbeat-interval S  seconds between heartbeats (default 30, the protocol's)
  --prefix P            tenant subject prefix (default tenant)
  --quiet               no progress line
  --help                this text
`;

function number(
  value: string | undefined,
  name: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nats: { type: 'string' },
      tenants: { type: 'string' },
      'tenant-ids': { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      subjects: { type: 'string' },
      payload: { type: 'string' },
      errors: { type: 'string' },
      degraded: { type: 'string' },
      unhealthy: { type: 'string' },
      flap: { type: 'string' },
      spike: { type: 'string' },
      'spike-at': { type: 'string' },
      'spike-seconds': { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      prefix: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const tenants = values['tenant-ids']
    ? values['tenant-ids']
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : Array.from({ length: number(values.tenants, 'tenants', 5, { min: 1, max: 10_000 }) }, (_, i) => `sim-${i}`);
  const options: SimulationOptions = {
    tenants,
    clients: number(values.clients, 'clients', 200, { min: 1, max: 1_000_000 }),
    rate: number(values.rate, 'rate', 2000, { max: 10_000_000 }),
    subjectsPerTenant: number(values.subjects, 'subjects', 8, { min: 1, max: 10_000 }),
    payloadBytes: number(values.payload, 'payload', 200, { max: 1_000_000 }),
    errorRate: number(values.errors, 'errors', 0.01, { max: 1 }),
    degraded: number(values.degraded, 'degraded', 0.1, { max: 1 }),
    unhealthy: number(values.unhealthy, 'unhealthy', 0.03, { max: 1 }),
    flap: number(values.flap, 'flap', 0.02, { max: 1 }),
    heartbeatIntervalMs: number(values['heartbeat-interval'], 'heartbeat-interval', 30, { min: 0.1, max: 3600 }) * 1000,
    spikeTenant: values.spike,
    spikeAtSeconds: number(values['spike-at'], 'spike-at', 20),
    spikeSeconds: number(values['spike-seconds'], 'spike-seconds', 30),
    subjectPrefix: values.prefix ?? 'tenant',
  };
  const duration = number(values.duration, 'duration', 60);
  const nc = await connect({
    servers: (values.nats ?? 'nats://127.0.0.1:4222').split(','),
    maxReconnectAttempts: -1,
    name: 'pulse-simulator',
  });
  const simulation = new Simulation(nc, options);
  simulation.start();
  console.log(
    `simulating ${tenants.length} tenant(s) [${tenants.slice(0, 5).join(', ')}${tenants.length > 5 ? ', …' : ''}], ` +
      `${options.clients} clients, ${options.rate} msgs/s${options.spikeTenant ? `, spike on ${options.spikeTenant}` : ''}` +
      `${duration ? ` for ${duration} s` : ' until Ctrl-C'}`,
  );

  let previous = 0;
  const progress = setInterval(() => {
    if (values.quiet) return;
    const s = simulation.stats();
    const line = `${s.elapsedSeconds}s  published ${s.published}  (${s.published - previous}/s)  clients online ${s.online}, away ${s.away}${s.spiking ? '  SPIKE' : ''}`;
    previous = s.published;
    if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100)}`);
    else console.log(line);
  }, 1000);

  const finish = async () => {
    clearInterval(progress);
    await simulation.stop();
    await nc.drain();
    if (process.stdout.isTTY) process.stdout.write('\n');
    console.log(`done: ${simulation.stats().published} messages published`);
    process.exit(0);
  };
  process.once('SIGINT', () => void finish());
  process.once('SIGTERM', () => void finish());
  if (duration > 0) setTimeout(() => void finish(), duration * 1000);
}

main().catch((err: Error) => {
  console.error(`simulator: ${err.message}`);
  process.exit(1);
});
