import { CustomMetricRepository } from './custom/custom-metric.repository.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module.js';
import { MessageTap } from './message-tap.js';
import { TrafficAggregator } from './traffic-aggregator.js';
import { TrafficFlusher } from './traffic-flusher.js';
import { HistoryModule } from '../history/history.module.js';

@Module({
  imports: [TenantsModule, JobsModule, HistoryModule],
  providers: [TrafficAggregator, TrafficFlusher, MessageTap, CustomMetricRepository],
  exports: [TrafficAggregator, TrafficFlusher, MessageTap, CustomMetricRepository],
})
export class MonitoringModule {}
