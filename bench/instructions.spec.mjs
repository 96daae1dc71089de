import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { differencePerDelivery, span } from './instructions-math.mjs';
import { HEARTBEAT_LAYOUT, redisStandIn } from './redis-stand-in.mjs';
import {
  chunks,
  HEADER_VARIANTS,
  HEARTBEAT_PATTERN,
  heartbeatAt,
  heartbeatFrames,
  messageAt,
  messageFrames,
  readFrames,
  sidFor,
  startReplayServer,
  TICK_SUBJECT,
  tenantIds,
} from './nats-replay.mjs';

const tenants = tenantIds(3);
const shape = { prefix: 'tenant', tenants, subjects: 4, size: 100, publishedAt: 1_765_000_000_000 };
const messages = (count, sidOf = () => 1, tickSid = 9, tickEvery = 0) =>
  messageFrames({ count, tickEvery, sidOf, tickSid, ...shape });

describe('the recorded streams (bench/nats-replay.mjs)', () => {
  it('N messages are N HMSG frames with the publish-time header, over every tenant and subject', () => {
    const { frames, bySubject } = readFrames(Buffer.concat(messages(1000)));
    expect(frames).toBe(1000);
    expect(bySubject.size).toBe(3 * 4);
    expect([...bySubject.values()].reduce((n, s) => n + s.frames, 0)).toBe(1000);
    const first = messages(1)[0].toString('latin1');
    expect(first).toMatch(
      /^HMSG tenant\.t0\.orders\.0 1 43 143\r\nNATS\/1\.0\r\nX-Published-At: 1765000000000\r\n\r\nx{100}\r\n$/,
    );
  });

  it('header variants: none is a MSG frame; two puts a message id before the publish-time header', () => {
    const first = (headers, i = 0) =>
      messageFrames({ count: i + 1, sidOf: () => 4, ...shape, headers })
        .at(-1)
        .toString('latin1');
    expect(first('none')).toBe(`MSG tenant.t0.orders.0 4 100\r\n${'x'.repeat(100)}\r\n`);
    expect(first('two', 17)).toBe(
      'HMSG tenant.t2.orders.1 4 61 161\r\nNATS/1.0\r\nNats-Msg-Id: m17\r\nX-Published-At: 1764999999983\r\n\r\n' +
        `${'x'.repeat(100)}\r\n`,
    );
    expect(first('published-at', 17)).toBe(
      `HMSG tenant.t2.orders.1 4 43 143\r\nNATS/1.0\r\nX-Published-At: 1764999999983\r\n\r\n${'x'.repeat(100)}\r\n`,
    );
    expect(() => first('three')).toThrow(/headers must be one of/);
  });

  it('adds a tick after every tickEvery-th message, to the tick sid', () => {
    const { frames, bySubject } = readFrames(Buffer.concat(messages(100, () => 1, 7, 30)));
    expect(frames).toBe(103);
    expect(bySubject.get(TICK_SUBJECT)).toEqual({ frames: 3, bytes: 0, sid: 7 });
  });

  it('the stream of 2N starts with exactly the bytes of the stream of N (messages and heartbeats)', () => {
    const n = Buffer.concat(messages(500));
    expect(Buffer.concat(messages(1000)).subarray(0, n.length).equals(n)).toBe(true);
    const hb = (count) => Buffer.concat(heartbeatFrames({ count, sid: 3, tenants, clients: 60, timestamp: 'T' }));
    expect(hb(400).subarray(0, hb(200).length).equals(hb(200))).toBe(true);
  });

  it('heartbeats go round a fixed population: client k of round r, its status fixed, metrics growing', () => {
    const at = (i) => heartbeatAt(i, { tenants, clients: 6, timestamp: '2026-12-07T12:00:00.000Z' });
    expect(at(0).subject).toBe('_HEARTBEAT.tenant.t0.client.c0');
    expect(at(4).subject).toBe('_HEARTBEAT.tenant.t1.client.c1');
    expect(at(10).subject).toBe(at(4).subject); // round 1 of the same client
    expect(JSON.parse(at(10).body)).toMatchObject({ client_id: 'c1', tenant_id: 't1', metrics: { errors: 1 } });
    expect(JSON.parse(at(10).body).status).toBe(JSON.parse(at(4).body).status);
    const { frames, bySubject } = readFrames(
      Buffer.concat(heartbeatFrames({ count: 60, sid: 2, tenants, clients: 6, timestamp: 'T' })),
    );
    expect(frames).toBe(60);
    expect(bySubject.size).toBe(6);
  });

  it('chunks are whole frames up to the size, each followed by a PING, nothing lost or reordered', () => {
    const frames = messages(1000);
    const parts = chunks(frames, 4096);
    expect(parts.every((p) => p.subarray(-6).toString() === 'PING\r\n')).toBe(true);
    expect(parts.every((p) => p.length - 6 <= 4096)).toBe(true);
    const joined = Buffer.concat(parts.map((p) => p.subarray(0, -6)));
    expect(joined.equals(Buffer.concat(frames))).toBe(true);
    // A frame larger than the size is a chunk of its own.
    expect(chunks([Buffer.alloc(10), Buffer.alloc(50), Buffer.alloc(10)], 20).map((p) => p.length - 6)).toEqual([
      10, 50, 10,
    ]);
  });
});

