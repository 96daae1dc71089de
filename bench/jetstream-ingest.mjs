// What a JetStream-backed ingest would cost (issue #31, item 5): the same messages taken by a core
// NATS queue subscriber (what Pulse does) and by a durable pull consumer on a file-backed stream,
// each message acknowledged (what an ingest that survives SIGKILL needs: the server keeps a
// message until the consumer acknowledges it after the flush). Both on a private nats-server with
// JetStream (never the shared one: a stream on tenant.> there would capture other suites' traffic).
// A third case acknowledges once per 1,000 messages with AckPolicy.All. Reports, per case and round, the wall time from the first publish until every message was
// received (and, for JetStream, acknowledged and removed from the stream), and the CPU time of the
// server process (/proc) and of this process (publisher + subscriber), per message.
// Usage: node bench/jetstream-ingest.mjs [MESSAGES=200000] [SIZE=100] [ROUNDS=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';

const [N = 200_000, SIZE = 100, ROUNDS = 3] = process.argv.slice(2).map(Number);
const TICK_MS = 10; // CLK_TCK = 100 on Linux

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const serverCpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
};
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function publishAll(nc, payload) {
  for (let i = 0; i < N; i++) {
    nc.publish(`tenant.t${i % 10}.orders`, payload);
    if (i % 1000 === 999) await nc.flush();
  }
  await nc.flush();
}

async function measure(pid, run) {
  const s0 = serverCpuMs(pid);
  const c0 = ownCpuMs();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds: +seconds.toFixed(3),
    rate: Math.round(N / seconds),
    serverCpuMicrosPerMessage: +(((serverCpuMs(pid) - s0) * 1000) / N).toFixed(2),
    clientCpuMicrosPerMessage: +(((ownCpuMs() - c0) * 1000) / N).toFixed(2),
  };
}

async function coreRound(nc, pid, payload) {
  let received = 0;
  let done;
  const all = new Promise((r) => (done = r));
  const sub = nc.subscribe('tenant.>', {
    queue: 'pulse',
    callback: () => {
      if (++received === N) done();
    },
  });
  await nc.flush();
  const result = await measure(pid, async () => {
    await publishAll(nc, payload);
    await all;
  });
  sub.unsubscribe();
  return result;
}

async function jetstreamRound(nc, pid, payload, round, ackAll = false) {
  const jsm = await jetstreamManager(nc);
  const stream = `PULSE_INGEST_${round}_${ackAll ? 'all' : 'each'}`;
  await jsm.streams.add({
    name: stream,
    subjects: ['tenant.>'],
    storage: StorageType.File,
    // A work queue needs explicit acks; with AckAll, interest retention removes what is acknowledged.
    retention: ackAll ? RetentionPolicy.Interest : RetentionPolicy.Workqueue,
    // A tenant's request/reply on its own subjects must not get the stream's acknowledgement.
    no_ack: true,
  });
  // AckAll: one acknowledgement covers every earlier message (one owner per consumer, acknowledging
  // once a flush: the cheapest an exactly-once design could be); Explicit: every message its own.
  await jsm.consumers.add(stream, {
    durable_name: 'pulse',
    ack_policy: ackAll ? AckPolicy.All : AckPolicy.Explicit,
    max_ack_pending: 100_000,
  });
  const consumer = await jetstream(nc).consumers.get(stream, 'pulse');
  let received = 0;
  let done;
  const all = new Promise((r) => (done = r));
  const messages = await consumer.consume({ max_messages: 1000 });
  const reading = (async () => {
    for await (const m of messages) {
      ++received;
      if (!ackAll || received % 1000 === 0 || received === N) m.ack();
      if (received === N) done();
    }
  })();
  const result = await measure(pid, async () => {
    await publishAll(nc, payload);
    await all;
    await nc.flush();
    // Acknowledged messages leave the stream: wait until the server has them all.
    for (let i = 0; i < 600; i++) {
      if ((await jsm.streams.info(stream)).state.messages === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const left = (await jsm.streams.info(stream)).state.messages;
  await messages.close();
  await reading;
  await jsm.streams.delete(stream);
  return { ...result, leftInStream: left };
}

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'pulse-js-bench-'));
const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
try {
  let nc;
  for (let i = 0; i < 100 && !nc; i++) {
    nc = await connect({ servers: `nats://127.0.0.1:${port}` }).catch(() => undefined);
    if (!nc) await new Promise((r) => setTimeout(r, 100));
  }
  const payload = new Uint8Array(SIZE).fill(120);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so that neither case always runs on a warmer machine.
    const kinds = ['core', 'jetstream', 'jetstreamAckAll'];
    const pair = r % 2 === 0 ? kinds : kinds.reverse();
    const round = {};
    for (const kind of pair) {
      round[kind] =
        kind === 'core'
          ? await coreRound(nc, server.pid, payload)
          : await jetstreamRound(nc, server.pid, payload, r, kind === 'jetstreamAckAll');
    }
    console.log(JSON.stringify({ round: r + 1, ...round }));
    rounds.push(round);
  }
  await nc.close();
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const kind of ['core', 'jetstream', 'jetstreamAckAll']) {
    summary[kind] = {};
    for (const f of ['rate', 'serverCpuMicrosPerMessage', 'clientCpuMicrosPerMessage']) {
      const xs = rounds.map((r) => r[kind][f]);
      summary[kind][f] = { median: median([...xs]), min: Math.min(...xs), max: Math.max(...xs) };
    }
  }
  const result = { messages: N, size: SIZE, at: new Date().toISOString(), rounds, summary };
  writeFileSync(new URL('./results/jetstream-ingest.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
