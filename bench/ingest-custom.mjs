// Custom metrics' cost in the ingest case: the same traffic (COUNT × 100-byte messages over
// TENANTS tenants, every 10th on <tenant>.orders.created with a JSON payload) counted by Pulse
// with no custom metrics and with 10 definitions per tenant matching that 10 % (JSON sum of
// `amount`), each in its own process, ROUNDS times alternately. The measure is the subscriber's
// CPU per message (user + system, from the OS) and their ratio within each round; both must
// store every count. Reports medians with min–max.
// The publisher is paced (RATE msgs/s, below what either subscriber takes) so that both runs last
// the same time: flat out, the run's length follows the machine's load, and with it the share of
// the per-second costs (timers, the flush, the stored-count poll) in CPU per message, which made
// the ratio swing from 0.9 to 1.9 between rounds on this shared 2-core machine.
// Usage: npm run build && node bench/ingest-custom.mjs [messages=2000000] [tenants=100] [rounds=3] [rate=100000]
import { measureSubscriber, writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 2_000_000);
const TENANTS = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);
const RATE = Number(process.argv[5] ?? 100_000);
const tenants = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
const measure = (definitions) =>
  measureSubscriber({
    mode: 'pulse',
    tenants,
    count: COUNT,
    size: 100,
    publisherMode: 'custom',
    rate: RATE,
    env: { CUSTOM_DEFINITIONS: String(definitions) },
  });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const micros = (r) => Number(((r.cpuMs * 1000) / COUNT).toFixed(3));
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const none = await measure(0);
  const ten = await measure(10);
  rounds.push({
    noneCpuMicrosPerMessage: micros(none),
    tenCpuMicrosPerMessage: micros(ten),
    cpuRatio: Number((micros(ten) / micros(none)).toFixed(3)),
    lost: 2 * COUNT - none.stored - ten.stored,
  });
  console.log(`round ${r + 1}:`, JSON.stringify(rounds.at(-1)));
}
const result = writeResult('ingest-custom', {
  messages: COUNT,
  tenants: TENANTS,
  rate: RATE,
  rounds,
  cpuRatio: range(rounds.map((r) => r.cpuRatio)),
  lost: rounds.reduce((n, r) => n + r.lost, 0),
});
console.log(
  `10 custom metrics on 10 % of the traffic vs none: CPU ratio ${result.cpuRatio.median} (${result.cpuRatio.min}–${result.cpuRatio.max}) over ${ROUNDS} rounds; lost ${result.lost}`,
);
process.exit(0);
