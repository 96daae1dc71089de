import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { AlertingModule } from '../alerting/alerting.module.js';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { JetStreamModule } from '../jetstream/jetstream.module.js';
import { EventsModule } from '../events/events.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AdminAuditController, TenantAuditController } from './audit.controller.js';
import { AuditModule } from './audit.module.js';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceService } from './compliance.service.js';
import { ComplianceRepository } from './compliance.repository.js';

/** The audit trail's reads, the tenant export and the compliance report (README, Compliance). */
@Module({
  imports: [
    AuditModule,
    TenantsModule,
    AlertingModule,
    AnalyticsModule,
    HistoryModule,
    AnomaliesModule,
    HeartbeatModule,
    MetricsModule,
    JetStreamModule,
    EventsModule,
  ],
  controllers: [AdminAuditController, TenantAuditController, ComplianceController],
  providers: [ComplianceService, ComplianceRepository],
})
export class ComplianceModule {}
