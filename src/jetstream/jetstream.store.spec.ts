import { describe, expect, it } from 'vitest';
import type { Retention } from '../common/retention.js';
import type { PulseOptions } from '../config/pulse-options.js';
import type { RedisClient } from '../redis/redis-client.js';
import type { FencedCommand, TenantFence } from '../redis/tenant-fence.js';
import { isJetStreamOff } from './jetstream.poller.js';
import { historyPoint, JetStreamStore, type TenantWrite } from './jetstream.store.js';

describe('historyPoint', () => {
  it('reads streams and consumers of a period, the max pending never below the last', () => {
    const point = historyPoint(1_800_000_000, {
      's:ORDERS': '10 2000 0.5',
      's:LOGS': '3 300 -',
      'c:ORDERS/pull': '7 2 1 12',
      'c:ORDERS/push': '4 0 0 1',
      '-': '0',
    });
    expect(point.timestamp).toBe('2027-01-15T08:00:00.000Z');
    expect([...point.streams]).toEqual([
      ['ORDERS', { messages: 10, bytes: 2000, fill: 0.5 }],
      ['LOGS', { messages: 3, bytes: 300, fill: null }],
    ]);
    expect(point.consumers.get('ORDERS/pull')).toEqual({ pending: 7, ackPending: 2, redelivered: 1, maxPending: 12 });
    expect(point.consumers.get('ORDERS/push')!.maxPending).toBe(4);
  });

  it('an empty poll is a point with nothing in it', () => {
    const point = historyPoint(60, { '-': '0' });
    expect(point.streams.size).toBe(0);
    expect(point.consumers.size).toBe(0);
  });
});

describe('isJetStreamOff', () => {
  it('knows the client error for no responders and the API codes for no JetStream', () => {
    const named = new Error('jetstream is not enabled');
    named.name = 'JetStreamNotEnabled';
    expect(isJetStreamOff(named)).toBe(true);
    expect(isJetStreamOff({ code: 10039, message: 'jetstream not enabled for account' })).toBe(true);
    expect(isJetStreamOff(new Error('TIMEOUT'))).toBe(false);
    expect(isJetStreamOff(new Error('Permissions Violation for Publish to "$JS.API.STREAM.LIST"'))).toBe(false);
    expect(isJetStreamOff(undefined)).toBe(false);
  });
});

describe('JetStreamStore.write: history only for tenants entitled to read it', () => {
  it('writes the view for every tenant, minute and hour history only with `history`', async () => {
    const written = new Map<string, FencedCommand[]>();
    const fence = {
      write: (tenantId: string, commands: FencedCommand[]) => {
        written.set(tenantId, commands);
        return Promise.resolve([]);
      },
    } as unknown as TenantFence;
    const chain: Record<string, unknown> = {};
    for (const m of ['del', 'hset', 'set']) chain[m] = () => chain;
    chain.exec = () => Promise.resolve([]);
    const redis = { multi: () => chain } as unknown as RedisClient;
    const store = new JetStreamStore(redis, { redis: { keyPrefix: 't:' } } as PulseOptions, fence);
    const retention = { minuteSeconds: 90_000, hourSeconds: 2_592_000 } as Retention;
    const write = (tenantId: string, history: boolean): TenantWrite => ({
      view: {
        tenantId,
        polledAt: 'x',
        streams: [],
        consumers: [],
        omitted: { streams: 0, consumers: 0 },
      },
      samples: new Map(),
      retention,
      history,
    });
    await store.write(
      [write('pro', false), write('ent', true)],
      new Map(),
      { polledAt: 'x', streams: [], omitted: 0 },
      { state: 'ok', lastPollAt: 'x', unowned: 0 },
      0,
    );
    const keysOf = (id: string) => written.get(id)!.map((c) => String(c[1]));
    expect(keysOf('pro')).toContain(store.keys.current('pro'));
    expect(keysOf('pro').filter((k) => k.includes('js:min') || k.includes('js:hour'))).toEqual([]);
    expect(keysOf('ent')).toContain(store.keys.history('ent', 'minute', 0));
    expect(keysOf('ent')).toContain(store.keys.history('ent', 'hour', 0));
  });
});
