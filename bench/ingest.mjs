// Ingest benchmark: the same traffic (COUNT × 100-byte messages over TENANTS tenants, from a
// separate publisher process) counted by a bare @nats-io/transport-node subscriber and by Pulse,
// each in its own process (bench/ingest-subscriber.mjs), ROUNDS times alternately. The measure is
// CPU time per message of the subscriber process (user + system, from the OS), which the noise
// of a shared machine cannot fake the way it fakes msgs/s; the ratio is taken within each round.
// Pulse must store every count in Redis. Reports medians with min–max.
// Usage: npm run build && node bench/ingest.mjs [messages=2000000] [tenants=100] [rounds=3]
import { measureSubscriber, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 2_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);
const SIZE = 100;
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${i}`);

const measure = (mode) => measureSubscriber({ mode, tenants: tenantIds, count: COUNT, size: SIZE });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const round3 = (x) => Number(x.toFixed(3));

const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const bare = await measure('bare');
  const pulse = await measure('pulse');
  const bareMicros = (bare.cpuMs * 1000) / COUNT;
  const pulseMicros = (pulse.cpuMs * 1000) / COUNT;
  rounds.push({
    bare: {
      cpuMicrosPerMessage: round3(bareMicros),
      rate: Math.round(COUNT / bare.seconds),
      publisherRate: bare.publisher.rate,
    },
    pulse: {
      cpuMicrosPerMessage: round3(pulseMicros),
      rate: Math.round(COUNT / pulse.countedSeconds),
      publisherRate: pulse.publisher.rate,
      lost: COUNT - pulse.stored,
    },
    cpuRatio: round3(pulseMicros / bareMicros),
  });
  console.log(`round ${r + 1}:`, JSON.stringify(rounds.at(-1)));
}
const pulseCpu = range(rounds.map((r) => r.pulse.cpuMicrosPerMessage));
const result = writeResult('ingest', {
  messages: COUNT,
  tenants: TENANTS,
  sizeBytes: SIZE,
  rounds,
  cpuRatio: range(rounds.map((r) => r.cpuRatio)),
  bareCpuMicrosPerMessage: range(rounds.map((r) => r.bare.cpuMicrosPerMessage)),
  pulseCpuMicrosPerMessage: pulseCpu,
  // One core's worth of Pulse's CPU per message: the rate one instance sustains when nothing else
  // (publisher, NATS, Redis) competes for its core; the measured rates are publisher-bound here.
  pulseCpuBoundRate: Math.round(1e6 / pulseCpu.median),
  pulseRate: range(rounds.map((r) => r.pulse.rate)),
  bareRate: range(rounds.map((r) => r.bare.rate)),
  lost: rounds.reduce((n, r) => n + r.pulse.lost, 0),
});
console.log(
  `CPU per message: Pulse ${pulseCpu.median} µs (${pulseCpu.min}–${pulseCpu.max}), bare ${result.bareCpuMicrosPerMessage.median} µs; ratio ${result.cpuRatio.median} (${result.cpuRatio.min}–${result.cpuRatio.max}); lost ${result.lost}`,
);
process.exit(0);
