import { Module } from '@nestjs/common';
import { AnomaliesModule } from '../anomalies/anomalies.module.js';
import { HeartbeatModule } from '../heartbeat/heartbeat.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { AlertingModule } from '../alerting/alerting.module.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import { EventLog } from './event-log.js';
import { EventDeliveryWorker } from './event-delivery.worker.js';

/** Webhook events to the tenants' own endpoints (issue #38): the event log, subscriptions, delivery. */
@Module({
  imports: [TenantsModule, HeartbeatModule, AnomaliesModule, UsageModule, AlertingModule],
  controllers: [EventsController],
  providers: [EventLog, SubscriptionsRepository, EventsService, EventDeliveryWorker],
  exports: [EventLog, EventsService, EventDeliveryWorker],
})
export class EventsModule {}
