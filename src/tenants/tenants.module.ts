import { AdminViews } from './admin-views.js';
import { Module } from '@nestjs/common';
import { ApiKeyService } from './api-key.service.js';
import { TenantChangesPublisher } from './tenant-changes.publisher.js';
import { TenantDirectory } from './tenant-directory.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantShards } from './tenant-shards.js';
import { TenantController } from './tenant.controller.js';
import { TenantsAdminController } from './tenants-admin.controller.js';
import { TenantsService } from './tenants.service.js';

@Module({
  controllers: [TenantsAdminController, TenantController],
  providers: [
    AdminViews,
    TenantRepository,
    ApiKeyService,
    TenantsService,
    TenantChangesPublisher,
    TenantDirectory,
    TenantShards,
  ],
  exports: [AdminViews, TenantRepository, ApiKeyService, TenantsService, TenantDirectory, TenantShards],
})
export class TenantsModule {}
