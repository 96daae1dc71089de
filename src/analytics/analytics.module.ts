import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AnalyticsService } from './analytics.service.js';
import { RollupJob } from './rollup.job.js';
import { HistoryModule } from '../history/history.module.js';

@Module({
  imports: [MonitoringModule, JobsModule, TenantsModule, HeartbeatModule, HistoryModule],
  providers: [AnalyticsService, RollupJob],
  exports: [AnalyticsService, RollupJob],
})
export class AnalyticsModule {}
