import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MonitoringModule } from '../monitoring/monitoring.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { HealthController } from './health.controller.js';
import { InstanceRegistry } from './instance-registry.js';
import { PulseHealthService } from './pulse-health.service.js';
import { RedisDataWatch } from './redis-data-watch.js';

@Module({
  imports: [TerminusModule, MonitoringModule, TenantsModule],
  controllers: [HealthController],
  providers: [PulseHealthService, RedisDataWatch, InstanceRegistry],
  exports: [PulseHealthService, RedisDataWatch, InstanceRegistry],
})
export class HealthModule {}
