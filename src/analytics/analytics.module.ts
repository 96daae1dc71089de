import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { AnalyticsService } from './analytics.service.js';
import { RollupJob } from './rollup.job.js';
import { ArchiveJob } from './archive.job.js';

@Module({
  imports: [MonitoringModule, JobsModule, TenantsModule, HeartbeatModule],
  providers: [AnalyticsRepository, AnalyticsService, RollupJob, ArchiveJob],
  exports: [AnalyticsService, RollupJob, ArchiveJob, AnalyticsRepository],
})
export class AnalyticsModule {}
