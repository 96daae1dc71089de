import { describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_READY_FRESH_MS, NATS_READY_TIMEOUT_MS, NatsStatus } from './nats-status.js';

/** A connection whose flush() answers when the test says so (a paused server never does). */
function fakeConnection() {
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const connection = {
    flush: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    isClosed: () => false,
    getServer: () => '127.0.0.1:4222',
    status: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) }),
  };
  return { connection: connection as unknown as NatsConnection, pending };
}

describe('NatsStatus.answers (readiness round trip)', () => {
  it('shares one round trip among concurrent callers and sends no other while it is unanswered', async () => {
    const status = new NatsStatus();
    const { connection, pending } = fakeConnection();
    status.watch(connection);
    const t0 = Date.now();
    const first = Promise.all([status.answers(t0), status.answers(t0), status.answers(t0)]);
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(1);
    // Past the deadline: answered at once, and still no second PING.
    const late = await status.answers(t0 + NATS_READY_TIMEOUT_MS + 1);
    expect(late).toBe(`no answer to a round trip within ${NATS_READY_TIMEOUT_MS} ms`);
    expect(await first).toEqual(Array(3).fill(`no answer to a round trip within ${NATS_READY_TIMEOUT_MS} ms`));
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(1);
    // The server answers: the next probe is up, served by that answer (no new round trip).
    pending[0].resolve();
    await new Promise((r) => setImmediate(r));
    expect(await status.answers()).toBeNull();
    expect(pending).toHaveLength(1);
    // Once the answer is older than NATS_READY_FRESH_MS, a new round trip.
    const next = status.answers(Date.now() + NATS_READY_FRESH_MS);
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(2);
    pending[1].reject(new Error('disconnected'));
    expect(await next).toBe('round trip failed: disconnected');
  });

  it('a closed or never-watched connection does not answer', async () => {
    expect(await new NatsStatus().answers()).toBe('connection closed');
  });
});
