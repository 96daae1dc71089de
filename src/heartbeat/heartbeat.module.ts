import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { HeartbeatRejections } from './heartbeat-rejections.js';
import { HeartbeatService } from './heartbeat.service.js';
import { HeartbeatSubscriber } from './heartbeat-subscriber.js';
import { OfflineDetector } from './offline-detector.job.js';
import { PresenceEventsPublisher } from './presence-events.publisher.js';
import { PresenceQueryService } from './presence-query.service.js';
import { PresenceRepository } from './presence.repository.js';
import { PresenceWriter } from './presence-writer.js';
import { ConnectionRepository } from './connection.repository.js';
import { ClientTimeline } from './client-timeline.js';

@Module({
  imports: [JobsModule, TenantsModule],
  providers: [
    HeartbeatSubscriber,
    HeartbeatService,
    HeartbeatRejections,
    PresenceRepository,
    PresenceWriter,
    PresenceEventsPublisher,
    OfflineDetector,
    PresenceQueryService,
    ConnectionRepository,
    ClientTimeline,
  ],
  exports: [
    HeartbeatService,
    PresenceQueryService,
    PresenceWriter,
    OfflineDetector,
    PresenceRepository,
    PresenceEventsPublisher,
    ConnectionRepository,
    ClientTimeline,
  ],
})
export class HeartbeatModule {}
