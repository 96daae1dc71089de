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
import { LimitEvents } from './limit-events.js';
import { LimitWatch } from './limit-watch.job.js';
import { LimitWatchRepository } from './limit-watch.repository.js';
import { UsageExportController } from './usage-export.controller.js';
import { UsageExportService } from './usage-export.service.js';
import { UTILISATION_SOURCE } from './usage.types.js';

/**
 * What a tenant sees of its usage and limits (issue #34): UsageService (the routes, the tenant's
 * Prometheus series, and the UTILISATION_SOURCE the limit watch reads), the usage minute job, the
 * limit watch and its seam (LimitEvents, which alerting subscribes to), and the hourly usage export.
 * The server's figures come from NatsEventsModule's SERVER_USAGE_READER (optional: without it the
 * server figures are off), the one-account shape's JetStream from JetStreamModule's reader.
 */
@Module({
  imports: [JobsModule, TenantsModule, HistoryModule, NatsEventsModule, JetStreamModule],
  controllers: [UsageController, UsageAdminController, UsageExportController],
  providers: [
    { provide: UsageKeys, inject: [RedisKeys], useFactory: (keys: RedisKeys) => new UsageKeys(keys.prefix) },
    UsageService,
    { provide: UTILISATION_SOURCE, useExisting: UsageService },
    UsageMinuteJob,
    LimitWatchRepository,
    LimitWatch,
    LimitEvents,
    UsageExportService,
  ],
  exports: [UsageService, UTILISATION_SOURCE, UsageMinuteJob, LimitWatch, LimitEvents],
})
export class UsageModule {}
