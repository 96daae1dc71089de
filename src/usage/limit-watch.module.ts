import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { LimitEvents } from './limit-events.js';
import { LimitWatch } from './limit-watch.job.js';
import { LimitWatchRepository } from './limit-watch.repository.js';

/**
 * The limit watch and its seam (issue #34). It reads UTILISATION_SOURCE, which UsageModule
 * provides: until it is imported here (or given by a global module, as the tests do), the watch
 * does not start and says so once.
 */
@Module({
  imports: [JobsModule, TenantsModule],
  providers: [LimitWatchRepository, LimitWatch, LimitEvents],
  exports: [LimitWatch, LimitEvents],
})
export class LimitWatchModule {}
