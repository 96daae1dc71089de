import { Module } from '@nestjs/common';
import { AlertingModule } from '../alerting/alerting.module.js';
import { EventsModule } from '../events/events.module.js';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HealthModule } from '../health/health.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NatsEventsModule } from '../nats-events/nats-events.module.js';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { AdvisoriesModule } from '../jetstream/advisories.module.js';
import { AdminOverviewController } from './admin-overview.controller.js';
import { AdminOverviewService } from './admin-overview.service.js';
import { JetStreamOverview } from './jetstream-overview.js';
import { PrometheusController } from './prometheus.controller.js';
import { PrometheusService } from './prometheus.service.js';

@Module({
  imports: [
    JobsModule,
    MonitoringModule,
    MetricsModule,
    TenantsModule,
    HeartbeatModule,
    HealthModule,
    AlertingModule,
    EventsModule,
    AnomaliesModule,
    NatsEventsModule,
    JetStreamModule,
    AdvisoriesModule,
  ],
  controllers: [PrometheusController, AdminOverviewController],
  providers: [PrometheusService, AdminOverviewService, JetStreamOverview],
  exports: [PrometheusService],
})
export class ObservabilityModule {}
