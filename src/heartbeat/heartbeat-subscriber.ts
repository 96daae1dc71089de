import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { connectNats } from '../nats/nats.module.js';
import { HeartbeatService } from './heartbeat.service.js';

export const HEARTBEAT_PATTERN = '_HEARTBEAT.tenant.*.client.*';

/**
 * The connection's name on the NATS server. It is the one the connection had as Nest's NATS
 * transport, so operators' connection views keep matching.
 */
const CONNECTION_NAME = 'pulse-transport';

/**
 * The one door heartbeats come in by. It subscribes `_HEARTBEAT.tenant.*.client.*` in the
 * deployment's queue group (each heartbeat reaches one instance), on a NATS connection of its own
 * built from the same options as the tap's, and hands each message's subject and raw bytes to
 * `HeartbeatService.ingest` in the subscription callback: no context object, promise or
 * observable per message (ARCHITECTURE.md, "Heartbeats on the NATS client").
 *
 * It connects in `onApplicationBootstrap`, once every module is initialised, and closes in
 * `onApplicationShutdown`, after the PresenceWriter's last flush, with the other connections.
 */
@Injectable()
export class HeartbeatSubscriber implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatSubscriber.name);
  private connection: NatsConnection | null = null;
  private received = 0;

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly heartbeats: HeartbeatService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const connection = await connectNats(this.options.nats, CONNECTION_NAME);
    this.connection = connection;
    void this.logStatus(connection);
    connection.subscribe(HEARTBEAT_PATTERN, {
      queue: this.options.nats.queueGroup,
      callback: (error, message) => this.onMessage(error, message),
    });
  }

  /** Heartbeat messages received so far (accepted or rejected). */
  receivedCount(): number {
    return this.received;
  }

  /**
   * Closes the connection without draining, after the PresenceWriter's last flush: heartbeats
   * repeat every 30 s, and the other instances of the queue group take the next ones.
   */
  async onApplicationShutdown(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection && !connection.isClosed()) await connection.close();
  }

  /** Never throws or awaits: a heartbeat that throws anyway is logged, and the next one proceeds. */
  private onMessage(error: Error | null, message: Msg): void {
    if (error) {
      this.logger.error(error);
      return;
    }
    this.received++;
    try {
      this.heartbeats.ingest(message.subject, message.data, Date.now());
    } catch (err) {
      this.logger.error(String(err));
    }
  }

  private async logStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.logger.warn(`heartbeat connection lost (${status.server})`);
      else if (status.type === 'reconnect') this.logger.log(`heartbeat connection back (${status.server})`);
      else if (status.type === 'error') this.logger.error(`heartbeat connection: ${status.error.message}`);
    }
  }
}
