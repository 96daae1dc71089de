import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConnectionOp,
  ConnectionRepository,
  type ConnectionRecord,
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
});
