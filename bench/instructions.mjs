// Instruction-count benchmark (issue #37): instructions per message and per heartbeat, counted by
// valgrind's callgrind (user-space instructions of the whole process, every thread), for the bare
// @nats-io/transport-node subscriber and for Pulse's tap and heartbeat paths on the same recorded
// input (bench/nats-replay.mjs, replayed by a loopback server in this process; the measured process
// is bench/instructions-subscriber.mjs, alone under valgrind).
//
// What makes the count repeatable: node runs with --predictable (V8's compilers and GC on the main
// thread, no memory reducer; fixed random and hash seeds); the replay writes whole frames in chunks
// below node's 64 KiB read size and the next chunk only after the client's PONG, so the client reads
// the same bytes in the same pieces whatever the timing; callgrind counts only from the end of a
// warm-up (node's start, connecting and the first WARMUP deliveries run uninstrumented, switched on
// by callgrind_control before the measured frames are written).
//
// Difference method: each process shape runs once with WARMUP + N deliveries and once with
// WARMUP + 2N (the same first bytes); (instructions(2N) − instructions(N)) / N is the cost of one
// delivery, whatever is not per delivery (switching on, the report, exiting) cancelled. Heartbeats
// come from a fixed population of CLIENTS clients, one round after another: after the first round
// every heartbeat is a known client's, status unchanged (the steady state). Pulse's heartbeat side
// includes the presence writer's flush after every FLUSH_EVERY heartbeats (what its 100 ms timer
// does at FLUSH_EVERY × 10 heartbeats/s): each tenant's script call built, its reply read, on an
// in-memory Redis client (bench/redis-stand-in.mjs; no I/O and no ioredis encoding counted).
// Reports per run, min–max (median) over RUNS runs, and the ratios Pulse / bare.
// Usage: npm run build && node bench/instructions.mjs [messages=50000] [heartbeats=20000] [runs=3]
//          [--headers=published-at|none|two] [--flush-every=2000] [--messages-only]
//          [--tier=basic|enterprise] [--heartbeats-only]
//   --tier: the tenants' tier (enterprise: per-client behaviour tracked; writes
//   bench/results/instructions-<tier>.json); --heartbeats-only: the heartbeat case alone.
//   --headers: the messages' header block (bench/nats-replay.mjs HEADER_VARIANTS); a variant other
//   than the default writes bench/results/instructions-<variant>.json.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import {
  HEADER_VARIANTS,
  HEARTBEAT_PATTERN,
  TICK_SUBJECT,
  heartbeatFrames,
  messageFrames,
  sidFor,
  startReplayServer,
  tenantIds,
} from './nats-replay.mjs';
import { differencePerDelivery, span } from './instructions-math.mjs';
import { writeResult } from './support.mjs';

const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => a.slice(2).split('=')),
);
const [MESSAGES = 50_000, HEARTBEATS = 20_000, RUNS = 3] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const HEADERS = flags.headers ?? 'published-at';
if (!HEADER_VARIANTS.includes(HEADERS)) throw new Error(`--headers must be one of ${HEADER_VARIANTS.join(', ')}`);
/** Heartbeats per presence flush: 2,000 every 100 ms is 20,000 heartbeats/s (600,000 clients at one per 30 s). */
const FLUSH_EVERY = Number(flags['flush-every'] ?? 2000);
/** --messages-only: the message case alone (the header variants; the heartbeats do not depend on them). */
const WITH_HEARTBEATS = !('messages-only' in flags);
const WITH_MESSAGES = !('heartbeats-only' in flags);
const TIER = flags.tier ?? 'basic';
if (!['basic', 'enterprise'].includes(TIER)) throw new Error('--tier must be basic or enterprise');
const TENANTS = 10;
const SUBJECTS = 8;
const SIZE = 100;
const PREFIX = 'tenant';
/** A window (the flusher's drain of the aggregator) every this many messages. */
const TICK_EVERY = 25_000;
/** Deliveries before the count starts: every code path of the stream compiled and warm. */
const WARMUP = { messages: 50_000, heartbeats: 20_000 };
/** Heartbeat clients (1,000 per tenant); the warm-up is their first two rounds. */
const CLIENTS = 10_000;
for (const n of [HEARTBEATS, WARMUP.heartbeats])
  if (!(FLUSH_EVERY > 0 && FLUSH_EVERY <= CLIENTS && n % FLUSH_EVERY === 0))
    throw new Error(`the heartbeat counts must be whole flushes of distinct clients: ${n} by ${FLUSH_EVERY}`);
const VALGRIND = process.env.VALGRIND ?? '/usr/bin/valgrind';
/**
 * INSTRUMENT=start counts from node's first instruction instead of switching callgrind on after
 * the warm-up (where callgrind_control cannot reach the process); the difference is the same.
 */
