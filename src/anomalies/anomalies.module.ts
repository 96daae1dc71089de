import { Module } from '@nestjs/common';
import { RedisLock } from '../redis/redis-lock.js';
import { AlertingModule } from '../alerting/alerting.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AnomalyDetectionJob } from './anomaly-detection.job.js';
import { AnomalyStore } from './anomaly.store.js';

@Module({
  imports: [TenantsModule, AlertingModule, HeartbeatModule],
  providers: [AnomalyStore, AnomalyDetectionJob, RedisLock],
  exports: [AnomalyStore, AnomalyDetectionJob],
})
export class AnomaliesModule {}
