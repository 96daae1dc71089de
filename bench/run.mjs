// npm run bench: every case in one run, each beside its reference, then one table (also written
// to bench/results/summary.json and summary.md) with the targets of the benchmark issue.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
// Instruction counts under callgrind: messages, heartbeats, runs (5–12 minutes a run on the shared
// 2-core machine, by its load); BENCH_INSTRUCTIONS="20000 10000 3" for a shorter one
// (docs/benchmarks.md's figures are the defaults').
const instructionArgs = (process.env.BENCH_INSTRUCTIONS ?? '50000 20000 3').split(/\s+/).filter(Boolean);
const cases = [
  ['instructions', instructionArgs],
  ['ingest', ['2000000', '100', '3']],
  ['explosion', ['1000000']],
  ['heartbeats', ['10000', '10']],
  // What the publisher and the nats-server leave of the machine at a flat-out heartbeat rate.
  ['heartbeat-ceiling', ['HEARTBEATS=500000', 'ROUNDS=3']],
  ['rest', ['500', '10', '100000']],
  ['scale-out', ['2000000', '100', '3']],
  // Tenant shards: 1 shard of 3 instances against 3 shards of 1, the same 100,000 msgs/s (private Redis).
  ['scale-out', ['1000000', '100', '3', '1x3,3x1', '100000']],
];
const started = Date.now();
// `node bench/run.mjs --table` prints the table again from the results of the last run.
const tableOnly = process.argv.includes('--table');
for (const [name, args] of tableOnly ? [] : cases) {
  console.log(`\n=== ${name} ${args.join(' ')}`);
  execFileSync(process.execPath, [`${here}${name}.mjs`, ...args], { stdio: 'inherit' });
}
const read = (name) => JSON.parse(readFileSync(`${here}results/${name}.json`, 'utf8'));
const instructions = read('instructions');
const ingest = read('ingest');
const explosion = read('explosion');
const heartbeats = read('heartbeats');
const ceiling = read('heartbeat-ceiling');
const rest = read('rest');
const realtime = rest.rows.find((r) => r.path.includes('realtime'));
const presence = rest.rows.find((r) => r.path.includes('presence'));
const floor = rest.rows.find((r) => r.path === '/health/live');
const scaleOut = read('scale-out');
const shards = read('scale-out-shards');
const known = heartbeats.phases.find((p) => p.phase.startsWith('flat out'));
const protocol = heartbeats.phases.find((p) => p.phase === 'protocol rate (1 / client / 30 s)');
const tenfold = heartbeats.phases.find((p) => p.phase.startsWith('10'));

/**
 * The heartbeat ceiling's row: medians over its runs of the bare subscriber's rate (parsing each
 * body), and of the publisher's and the nats-server's CPU per heartbeat; what 2 cores at 100,000/s
 * (20 µs per heartbeat) leave for Pulse's own work and Redis once those and the bare parse are paid.
 */
function ceilingRow({ results }) {
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const parsed = results.filter((r) => r.mode === 'parse');
  const rate = median(parsed.map((r) => r.receivedPerSecond));
  const publisher = median(results.map((r) => r.cpuMicrosPerHeartbeat.publisher));
  const natsServer = median(results.map((r) => r.cpuMicrosPerHeartbeat.natsServer));
  const parse = median(parsed.map((r) => r.cpuMicrosPerHeartbeat.subscriber));
  const left = (20 - publisher - natsServer - parse).toFixed(1);
  return [
    'heartbeats: the machine without Pulse (bare subscriber, flat out)',
    `${rate.toLocaleString('en')} /s; µs per heartbeat: publisher ${publisher}, nats-server ${natsServer}, bare parse ${parse}`,
    `at 100,000 /s 2 cores leave ${left} µs per heartbeat for Pulse + Redis (medians of ${results.length} runs)`,
    '',
  ];
}