const FROM_START = process.env.INSTRUMENT === 'start';
const NODE_FLAGS = ['--predictable', '--hash-seed=1', '--random-seed=1'];
const here = new URL('.', import.meta.url).pathname;
const tenants = tenantIds(TENANTS);

/** The replayed stream of `count` deliveries after the warm-up, built once the client's sids are known. */
function streamOf(kind, count) {
  if (kind === 'messages') {
    const total = WARMUP.messages + count;
    return {
      ready: (subs) =>
        sidFor(subs, TICK_SUBJECT) !== undefined &&
        tenants.every((t) => sidFor(subs, `${PREFIX}.${t}.>`) !== undefined),
      frames: (subs) =>
        messageFrames({
          count: total,
          tickEvery: TICK_EVERY,
          sidOf: (t) => sidFor(subs, `${PREFIX}.${t}.>`),
          tickSid: sidFor(subs, TICK_SUBJECT),
          prefix: PREFIX,
          tenants,
          subjects: SUBJECTS,
          size: SIZE,
          publishedAt: Date.now(),
          headers: HEADERS,
        }),
      // The warm-up's messages and the ticks among them.
      warmup: WARMUP.messages + Math.floor(WARMUP.messages / TICK_EVERY),
      total,
    };
  }
  const total = WARMUP.heartbeats + count;
  return {
    ready: (subs) => sidFor(subs, HEARTBEAT_PATTERN) !== undefined,
    frames: (subs) =>
      heartbeatFrames({
        count: total,
        sid: sidFor(subs, HEARTBEAT_PATTERN),
        tenants,
        clients: CLIENTS,
        timestamp: new Date().toISOString(),
      }),
    warmup: WARMUP.heartbeats,
    total,
  };
}

/** Switches callgrind's instrumentation on in the process (through vgdb); resolves once it is on. */
async function instrumentation(pid) {
  const { stdout } = await promisify(execFile)('callgrind_control', ['--instr=on', String(pid)]);
  if (!/OK/.test(stdout)) throw new Error(`callgrind_control did not switch instrumentation on: ${stdout}`);
}

/** One process under callgrind: { instructions, report, total, seconds }. */
async function measure(side, kind, count) {
  const server = await startReplayServer();
  const out = join(tmpdir(), `pulse-callgrind-${process.pid}-${side}-${kind}-${count}.out`);
  const started = Date.now();
  const child = spawn(
    VALGRIND,
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      `--instr-atstart=${FROM_START ? 'yes' : 'no'}`,
      process.execPath,
      ...NODE_FLAGS,
      `${here}instructions-subscriber.mjs`,
      side,
      kind,
      server.url,
      String(TENANTS),
      PREFIX,
      String(FLUSH_EVERY),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, BENCH_TIER: TIER } },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const { ready, frames, warmup, total } = streamOf(kind, count);
  const before = FROM_START ? undefined : () => instrumentation(child.pid);
  const replayed = await Promise.race([
    server.replay({ ready, frames, warmup, before }),
    exited.then((code) => Promise.reject(new Error(`${side} ${kind} exited (${code}) before the replay:\n${stderr}`))),
  ]);
  child.stdin.write('report\n');
  const code = await exited;
  await server.close();
  const report = JSON.parse(lines.findLast((l) => l.startsWith('{')) ?? 'null');
  if (code !== 0 || report === null) throw new Error(`${side} ${kind} ${count}: exit ${code}\n${stderr}`);
  const totals = readFileSync(out, 'utf8').match(/^totals:\s+(\d+)/m);
  rmSync(out, { force: true });
  if (!totals) throw new Error(`no totals in ${out}`);
  check(side, kind, total, report);
  return { instructions: Number(totals[1]), bytes: replayed.bytes, seconds: (Date.now() - started) / 1000, report };
}

/** What the process must have counted for the measurement to stand: every delivery, nothing rejected. */
function check(side, kind, total, report) {
  const fail = (what) => {
    throw new Error(`${side} ${kind} ${total}: ${what}: ${JSON.stringify(report)}`);
  };
  if (side === 'bare') {
    if (report.received !== total) fail('bare subscriber did not receive every delivery');
    return;
  }
  if (kind === 'messages') {
    if (report.messages !== total || report.tap.messages !== total) fail('tap did not count every message');
    if (report.tap.rejected !== 0) fail('tap rejected messages');
    if (report.latencyInvalid !== 0) fail('invalid publish times');
    const samples = HEADERS === 'none' ? 0 : total;
    if (report.latencySamples !== samples || report.latencyMissing !== total - samples)
      fail(HEADERS === 'none' ? 'latency samples without the header' : 'not every message was a latency sample');
    if (report.tenants !== TENANTS) fail('not every tenant counted');
    return;
  }
  if (report.received !== total || report.accepted !== total) fail('not every heartbeat accepted');
  if (Object.keys(report.rejected).length > 0) fail('heartbeats rejected');
  // Every flush a batch of distinct clients: nothing superseded, everything written, once.
  if (report.pending !== 0 || report.superseded !== 0 || report.failedWrites !== 0)
    fail('writer buffer not as expected');
  if (report.written !== total || report.redisHeartbeats !== total) fail('not every heartbeat written');
  if (report.flushes !== total / FLUSH_EVERY) fail('not one flush per FLUSH_EVERY heartbeats');
}

