import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { ColdPartitions } from './cold-partitions.js';
import { COLD_STORE, type ColdStore } from './cold-store.js';
import { DynamoColdStore } from './dynamo-cold-store.js';

/** Provides COLD_STORE: the DynamoDB cold store when COLD_STORE=dynamodb, else null (Redis only). */
@Global()
@Module({
  providers: [
    {
      provide: COLD_STORE,
      inject: [PULSE_OPTIONS],
      useFactory: (options: PulseOptions): ColdStore | null =>
        options.coldStore ? new DynamoColdStore(options.coldStore) : null,
    },
    ColdPartitions,
  ],
  exports: [COLD_STORE, ColdPartitions],
})
export class ColdStoreModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ColdStoreModule.name);

  constructor(@Optional() @Inject(COLD_STORE) private readonly store: ColdStore | null) {}

  async onModuleInit(): Promise<void> {
    if (!(this.store instanceof DynamoColdStore)) return;
    // Unreachable at start is not fatal: archiving waits (Redis keeps the history) and health says so.
    await this.store.ensureTable().catch((err: Error) => this.logger.warn(`cold store not ready: ${err.message}`));
  }

  onApplicationShutdown(): void {
    if (this.store instanceof DynamoColdStore) this.store.close();
  }
}
