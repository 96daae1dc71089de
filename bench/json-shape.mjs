// What a message's JSON shape costs Pulse's one event loop: the heartbeat parser and the custom
// metrics' payload parse (built dist/, no NATS or Redis) on valid bodies and on hostile shapes
// within the same byte bounds. CPU time (process.cpuUsage) per call over <reps> calls, every case
// once per round and the rounds interleaved, so the machine's load falls on all cases alike;
// median and min-max over the rounds.
// Usage: npm run build && node bench/json-shape.mjs [reps=1000] [rounds=5]
const { parseHeartbeat, MAX_HEARTBEAT_BYTES } = await import('../dist/heartbeat/heartbeat-parser.js');
const { parsePayload } = await import('../dist/monitoring/custom/extract.js');
const { MAX_PARSED_PAYLOAD_BYTES } = await import('../dist/monitoring/custom/definition.js');

const encoder = new TextEncoder();
const SUBJECT = '_HEARTBEAT.tenant.acme.client.c-17';
const now = Date.now();
const heartbeat = encoder.encode(
  JSON.stringify({
    client_id: 'c-17',
    tenant_id: 'acme',
    timestamp: new Date(now).toISOString(),
    status: 'healthy',
    metrics: { messages_sent: 5, messages_received: 6, errors: 1, uptime_seconds: 30 },
  }),
);
// A flat payload of the parse bound's size: the largest valid shape a custom metric still parses.
const flat = encoder.encode(
  `{"order":{"total":12.5},"note":"${'x'.repeat(MAX_PARSED_PAYLOAD_BYTES - 40)}"}`.slice(0, MAX_PARSED_PAYLOAD_BYTES),
);
const order = encoder.encode('{"order":{"total":12.5,"currency":"EUR"},"id":"o-1"}');

const CASES = {
  'heartbeat valid': () => parseHeartbeat(SUBJECT, heartbeat, now),
  'heartbeat 16 KiB of [': (() => {
    const body = encoder.encode('['.repeat(MAX_HEARTBEAT_BYTES));
    return () => parseHeartbeat(SUBJECT, body, now);
  })(),
  'payload order (small, valid)': () => parsePayload(order),
  'payload 64 KiB flat': () => parsePayload(flat),
  'payload 64 KiB of [': (() => {
    const body = encoder.encode('['.repeat(MAX_PARSED_PAYLOAD_BYTES));
    return () => parsePayload(body);
  })(),
  'payload 64 KiB nested, closed': (() => {
    const half = MAX_PARSED_PAYLOAD_BYTES / 2;
    const body = encoder.encode('['.repeat(half) + ']'.repeat(half));
    return () => parsePayload(body);
  })(),
};

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function run(name, reps) {
  const call = CASES[name];
  const start = cpuMicros();
  for (let i = 0; i < reps; i++) call();
  return (cpuMicros() - start) / reps;
}

const reps = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);
for (const name of Object.keys(CASES)) run(name, Math.min(reps, 200)); // warm-up
const samples = Object.fromEntries(Object.keys(CASES).map((n) => [n, []]));
for (let r = 0; r < rounds; r++) for (const name of Object.keys(CASES)) samples[name].push(run(name, reps));
const result = {};
for (const [name, s] of Object.entries(samples)) {
  const sorted = [...s].sort((a, b) => a - b);
  result[name] = {
    medianMicros: sorted[Math.floor(sorted.length / 2)],
    minMicros: sorted[0],
    maxMicros: sorted.at(-1),
  };
  console.log(
    `${name.padEnd(32)} ${result[name].medianMicros.toFixed(2).padStart(9)} µs (${sorted[0].toFixed(2)}–${sorted.at(-1).toFixed(2)})`,
  );
}
// Last: it loads all of Pulse, and it would run during the rounds otherwise.
const { writeResult } = await import('./support.mjs');
writeResult('json-shape', { reps, rounds, cpuPerCall: result });
