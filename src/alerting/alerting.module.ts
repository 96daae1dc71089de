import { JobsModule } from '../jobs/jobs.module.js';
import { Module } from '@nestjs/common';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HealthModule } from '../health/health.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { RuleEvaluatorJob } from './rule-evaluator.job.js';
import { RuleMetricsReader } from './rule-metrics.reader.js';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { OperatorAlerts } from './operator-alerts.job.js';
import { AlertSender } from './alert-sender.js';
import { AlertingRepository } from './alerting.repository.js';
import { AlertingService } from './alerting.service.js';
import { AlertsController } from './alerts.controller.js';
import { DeliveryQueueRepository } from './delivery-queue.repository.js';
import { DeliveryWorker } from './delivery-worker.js';
import { UsageModule } from '../usage/usage.module.js';

@Module({
  imports: [
    JobsModule,
    TenantsModule,
    MonitoringModule,
    HealthModule,
    AnomaliesModule,
    MetricsModule,
    JetStreamModule,
    UsageModule,
  ],
  controllers: [AlertsController],
  providers: [
    AlertingRepository,
    AlertSender,
    AlertingService,
    DeliveryQueueRepository,
    DeliveryWorker,
    RuleMetricsReader,
    RuleEvaluatorJob,
    OperatorAlerts,
  ],
  exports: [AlertingService, RuleEvaluatorJob, OperatorAlerts, AlertSender],
})
export class AlertingModule {}
