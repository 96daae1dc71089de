import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { NatsEventsModule } from '../nats-events/nats-events.module.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { UsageAdminController, UsageController } from './usage.controller.js';
import { UsageKeys } from './usage-keys.js';
import { UsageMinuteJob } from './usage-minute.job.js';
import { UsageService } from './usage.service.js';
import { UTILISATION_SOURCE } from './usage.types.js';

/**
 * What a tenant sees of its usage and limits (issue #34): UsageService (the routes, the tenant's
 * Prometheus series, and the UTILISATION_SOURCE the limit watch reads) and the usage minute job.
 * The server's figures come from NatsEventsModule's SERVER_USAGE_READER (optional: without it the
 * server figures are off), the one-account shape's JetStream from JetStreamModule's reader.
 */
@Module({
  imports: [JobsModule, TenantsModule, HistoryModule, NatsEventsModule, JetStreamModule],
  controllers: [UsageController, UsageAdminController],
  providers: [
    { provide: UsageKeys, inject: [RedisKeys], useFactory: (keys: RedisKeys) => new UsageKeys(keys.prefix) },
    UsageService,
    { provide: UTILISATION_SOURCE, useExisting: UsageService },
    UsageMinuteJob,
  ],
  exports: [UsageService, UTILISATION_SOURCE, UsageMinuteJob],
})
export class UsageModule {}
