import { Module } from '@nestjs/common';
import { AlertingModule } from '../alerting/alerting.module.js';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HealthModule } from '../health/health.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { PrometheusController } from './prometheus.controller.js';
import { PrometheusService } from './prometheus.service.js';

@Module({
  imports: [JobsModule, MonitoringModule, HeartbeatModule, HealthModule, AlertingModule, AnomaliesModule],
  controllers: [PrometheusController],
  providers: [PrometheusService],
  exports: [PrometheusService],
})
export class ObservabilityModule {}
