// Recorded traffic for the instruction-count benchmark (bench/instructions.mjs): the NATS protocol
// bytes of N messages on tenant subjects, or of N heartbeats, and a loopback TCP server that speaks
// just enough of the protocol (INFO; PONG to PING; CONNECT, SUB and UNSUB noted) to write them to
// a real @nats-io/transport-node client with the sids of its own subscriptions. No NATS server or
// publisher runs in the measured process: the client's parser and its subscription callback do.
//
// The streams are synthesised deterministically from the index of each delivery, so the stream of
// 2N deliveries starts with exactly the bytes of the stream of N (the difference method relies on it).
import { createServer } from 'node:net';
import { heartbeatBody } from './heartbeat-body.mjs';

export const PUBLISHED_AT_HEADER = 'X-Published-At';
/** The subject of the window ticks: the Pulse side drains its aggregator on each (a flush interval). */
export const TICK_SUBJECT = '_BENCH.tick';
export const HEARTBEAT_PATTERN = '_HEARTBEAT.tenant.*.client.*';
/** Bytes of frames per read: below node's 64 KiB read buffer, so one chunk arrives as one read. */
export const DEFAULT_CHUNK_BYTES = 48 * 1024;
const CRLF = '\r\n';

/** Tenant ids t0..t{n-1}. */
export const tenantIds = (n) => Array.from({ length: n }, (_, i) => `t${i}`);

/** A header the publisher adds besides Pulse's: JetStream's de-duplication id. */
export const MESSAGE_ID_HEADER = 'Nats-Msg-Id';
/**
 * The header blocks a recorded message can carry: `none` (a MSG frame), `published-at` (the
 * publish-time header Pulse reads for latency, alone: the default) and `two` (a message id, then
 * the publish-time header: Pulse's reader has to pass another header to find its own).
 */
export const HEADER_VARIANTS = ['none', 'published-at', 'two'];

/** The header block of message i in one of HEADER_VARIANTS ('' for none), as a publisher writes it. */
export function headerOf(i, variant, publishedAt) {
  const publishedAtLine = `${PUBLISHED_AT_HEADER}: ${publishedAt - (i % 50)}${CRLF}`;
  if (variant === 'none') return '';
  if (variant === 'published-at') return `NATS/1.0${CRLF}${publishedAtLine}${CRLF}`;
  if (variant === 'two') return `NATS/1.0${CRLF}${MESSAGE_ID_HEADER}: m${i}${CRLF}${publishedAtLine}${CRLF}`;
  throw new Error(`headers must be one of ${HEADER_VARIANTS.join(', ')}: ${variant}`);
}

/**
 * Message i of the message stream: tenant i mod T; one of `subjects` subjects of that tenant,
 * changing every 16 messages (bench/publisher.mjs's pattern) so that runs of a subject alternate;
 * `size` payload bytes; headers as `headers` says (HEADER_VARIANTS), the publish time
 * `publishedAt - (i mod 50)` ms.
 */
export function messageAt(i, { prefix, tenants, subjects, size, publishedAt, headers = 'published-at' }) {
  const tenant = tenants[i % tenants.length];
  return {
    tenant,
    subject: `${prefix}.${tenant}.orders.${(i >> 4) % subjects}`,
    header: headerOf(i, headers, publishedAt),
    size,
  };
}

/**
 * Heartbeat i of a population of `clients` clients spread over the tenants (client k is tenant
 * k mod T's client c{floor(k / T)}): round floor(i / clients) of client i mod clients, with the
 * body bench/heartbeat-publisher.mjs sends (bench/heartbeat-body.mjs).
 */
export function heartbeatAt(i, { tenants, clients, timestamp }) {
  const round = Math.floor(i / clients);
  const k = i % clients;
  const tenant = tenants[k % tenants.length];
  const c = Math.floor(k / tenants.length);
  const body = heartbeatBody({ tenant, client: c, round, timestamp });
  return { tenant, subject: `_HEARTBEAT.tenant.${tenant}.client.c${c}`, body: JSON.stringify(body) };
}

/** One MSG frame (no headers) or, with `header`, one HMSG frame, as a NATS server writes it. */
export function frame(subject, sid, payload, header = '') {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  if (header === '')
    return Buffer.concat([Buffer.from(`MSG ${subject} ${sid} ${body.length}${CRLF}`), body, CRLF_BYTES]);
  const h = Buffer.from(header);
  return Buffer.concat([
    Buffer.from(`HMSG ${subject} ${sid} ${h.length} ${h.length + body.length}${CRLF}`),
    h,
    body,
    CRLF_BYTES,
  ]);
}
const CRLF_BYTES = Buffer.from(CRLF);

/**
 * The message stream: `count` messages (messageAt) to the sid of their tenant's subscription, and
 * after every `tickEvery`-th message one empty MSG on TICK_SUBJECT's sid (0: none). One Buffer a frame.
 */
export function messageFrames({ count, tickEvery = 0, sidOf, tickSid, ...shape }) {
  const frames = [];
  const payload = Buffer.alloc(shape.size, 120);
  for (let i = 0; i < count; i++) {
    const m = messageAt(i, shape);
    frames.push(frame(m.subject, sidOf(m.tenant), payload, m.header));
    if (tickEvery > 0 && (i + 1) % tickEvery === 0) frames.push(frame(TICK_SUBJECT, tickSid, Buffer.alloc(0)));
  }
  return frames;
}

/** The heartbeat stream: `count` heartbeats (heartbeatAt) to one subscription's sid. One Buffer a frame. */
export function heartbeatFrames({ count, sid, ...shape }) {
  const frames = [];
  for (let i = 0; i < count; i++) {
    const h = heartbeatAt(i, shape);
    frames.push(frame(h.subject, sid, h.body));
  }
  return frames;
}

