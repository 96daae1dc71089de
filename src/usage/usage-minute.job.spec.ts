import { describe, expect, it } from 'vitest';
import { serverSnapshot } from '../../test/support/server-usage-fake.js';
import { isFresh, minuteFigures } from './usage-minute.job.js';

describe('the usage minute: what a minute adds', () => {
  it("accounts: connections, subscriptions and the account's JetStream memory and file bytes", () => {
    const s = serverSnapshot('a', {
      shape: 'account',
      connections: 4,
      subscriptions: 9,
      jetstream: { memory: 100, storage: 900, streams: 1, consumers: 1 },
    });
    expect(minuteFigures(s, 5000)).toEqual({ connections: 4, subscriptions: 9, jetstreamBytes: 1000 });
  });

  it("subjects: the attributed streams' bytes (0 without a JetStream poll); never a negative or fraction", () => {
    const s = serverSnapshot('a', { connections: 2, subscriptions: -1 });
    expect(minuteFigures(s, 5000.7)).toEqual({ connections: 2, subscriptions: 0, jetstreamBytes: 5000 });
    expect(minuteFigures(s, null).jetstreamBytes).toBe(0);
    // An account without JetStream in its snapshot stores nothing (the attributed streams are Pulse's account's).
    expect(minuteFigures(serverSnapshot('a', { shape: 'account' }), 5000).jetstreamBytes).toBe(0);
  });

  it('a snapshot counts while at most two poll intervals old', () => {
    const now = 1_000_000;
    expect(isFresh(serverSnapshot('a', { at: now - 60_000 }), now, 30_000)).toBe(true);
    expect(isFresh(serverSnapshot('a', { at: now - 60_001 }), now, 30_000)).toBe(false);
  });
});
