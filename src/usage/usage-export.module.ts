import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { UsageExportController } from './usage-export.controller.js';
import { UsageExportService } from './usage-export.service.js';

/** The hourly usage export for billing (issue #34): `GET /api/v1/admin/usage/export`. */
@Module({
  imports: [TenantsModule, HistoryModule],
  controllers: [UsageExportController],
  providers: [UsageExportService],
})
export class UsageExportModule {}