describe('the replay server and a real @nats-io/transport-node client', () => {
  it('delivers every frame of the stream (after the warm-up too) to the subscriptions by their sids', async () => {
    const server = await startReplayServer();
    const nc = await connect({ servers: server.url });
    try {
      const seen = new Map();
      const count = (_err, msg) => seen.set(msg.subject, (seen.get(msg.subject) ?? 0) + 1);
      for (const t of tenants) nc.subscribe(`tenant.${t}.>`, { callback: count });
      let ticks = 0;
      nc.subscribe(TICK_SUBJECT, { callback: () => ticks++ });
      let warmedUp = -1;
      const total = () => [...seen.values()].reduce((n, v) => n + v, 0);
      const replayed = await server.replay({
        ready: (subs) =>
          sidFor(subs, TICK_SUBJECT) !== undefined && tenants.every((t) => sidFor(subs, `tenant.${t}.>`)),
        frames: (subs) => messages(3000, (t) => sidFor(subs, `tenant.${t}.>`), sidFor(subs, TICK_SUBJECT), 1000),
        warmup: 1001, // 1000 messages and their tick
        before: async () => {
          warmedUp = total();
        },
        chunkBytes: 8192,
      });
      // Resolved after the last PONG: the client has run its callbacks for every frame.
      expect(total()).toBe(3000);
      expect(ticks).toBe(3);
      expect(warmedUp).toBe(1000);
      expect(replayed.frames).toBe(2002);
      expect(replayed.chunks).toBeGreaterThan(2002 / 60);
      expect(seen.size).toBe(12);
    } finally {
      await nc.close();
      await server.close();
    }
  });

  it.each(HEADER_VARIANTS)(
    'the client receives exactly the recorded messages, in order (headers: %s)',
    async (headers) => {
      const server = await startReplayServer();
      const nc = await connect({ servers: server.url });
      try {
        const received = [];
        const keep = (_err, msg) =>
          received.push({
            subject: msg.subject,
            headers: msg.headers ? [...msg.headers.keys()].map((k) => [k, msg.headers.get(k)]) : [],
            data: Buffer.from(msg.data),
          });
        for (const t of tenants) nc.subscribe(`tenant.${t}.>`, { callback: keep });
        const count = 2500;
        await server.replay({
          ready: (subs) => tenants.every((t) => sidFor(subs, `tenant.${t}.>`)),
          frames: (subs) => messageFrames({ count, sidOf: (t) => sidFor(subs, `tenant.${t}.>`), ...shape, headers }),
          warmup: 1000,
          chunkBytes: 4096,
        });
        const payload = Buffer.alloc(shape.size, 120);
        const expected = Array.from({ length: count }, (_, i) => {
          const m = messageAt(i, { ...shape, headers });
          const at = String(shape.publishedAt - (i % 50));
          const lines = {
            none: [],
            'published-at': [['X-Published-At', at]],
            two: [
              ['Nats-Msg-Id', `m${i}`],
              ['X-Published-At', at],
            ],
          }[headers];
          return { subject: m.subject, headers: lines, data: payload };
        });
        expect(received).toEqual(expected);
      } finally {
        await nc.close();
        await server.close();
      }
    },
  );

  it('replays heartbeats to the heartbeat subscription', async () => {
    const server = await startReplayServer();
    const nc = await connect({ servers: server.url });
    try {
      let received = 0;
      nc.subscribe(HEARTBEAT_PATTERN, { callback: () => received++ });
      const replayed = await server.replay({
        ready: (subs) => sidFor(subs, HEARTBEAT_PATTERN) !== undefined,
        frames: (subs) =>
          heartbeatFrames({ count: 500, sid: sidFor(subs, HEARTBEAT_PATTERN), tenants, clients: 100, timestamp: 'T' }),
      });
      expect(received).toBe(500);
      expect(replayed.frames).toBe(500);
    } finally {
      await nc.close();
      await server.close();
    }
  });
});

