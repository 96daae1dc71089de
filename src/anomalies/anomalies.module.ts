import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { AdvisoriesModule } from '../jetstream/advisories.module.js';
import { AnomalyDetectionJob } from './anomaly-detection.job.js';
import { AnomalyRepository } from './anomaly.repository.js';
import { AnomalyEvents } from './anomaly-events.js';
import { AnomalyStoryService } from './anomaly-story.service.js';

@Module({
  imports: [
    JobsModule,
    TenantsModule,
    MonitoringModule,
    HeartbeatModule,
    HistoryModule,
    AdvisoriesModule,
    JetStreamModule,
  ],
  providers: [AnomalyRepository, AnomalyDetectionJob, AnomalyEvents, AnomalyStoryService],
  exports: [AnomalyRepository, AnomalyDetectionJob, AnomalyEvents, AnomalyStoryService],
})
export class AnomaliesModule {}
