import { Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { withTimeout } from '../common/with-timeout.js';

/**
 * Readiness' round trip to the server (flush(): PING, PONG) must be answered within this. The
 * client's own pings notice a server that stopped answering with its connection open (paused, a
 * network dropping packets) only after minutes (2 min interval, 2 missed); readiness within this.
 */
export const NATS_READY_TIMEOUT_MS = 1000;
/** An answered round trip serves the readiness probes of this long: a burst of probes sends one PING. */
export const NATS_READY_FRESH_MS = 1000;

/** The server answered the round trip (null), or why the connection is not usable. */
export type NatsAnswer = string | null;

export type NatsState = 'connected' | 'reconnecting' | 'disconnected' | 'closed';

export interface NatsStatusSnapshot {
  state: NatsState;
  server: string | null;
  reconnects: number;
  /** Times the client reported one of our subscriptions as a slow consumer. */
  slowConsumerEvents: number;
  lastError: string | null;
}

/** Follows the raw connection's status stream so health can say what NATS looks like right now. */
@Injectable()
export class NatsStatus {
  private readonly logger = new Logger(NatsStatus.name);
  private snapshot: NatsStatusSnapshot = {
    state: 'disconnected',
    server: null,
    reconnects: 0,
    slowConsumerEvents: 0,
    lastError: null,
  };

  private connection: Pick<NatsConnection, 'flush' | 'isClosed'> | null = null;
  /** The round trip in flight (at most one: while it is unanswered, no other is sent). */
  private roundTrip: { startedAt: number; answer: Promise<NatsAnswer> } | null = null;
  /** When a round trip was last answered (ms). */
  private answeredAt = 0;

  /** Since when (ms) the connection has been up without a break; null while it is not. */
  private connectedSince: number | null = null;

  /** How long the connection has been up without a break (0 while it is not). */
  connectedFor(now = Date.now()): number {
    return this.connectedSince === null ? 0 : now - this.connectedSince;
  }

  watch(connection: NatsConnection): void {
    this.connection = connection;
    this.snapshot.state = 'connected';
    this.connectedSince = Date.now();
    this.snapshot.server = connection.getServer();
    void this.follow(connection);
  }

  current(): NatsStatusSnapshot {
    return { ...this.snapshot };
  }

  /**
   * Whether the server answers now: null once a round trip (flush()) is answered within
   * NATS_READY_TIMEOUT_MS, else why not. At most one round trip is in flight, shared by concurrent
   * callers; while it stays unanswered (a paused server) no other is sent, and a caller after its
   * deadline is told at once, without waiting. An answer serves for NATS_READY_FRESH_MS.
   */
  async answers(now = Date.now()): Promise<NatsAnswer> {
    const connection = this.connection;
    if (!connection || connection.isClosed()) return 'connection closed';
    if (now - this.answeredAt < NATS_READY_FRESH_MS) return null;
    let trip = this.roundTrip;
    if (!trip) {
      const started = { startedAt: now, answer: Promise.resolve<NatsAnswer>(null) };
      started.answer = Promise.resolve()
        .then(() => connection.flush())
        .then(
          () => {
            this.answeredAt = Date.now();
            return null;
          },
          (err: Error) => `round trip failed: ${err.message}`,
        )
        .finally(() => {
          if (this.roundTrip === started) this.roundTrip = null;
        });
      this.roundTrip = trip = started;
    }
    const left = trip.startedAt + NATS_READY_TIMEOUT_MS - now;
    const { startedAt } = trip;
    // A deadline passed while the event loop was busy (a long GC, a loaded machine) may find the
    // server's answer read from the socket but not yet handled: timers run before I/O callbacks.
    // One turn of the loop (setImmediate runs after them) lets an answer that arrived be counted.
    const verdict = async (): Promise<NatsAnswer> => {
      await new Promise((resolve) => setImmediate(resolve));
      return this.answeredAt >= startedAt ? null : `no answer to a round trip within ${NATS_READY_TIMEOUT_MS} ms`;
    };
    if (left <= 0) return verdict();
    return withTimeout(trip.answer, left, 'no answer').catch(verdict);
  }

  recordSlowConsumer(): void {
    this.snapshot.slowConsumerEvents++;
  }

  private async follow(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      switch (status.type) {
        case 'disconnect':
          this.snapshot.state = 'disconnected';
          this.connectedSince = null;
          this.logger.warn(`NATS disconnected from ${status.server}`);
          break;
        case 'reconnecting':
          this.snapshot.state = 'reconnecting';
          break;
        case 'reconnect':
          this.snapshot.state = 'connected';
          this.connectedSince = Date.now();
          this.snapshot.server = status.server;
          this.snapshot.reconnects++;
          this.logger.log(`NATS reconnected to ${status.server}`);
          break;
        case 'slowConsumer':
          this.recordSlowConsumer();
          this.logger.warn(`NATS slow consumer on ${status.sub.getSubject()}: ${status.pending} pending`);
          break;
        case 'error':
          this.snapshot.lastError = status.error.message;
          this.logger.error(`NATS error: ${status.error.message}`);
          break;
        case 'close':
          this.snapshot.state = 'closed';
          this.connectedSince = null;
          break;
        default:
          break;
      }
    }
    this.snapshot.state = 'closed';
  }
}