describe('the in-memory Redis client of the heartbeat flush (bench/redis-stand-in.mjs)', () => {
  it('answers the heartbeat script as Redis does in the steady state, untracked: ok, no transition', async () => {
    const redis = redisStandIn();
    redis.defineCommand('pulseHeartbeats', { lua: '…' });
    redis.defineCommand('pulseFencedWrite', { lua: '…' });
    const { fixed, stride } = HEARTBEAT_LAYOUT;
    const keys = Array.from({ length: 15 }, (_, i) => `k${i}`);
    const beat = (id, status) => [id, 1, status, 10, 20, 0, 30, 2];
    expect(stride).toBe(beat('c', 's').length);
    const args = [...Array.from({ length: fixed }, () => 0), ...beat('c0', 'degraded'), ...beat('c1', 'healthy')];
    expect(await redis.pulseHeartbeats(keys.length, ...keys, ...args)).toEqual(['ok', 0]);
    expect(await redis.pulseFencedWrite(1, 'k', 3, 'HINCRBY', 1, 1)).toEqual([]);
    expect(redis.heartbeats).toBe(2);
    expect(Object.fromEntries(redis.calls)).toEqual({ pulseHeartbeats: 1, pulseFencedWrite: 1 });
    expect(redis.status).toBe('ready');
    expect(() => redis.pulseHeartbeats(keys.length, ...keys, ...args, 'extra')).toThrow(/whole heartbeats/);
  });
});

describe('the difference method (bench/instructions-math.mjs)', () => {
  it('one delivery costs (count with 2N − count with N) / N; the rest of the N run is fixed', () => {
    // 80 M fixed, 12,345.6 a delivery, N = 50,000.
    const small = 80_000_000 + 50_000 * 12_345.6;
    const large = 80_000_000 + 100_000 * 12_345.6;
    expect(differencePerDelivery(small, large, 50_000)).toEqual({
      small,
      large,
      perDelivery: 12_345.6,
      fixed: 80_000_000,
    });
  });

  it('refuses counts that cannot be a difference', () => {
    expect(() => differencePerDelivery(100, 100, 10)).toThrow(/no more than/);
    expect(() => differencePerDelivery(100, 200, 0)).toThrow();
    expect(() => differencePerDelivery(Number.NaN, 200, 10)).toThrow();
  });

  it('span: median (mean of the middle two for an even count), min and max', () => {
    expect(span([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(span([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => span([])).toThrow();
  });
});
