import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HealthModule } from '../health/health.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { CustomMetricsController } from './custom-metrics.controller.js';
import { CustomMetricsService } from './custom-metrics.service.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';
import { MetricsService } from './metrics.service.js';
import { RealtimeReader } from './realtime.reader.js';
import { ExportSlots } from './export-slots.js';
import { LiveStreams } from './live-streams.js';
import { PagesController } from './pages.controller.js';
import { PagesService } from './pages.service.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { NatsEventsModule } from '../nats-events/nats-events.module.js';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { UsageModule } from '../usage/usage.module.js';

@Module({
  imports: [
    MonitoringModule,
    HistoryModule,
    HealthModule,
    HeartbeatModule,
    AnalyticsModule,
    AnomaliesModule,
    TenantsModule,
    NatsEventsModule,
    JetStreamModule,
    UsageModule,
  ],
  controllers: [MetricsController, CustomMetricsController, PagesController],
  providers: [
    MetricsRepository,
    RealtimeReader,
    MetricsService,
    LiveStreams,
    ExportSlots,
    CustomMetricsService,
    PagesService,
  ],
  exports: [RealtimeReader, MetricsRepository, CustomMetricsService],
})
export class MetricsModule {}
