import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AnomalyDetectionJob } from './anomaly-detection.job.js';
import { AnomalyStore } from './anomaly.store.js';
import { AnomalyEvents } from './anomaly-events.js';

@Module({
  imports: [JobsModule, TenantsModule, HeartbeatModule],
  providers: [AnomalyStore, AnomalyDetectionJob, AnomalyEvents],
  exports: [AnomalyStore, AnomalyDetectionJob, AnomalyEvents],
})
export class AnomaliesModule {}