/**
 * Whole frames in chunks of at most `bytes` (a frame larger than that is a chunk of its own), each
 * chunk followed by a PING: the replay writes one chunk, then waits for the client's PONG.
 */
export function chunks(frames, bytes) {
  const out = [];
  let current = [];
  let size = 0;
  for (const f of frames) {
    if (size > 0 && size + f.length > bytes) {
      out.push(Buffer.concat([...current, PING]));
      current = [];
      size = 0;
    }
    current.push(f);
    size += f.length;
  }
  if (size > 0) out.push(Buffer.concat([...current, PING]));
  return out;
}
const PING = Buffer.from(`PING${CRLF}`);

/**
 * Reads a stream of MSG/HMSG frames back (what a client's parser would deliver): per subject the
 * number of deliveries, and the total of their header and payload bytes. Throws on anything else.
 */
export function readFrames(buffer) {
  const bySubject = new Map();
  let frames = 0;
  let at = 0;
  while (at < buffer.length) {
    const eol = buffer.indexOf(CRLF, at);
    if (eol < 0) throw new Error(`truncated control line at ${at}`);
    const [op, subject, sid, ...sizes] = buffer.toString('latin1', at, eol).split(' ');
    const total = Number(sizes.at(-1));
    if ((op !== 'MSG' && op !== 'HMSG') || sizes.length !== (op === 'MSG' ? 1 : 2) || !(Number(sid) > 0))
      throw new Error(`not a MSG/HMSG frame at ${at}`);
    const end = eol + 2 + total;
    if (buffer.toString('latin1', end, end + 2) !== CRLF)
      throw new Error(`frame at ${at} does not end after ${total} bytes`);
    const seen = bySubject.get(subject) ?? { frames: 0, bytes: 0, sid: Number(sid) };
    seen.frames++;
    seen.bytes += total;
    bySubject.set(subject, seen);
    frames++;
    at = end + 2;
  }
  return { frames, bySubject };
}

/**
 * A loopback server that replays one recorded stream to the client whose subscriptions `ready`
 * accepts. `replay({ ready, frames, warmup, before, chunkBytes })`: once a connection's
 * subscriptions (sid → subject) satisfy `ready(subs)`, writes the first `warmup` frames of
 * `frames(subs)`, awaits `before()` if given, then writes the rest. Frames go in chunks of whole
 * frames (`chunks`), each followed by a PING, and the next chunk only when the client's PONG shows
 * that it has parsed the previous one and run its callbacks; so each read of the client's socket is
 * one chunk, whatever the timing of either process (the instruction count depends on how the bytes
 * are cut into reads). Resolves with { bytes, frames, chunks } (after the warm-up) after the last PONG.
 */
export async function startReplayServer() {
  let pending = null;
  const connections = new Set();
  const server = createServer((socket) => {
    const conn = { socket, subs: new Map(), buffered: '', streaming: false, pong: null };
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
    socket.on('error', () => {});
    const { port } = server.address();
    socket.write(
      `INFO ${JSON.stringify({ server_id: 'replay', server_name: 'replay', version: '2.10.0', proto: 1, go: 'go1.22', host: '127.0.0.1', port, headers: true, max_payload: 1 << 20 })}${CRLF}`,
    );
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      conn.buffered += chunk;
      for (let eol = conn.buffered.indexOf(CRLF); eol >= 0; eol = conn.buffered.indexOf(CRLF)) {
        const line = conn.buffered.slice(0, eol);
        const [op, ...args] = line.split(' ');
        const verb = op.toUpperCase();
        if (verb === 'PUB' || verb === 'HPUB') {
          // Not used by the benchmark's clients; skipped whole so that the stream stays in step.
          const size = Number(args.at(-1));
          if (conn.buffered.length < eol + 2 + size + 2) break;
          conn.buffered = conn.buffered.slice(eol + 2 + size + 2);
          continue;
        }
        conn.buffered = conn.buffered.slice(eol + 2);
        if (verb === 'PING') socket.write(`PONG${CRLF}`);
        else if (verb === 'PONG' && conn.pong) {
          const pong = conn.pong;
          conn.pong = null;
          pong();
        } else if (verb === 'SUB') conn.subs.set(Number(args.at(-1)), args[0]);
        else if (verb === 'UNSUB') conn.subs.delete(Number(args[0]));
        maybeStart(conn);
      }
    });
  });
  const maybeStart = (conn) => {
    if (!pending || conn.streaming || !pending.ready(conn.subs)) return;
    const { frames, warmup, before, chunkBytes, resolve, reject } = pending;
    pending = null;
    conn.streaming = true;
    const write = async (parts) => {
      let bytes = 0;
      for (const part of parts) {
        const ponged = new Promise((r) => (conn.pong = r));
        conn.socket.write(part);
        bytes += part.length - PING.length;
        await ponged;
      }
      return bytes;
    };
    const start = async () => {
      const all = frames(conn.subs);
      await write(chunks(all.slice(0, warmup), chunkBytes));
      if (before) await before();
      const measured = chunks(all.slice(warmup), chunkBytes);
      return { bytes: await write(measured), frames: all.length - warmup, chunks: measured.length };
    };
    start().then(resolve, reject);
  };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${server.address().port}`,
    replay({ ready, frames, warmup = 0, before, chunkBytes = DEFAULT_CHUNK_BYTES }) {
      return new Promise((resolve, reject) => {
        pending = { ready, frames, warmup, before, chunkBytes, resolve, reject };
        for (const conn of connections) maybeStart(conn);
      });
    },
    close() {
      for (const conn of connections) conn.socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The sid of the subscription to exactly `subject` (undefined: none). */
export function sidFor(subs, subject) {
  for (const [sid, s] of subs) if (s === subject) return sid;
  return undefined;
}
