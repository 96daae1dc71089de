import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConnectionOp,
  ConnectionRepository,
  type ConnectionRecord,
  CLOSED_KEPT,
  HINT_CLOSES_KEPT,
  OPEN_HINTS_KEPT,
} from '../../src/heartbeat/connection.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

/** The connections script against the real Redis: unverified hints are bounded per tenant. */
describe('connection hints (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  const redis = new Redis(SHARED_REDIS);
  const repository = new ConnectionRepository(redis, keys);
  afterAll(() => redis.quit().then(() => deletePrefix(SHARED_REDIS, prefix)));

  const record = (cid: number, verified: boolean): ConnectionRecord => ({
    key: `S1:${cid}`,
    server: 'S1',
    cid,
    clientId: null,
    by: verified ? 'user' : 'name',
    verified,
    name: 'pulse:acme:app-1',
    account: 'APP',
    user: verified ? 'alice' : 'mallory',
    host: '127.0.0.1',
    lang: 'nats.js',
    version: '3',
    rttMs: null,
    connectedAt: null,
    state: 'connected',
  });

  it(`keeps at most ${OPEN_HINTS_KEPT} open hints a tenant; verified connections are always kept`, async () => {
    await redis.hset(keys.tenant('acme'), { id: 'acme', tier: 'professional' });
    const ops: ConnectionOp[] = Array.from({ length: OPEN_HINTS_KEPT + 50 }, (_, i) => ({
      op: 'open',
      record: record(i, false),
      at: Date.now(),
      hint: true,
    }));
    await repository.apply('acme', ops);
    await repository.apply('acme', [{ op: 'open', record: record(99_999, true), at: Date.now() }]);
    expect(await redis.zcard(keys.connections('acme', 'hint'))).toBe(OPEN_HINTS_KEPT);
    expect(await redis.hlen(keys.connections('acme'))).toBe(OPEN_HINTS_KEPT + 1);
    expect(await repository.summary('acme')).toMatchObject({ connected: 1, unverified: OPEN_HINTS_KEPT });
  });

  it('lists for the poll only the connections opened before it asked the servers', async () => {
    await redis.hset(keys.tenant('poll'), { id: 'poll', tier: 'professional' });
    const asked = Date.now();
    await repository.apply('poll', [
      { op: 'open', record: record(1, true), at: asked - 1000 },
      // Opened (its connect event written) after the poll's CONNZ snapshot: not in it, not stale.
      { op: 'open', record: record(2, true), at: asked + 10 },
    ]);
    expect(await repository.openKeys('poll', asked)).toEqual(['S1:1']);
  });

  it(`spoofed closes never push the tenant's real closed connections out (hint closes: at most ${HINT_CLOSES_KEPT})`, async () => {
    await redis.hset(keys.tenant('victim'), { id: 'victim', tier: 'professional' });
    const closed = (r: ConnectionRecord): ConnectionRecord => ({
      ...r,
      state: 'disconnected',
      reason: 'Client Closed',
    });
    const t0 = Date.now() - 3_600_000;
    // The tenant's own connections, opened then closed: its whole closed history.
    const real = Array.from({ length: CLOSED_KEPT }, (_, i) => record(i, true));
    await repository.apply('victim', [
      ...real.map((r, i): ConnectionOp => ({ op: 'open', record: r, at: t0 + i })),
      ...real.map((r, i): ConnectionOp => ({ op: 'close', record: closed(r), at: t0 + i + 1 })),
    ]);
    // A NATS user naming its connections as the victim's: churned (opened, then closed), and
    // closes of hints whose open was never stored, all newer than every real close.
    const churned = Array.from({ length: 600 }, (_, i) => record(100_000 + i, false));
    const unopened = Array.from({ length: 600 }, (_, i) => record(200_000 + i, false));
    await repository.apply('victim', [
      ...churned.map((r): ConnectionOp => ({ op: 'open', record: r, at: Date.now(), hint: true })),
      ...churned.map((r): ConnectionOp => ({ op: 'close', record: closed(r), at: Date.now(), hint: true })),
      ...unopened.map((r): ConnectionOp => ({ op: 'close', record: closed(r), at: Date.now(), hint: true })),
    ]);
    const listed = await repository.list('victim', 'closed');
    const verified = listed.filter((c) => c.verified).map((c) => c.key);
    expect(verified.length).toBe(CLOSED_KEPT);
    expect(new Set(verified)).toEqual(new Set(real.map((r) => r.key)));
    // The spoofed closes are bounded apart (and listed as unverified).
    expect(listed.filter((c) => !c.verified).length).toBeLessThanOrEqual(HINT_CLOSES_KEPT);
    expect(await redis.hlen(keys.connections('victim'))).toBeLessThanOrEqual(CLOSED_KEPT + HINT_CLOSES_KEPT);
    expect(await redis.zcard(keys.connections('victim', 'hint'))).toBe(0);
  });
});
