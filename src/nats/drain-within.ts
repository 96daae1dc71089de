import type { NatsConnection } from '@nats-io/transport-node';
import { withTimeout } from '../common/with-timeout.js';

/**
 * How long a shutdown waits for a NATS connection to drain. drain() needs the server's answer
 * (a PING/PONG round trip): a server that stopped answering with its connections open (paused,
 * a network that drops packets) never gives it, and the client's own pings notice only after
 * minutes. Past the deadline the connection is closed without it (close() needs no answer).
 */
export const NATS_DRAIN_DEADLINE_MS = 3000;

/** How long closing a connection may take (it sends nothing and waits for no answer: milliseconds). */
const NATS_CLOSE_DEADLINE_MS = 1000;

/**
 * Drains `connection` within `ms`, then closes it whatever happened: a connection left draining
 * would keep its socket, and the process, alive. Never throws; says what went wrong through `warn`.
 */
export async function drainWithin(
  connection: Pick<NatsConnection, 'drain' | 'close' | 'isClosed'>,
  what: string,
  warn: (message: string) => void,
  ms = NATS_DRAIN_DEADLINE_MS,
): Promise<void> {
  if (connection.isClosed()) return;
  await withTimeout(connection.drain(), ms, `${what} not drained`).catch((err: Error) =>
    warn(`${err.message}: closing it without`),
  );
  await closeWithin(connection, what, warn);
}

/** Closes `connection` within NATS_CLOSE_DEADLINE_MS. Never throws; says what went wrong through `warn`. */
export async function closeWithin(
  connection: Pick<NatsConnection, 'close' | 'isClosed'>,
  what: string,
  warn: (message: string) => void,
): Promise<void> {
  if (connection.isClosed()) return;
  await withTimeout(
    Promise.resolve().then(() => connection.close()),
    NATS_CLOSE_DEADLINE_MS,
    `${what} not closed`,
  ).catch((err: Error) => warn(err.message));
}