const span = (r, unit = '') => `${r.median}${unit} (${r.min}–${r.max})`;
const perRun = (f) => `runs: ${instructions.runs.map((r) => f(r).toLocaleString('en')).join(', ')}`;
const instructionRows = (what, bare, pulse, ratio, target) => [
  [
    `instructions per ${what}, bare subscriber (reference)`,
    span(instructions[`bareInstructionsPer${what === 'message' ? 'Message' : 'Heartbeat'}`]),
    `median (min–max) of ${instructions.runs.length} runs under callgrind; ${perRun((r) => r[bare].perDelivery)}`,
    '',
  ],
  [
    `instructions per ${what}, Pulse`,
    span(instructions[`pulseInstructionsPer${what === 'message' ? 'Message' : 'Heartbeat'}`]),
    what === 'heartbeat'
      ? `${perRun((r) => r[pulse].perDelivery)}; presence flush every ${instructions.heartbeatsPerFlush} heartbeats included (in-memory Redis client)`
      : perRun((r) => r[pulse].perDelivery),
    '',
  ],
  [
    `instructions per ${what}: ratio Pulse / bare (same run)`,
    span(instructions[ratio]),
    `${perRun((r) => r[ratio])}${target ? '; ≤ 1.25 in every run' : ''}`,
    target ? (instructions[ratio].max <= 1.25 ? 'met' : 'MISSED') : '',
  ],
];
const rows = [
  ...instructionRows('message', 'bareMessage', 'pulseMessage', 'messageRatio', true),
  ...instructionRows('heartbeat', 'bareHeartbeat', 'pulseHeartbeat', 'heartbeatRatio', false),
  [
    'ingest: CPU per message, bare subscriber (reference)',
    span(ingest.bareCpuMicrosPerMessage, ' µs'),
    `median (min–max) of ${ingest.rounds.length} runs; ${span(ingest.bareRate)} msgs/s`,
    '',
  ],
  [
    'ingest: CPU per message, Pulse',
    span(ingest.pulseCpuMicrosPerMessage, ' µs'),
    `${span(ingest.pulseRate)} msgs/s (publisher-bound); one core: ${ingest.pulseCpuBoundRate.toLocaleString('en')} msgs/s`,
    '',
  ],
  [
    'ingest: CPU ratio Pulse / bare (same run)',
    span(ingest.cpuRatio),
    '≤ 1.25',
    ingest.cpuRatio.max <= 1.25 ? 'met' : ingest.cpuRatio.median <= 1.25 ? 'met (median)' : 'MISSED',
  ],
  ['ingest: lost counts', String(ingest.lost), '0', ingest.lost === 0 ? 'met' : 'MISSED'],
  [
    'explosion: bare subscriber (reference)',
    `${explosion.raw.rate.toLocaleString('en')} msgs/s`,
    `peak RSS ${explosion.raw.peakRssMb} MB (keeps every subject)`,
    '',
  ],
  [
    'explosion: Pulse',
    `${explosion.pulse.rate.toLocaleString('en')} msgs/s`,
    `distinct ≈ ${explosion.pulse.distinctEstimate.toLocaleString('en')} (true ${explosion.pulse.distinctTrue.toLocaleString('en')})`,
    '',
  ],
  [
    'explosion: Pulse peak RSS',
    `${explosion.pulse.peakRssMb} MB`,
    '< 300 MB',
    explosion.pulse.peakRssMb < 300 ? 'met' : 'MISSED',
  ],
  [
    'explosion: top 10 = heavy subjects, exact counts',
    String(explosion.pulse.topCorrect),
    'true',
    explosion.pulse.topCorrect ? 'met' : 'MISSED',
  ],
  ['explosion: lost counts', String(explosion.pulse.lost), '0', explosion.pulse.lost === 0 ? 'met' : 'MISSED'],
  [
    'heartbeats: protocol rate (100k clients / 30 s)',
    `${protocol.processedPerSecond.toLocaleString('en')} /s`,
    `p50 ${protocol.processingMsP50} ms, p99 ${protocol.processingMsP99} ms; peak RSS ${protocol.peakRssMb} MB`,
    protocol.peakRssMb < 300 ? 'met (RSS)' : 'MISSED (RSS)',
  ],
  [
    'heartbeats: 10× protocol rate',
    `${tenfold.processedPerSecond.toLocaleString('en')} /s of ${tenfold.targetRate.toLocaleString('en')}; CPU ${tenfold.cpuMicrosPerHeartbeat} µs (Redis ${tenfold.redisCpuMicrosPerHeartbeat} µs)`,
    `p50 ${tenfold.processingMsP50} ms, p99 ${tenfold.processingMsP99} ms; peak RSS ${tenfold.peakRssMb} MB`,
    tenfold.written + tenfold.superseded === tenfold.sent &&
    tenfold.processedPerSecond >= 0.99 * tenfold.targetRate &&
    tenfold.peakRssMb < 300
      ? 'met'
      : 'MISSED',
  ],
  [
    'heartbeats: flat out, one instance',
    `${known.processedPerSecond.toLocaleString('en')} /s; CPU ${known.cpuMicrosPerHeartbeat} µs (Redis ${known.redisCpuMicrosPerHeartbeat} µs)`,
    `≥ 60,000 /s; p99 ${known.processingMsP99} ms; peak RSS ${known.peakRssMb} MB`,
    known.processedPerSecond >= 60_000 ? 'met' : 'MISSED',
  ],
  ceilingRow(ceiling),
  [
    'offline detector: 100,000 expirations',
    `${heartbeats.detector.durationMs} ms (Pulse CPU ${heartbeats.detector.cpuMs} ms)`,
    '< 2000 ms',
    heartbeats.detector.durationMs < 2000 && heartbeats.detector.markedOffline === 100000 ? 'met' : 'MISSED',
  ],
  [
    `REST realtime during ${rest.publisher.rate.toLocaleString('en')} msgs/s ingest`,
    `${realtime.requestsPerSecond} req/s, p99 ${realtime.p99Ms} ms; CPU ${realtime.cpuMsPerRequest} ms/request`,
    'p99 < 25 ms at 500 req/s',
    realtime.p99Ms < 25 && realtime.requestsPerSecond >= 495 ? 'met' : 'MISSED',
  ],
  [
    `REST presence (limit 100) during ingest`,
    `${presence.requestsPerSecond} req/s, p99 ${presence.p99Ms} ms; CPU ${presence.cpuMsPerRequest} ms/request`,
    '',
    '',
  ],
  [
    `REST floor: /health/live (no key, no Redis) during ingest`,
    `${floor.requestsPerSecond} req/s, p99 ${floor.p99Ms} ms; event-loop delay p99 ${floor.loopDelayP99Ms} ms`,
    'what this machine allows any route',
    '',
  ],
  ...scaleOut.curve.map((c) => [
    `scale-out: ${c.instances} instance${c.instances > 1 ? 's' : ''} in one queue group`,
    `${span(c.rate, ' msgs/s')}; CPU ${span(c.cpuMicrosPerMessage, ' µs')}/message (all instances), Redis ${span(c.redisCpuMicrosPerMessage, ' µs')}`,
    `exact: every tenant's total as published, ${scaleOut.rounds.filter((r) => r.instances === c.instances).length} runs`,
    c.exact ? 'exact' : 'NOT EXACT',
  ]),
  ...shards.curve.map((c) => [
    `tenant shards: ${c.shards} shard${c.shards > 1 ? 's' : ''} × ${c.instances / c.shards} instance${c.instances / c.shards > 1 ? 's' : ''}, ${shards.rate} msgs/s`,
    `Redis CPU ${span(c.redisCpuMicrosPerMessage, ' µs')}/message; flush writes ${span(c.flushWritesPerSecond, '/s')} (Lua calls ${span(c.luaCallsPerSecond, '/s')}); Pulse CPU ${span(c.cpuMicrosPerMessage, ' µs')}/message, all instances`,
    `exact: every tenant's total as published, ${shards.rounds.filter((r) => r.layout === c.layout).length} runs`,
    c.exact ? 'exact' : 'NOT EXACT',
  ]),
];
const md = [
  `Machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; publisher, NATS, Redis, load generator and Pulse share it.`,
  tableOnly
    ? `Table printed ${new Date().toISOString()} from the results in bench/results.`
    : `Run: ${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s in all.`,
  '',
  '| case | result | reference / target | target |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
writeFileSync(`${here}results/summary.md`, `${md}\n`);
writeFileSync(`${here}results/summary.json`, `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
console.log(`\n${md}`);
