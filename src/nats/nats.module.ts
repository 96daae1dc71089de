import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { drainWithin } from './drain-within.js';
import { natsConnectionOptions } from './nats-connection-options.js';
import { NatsStatus } from './nats-status.js';

/** The raw connection used by the message tap and for Pulse's own publications. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

export async function connectNats(options: PulseOptions['nats'], name: string): Promise<NatsConnection> {
  const connectionOptions = natsConnectionOptions(options, name);
  try {
    return await connect(connectionOptions);
  } catch (err) {
    throw new Error(`Cannot connect to NATS at ${options.servers.join(',')}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

@Global()
@Module({
  providers: [
    NatsStatus,
    {
      provide: NATS_CONNECTION,
      inject: [PULSE_OPTIONS, NatsStatus],
      useFactory: async (options: PulseOptions, status: NatsStatus) => {
        const connection = await connectNats(options.nats, 'pulse');
        status.watch(connection);
        return connection;
      },
    },
  ],
  exports: [NATS_CONNECTION, NatsStatus],
})
export class NatsModule implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsModule.name);

  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}

  /**
   * drain() delivers what is already buffered to the subscriptions before closing; a server that
   * does not answer gets NATS_DRAIN_DEADLINE_MS, then the connection is closed without it.
   */
  async onApplicationShutdown(): Promise<void> {
    await drainWithin(this.connection, 'NATS connection', (message) => this.logger.warn(message));
  }
}