/** Instructions per delivery of one process shape: a run with N deliveries after the warm-up, one with 2N. */
async function perDelivery(side, kind, n) {
  const small = await measure(side, kind, n);
  const large = await measure(side, kind, 2 * n);
  const per = differencePerDelivery(small.instructions, large.instructions, n);
  console.log(
    `  ${side} ${kind}: ${small.instructions.toLocaleString('en')} (N = ${n}, ${small.seconds} s), ${large.instructions.toLocaleString('en')} (2N, ${large.seconds} s) → ${per.perDelivery} each`,
  );
  return {
    ...per,
    bytesPerDelivery: Number(((large.bytes - small.bytes) / n).toFixed(1)),
    seconds: Number((small.seconds + large.seconds).toFixed(1)),
    ...(side === 'pulse' ? { standIns: large.report.standIns } : {}),
    ...(side === 'pulse' && kind === 'heartbeats' ? { redisCalls: large.report.redisCalls } : {}),
  };
}

const ratio = (pulse, bare) => Number((pulse.perDelivery / bare.perDelivery).toFixed(3));
const started = Date.now();
const runs = [];
for (let r = 0; r < RUNS; r++) {
  console.log(`run ${r + 1} of ${RUNS}`);
  runs.push({});
  if (WITH_MESSAGES) {
    const bareMessage = await perDelivery('bare', 'messages', MESSAGES);
    const pulseMessage = await perDelivery('pulse', 'messages', MESSAGES);
    Object.assign(runs.at(-1), { bareMessage, pulseMessage, messageRatio: ratio(pulseMessage, bareMessage) });
  }
  if (WITH_HEARTBEATS) {
    const bareHeartbeat = await perDelivery('bare', 'heartbeats', HEARTBEATS);
    const pulseHeartbeat = await perDelivery('pulse', 'heartbeats', HEARTBEATS);
    Object.assign(runs.at(-1), { bareHeartbeat, pulseHeartbeat, heartbeatRatio: ratio(pulseHeartbeat, bareHeartbeat) });
  }
  console.log(
    `  ratio Pulse / bare: messages ${runs.at(-1).messageRatio ?? '–'}, heartbeats ${runs.at(-1).heartbeatRatio ?? '–'}`,
  );
}
const of = (f) => span(runs.map(f));
const variant = [HEADERS === 'published-at' ? '' : HEADERS, TIER === 'basic' ? '' : TIER].filter(Boolean);
const result = writeResult(['instructions', ...variant].join('-'), {
  messages: WITH_MESSAGES ? MESSAGES : 0,
  tier: TIER,
  headers: HEADERS,
  heartbeatsPerFlush: FLUSH_EVERY,
  heartbeats: HEARTBEATS,
  warmup: WARMUP,
  heartbeatClients: CLIENTS,
  tenants: TENANTS,
  subjectsPerTenant: SUBJECTS,
  payloadBytes: SIZE,
  messagesPerWindow: TICK_EVERY,
  nodeFlags: NODE_FLAGS,
  node: process.version,
  instrumented: FROM_START ? 'from start' : 'after the warm-up',
  runs,
  ...(WITH_MESSAGES
    ? {
        bareInstructionsPerMessage: of((r) => r.bareMessage.perDelivery),
        pulseInstructionsPerMessage: of((r) => r.pulseMessage.perDelivery),
        messageRatio: of((r) => r.messageRatio),
      }
    : {}),
  ...(WITH_HEARTBEATS
    ? {
        bareInstructionsPerHeartbeat: of((r) => r.bareHeartbeat.perDelivery),
        pulseInstructionsPerHeartbeat: of((r) => r.pulseHeartbeat.perDelivery),
        heartbeatRatio: of((r) => r.heartbeatRatio),
      }
    : {}),
  seconds: Math.round((Date.now() - started) / 1000),
});
const line = (what, bare, pulse, ratio) =>
  `instructions per ${what}: bare ${bare.median} (${bare.min}–${bare.max}), Pulse ${pulse.median} (${pulse.min}–${pulse.max}); ratio ${ratio.median} (${ratio.min}–${ratio.max})`;
if (WITH_MESSAGES)
  console.log(
    line('message', result.bareInstructionsPerMessage, result.pulseInstructionsPerMessage, result.messageRatio),
  );
if (WITH_HEARTBEATS)
  console.log(
    line('heartbeat', result.bareInstructionsPerHeartbeat, result.pulseInstructionsPerHeartbeat, result.heartbeatRatio),
  );
process.exit(0);
