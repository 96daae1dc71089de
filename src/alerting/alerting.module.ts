import { Module } from '@nestjs/common';
import { AlertSender } from './alert-sender.js';
import { AlertingRepository } from './alerting.repository.js';
import { AlertingService } from './alerting.service.js';
import { AlertsController } from './alerts.controller.js';

@Module({
  controllers: [AlertsController],
  providers: [AlertingRepository, AlertSender, AlertingService],
  exports: [AlertingService],
})
export class AlertingModule {}
