import { Module } from '@nestjs/common';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NatsEventsService } from './nats-events.service.js';
import { RedisServerUsageReader } from './server-usage.reader.js';
import { ServerUsageRepository } from './server-usage.repository.js';
import { SERVER_USAGE_READER } from './server-usage.types.js';

/**
 * The NATS server's view of each tenant's connections and of what it counts for the tenant
 * (system account; off without one). SERVER_USAGE_READER: the contract usage/ reads.
 */
@Module({
  imports: [JobsModule, TenantsModule, HeartbeatModule],
  providers: [
    NatsEventsService,
    ServerUsageRepository,
    RedisServerUsageReader,
    { provide: SERVER_USAGE_READER, useExisting: RedisServerUsageReader },
  ],
  exports: [NatsEventsService, SERVER_USAGE_READER],
})
export class NatsEventsModule {}
