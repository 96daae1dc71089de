import { Module } from '@nestjs/common';
import { RedisLock } from '../redis/redis-lock.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AnomalyDetectionJob } from './anomaly-detection.job.js';
import { AnomalyStore } from './anomaly.store.js';
import { AnomalyEvents } from './anomaly-events.js';

@Module({
  imports: [TenantsModule, HeartbeatModule],
  providers: [AnomalyStore, AnomalyDetectionJob, AnomalyEvents, RedisLock],
  exports: [AnomalyStore, AnomalyDetectionJob, AnomalyEvents],
})
export class AnomaliesModule {}
