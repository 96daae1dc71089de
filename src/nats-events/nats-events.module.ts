import { Module } from '@nestjs/common';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NatsEventsService } from './nats-events.service.js';

/** The NATS server's view of each tenant's connections (system account; off without one). */
@Module({
  imports: [JobsModule, TenantsModule, HeartbeatModule],
  providers: [NatsEventsService],
  exports: [NatsEventsService],
})
export class NatsEventsModule {}
