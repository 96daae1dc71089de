import { Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';

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

  /** Since when (ms) the connection has been up without a break; null while it is not. */
  private connectedSince: number | null = null;

  /** How long the connection has been up without a break (0 while it is not). */
  connectedFor(now = Date.now()): number {
    return this.connectedSince === null ? 0 : now - this.connectedSince;
  }

  watch(connection: NatsConnection): void {
    this.snapshot.state = 'connected';
    this.connectedSince = Date.now();
    this.snapshot.server = connection.getServer();
    void this.follow(connection);
  }

  current(): NatsStatusSnapshot {
    return { ...this.snapshot };
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
