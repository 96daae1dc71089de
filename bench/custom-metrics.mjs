// Custom metrics' cost on the hot path: CPU per message of TenantTraffic.record over the same
// 1,000,000 messages (100 subjects, 10 % of them on orders.created with a JSON payload) with no
// custom metrics and with 10 definitions matching that 10 % (json sum of `amount`), in this one
// process, ROUNDS times alternately; the ratio is taken within each round.
// Usage: npm run build && node bench/custom-metrics.mjs [messages=1000000] [rounds=5]
import { TenantTraffic } from '../dist/monitoring/tenant-traffic.js';
import { CustomMetricSet } from '../dist/monitoring/custom/custom-metric-set.js';
import { writeResult } from './support.mjs';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const encoder = new TextEncoder();
const messages = Array.from({ length: 1000 }, (_, i) =>
  i % 10 === 0
    ? {
        subject: 'tenant.acme.orders.created',
        data: encoder.encode(JSON.stringify({ amount: 2.5, id: i })),
        headers: undefined,
      }
    : { subject: `tenant.acme.other.s${i % 100}`, data: new Uint8Array(100), headers: undefined },
);
const definitions = Array.from({ length: 10 }, (_, i) => ({
  id: `cm_${i}`,
  name: `m${i}`,
  subject: 'orders.created',
  source: 'json',
  field: 'amount',
  header: null,
  aggregation: 'sum',
  unit: null,
  createdAt: '',
  updatedAt: '',
}));

function run(withCustom) {
  const traffic = new TenantTraffic('acme', 1000, 7);
  if (withCustom) traffic.setCustomMetrics(new CustomMetricSet('tenant', 'acme', definitions));
  const start = process.cpuUsage();
  let now = Date.now();
  for (let i = 0; i < COUNT; i++) {
    traffic.record(messages[i % 1000], now);
    if ((i & 0xffff) === 0) {
      traffic.take();
      now += 1000;
    }
  }
  traffic.take();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / COUNT) * 1000; // ns per message
}

run(false);
run(true); // warm-up
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const none = run(false);
  const ten = run(true);
  rounds.push({
    noneNs: Math.round(none),
    tenNs: Math.round(ten),
    addedNs: Math.round(ten - none),
    ratio: Number((ten / none).toFixed(3)),
  });
  console.log(JSON.stringify(rounds.at(-1)));
}
const sorted = rounds.map((r) => r.ratio).sort((a, b) => a - b);
const added = rounds.map((r) => r.addedNs).sort((a, b) => a - b);
const result = {
  messages: COUNT,
  rounds,
  medianRatio: sorted[Math.floor(sorted.length / 2)],
  maxRatio: sorted.at(-1),
  medianAddedNs: added[Math.floor(added.length / 2)],
};
writeResult('custom-metrics', result);
console.log(
  `record(): 10 definitions matching 10 % of messages vs none: +${result.medianAddedNs} ns a message (median), record() alone ${result.medianRatio}× (max ${result.maxRatio}×) over ${ROUNDS} rounds`,
);
