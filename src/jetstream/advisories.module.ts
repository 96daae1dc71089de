import { Module } from '@nestjs/common';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { AdvisoryKeys } from './advisories-keys.js';
import { AdvisoriesService } from './advisories.service.js';
import { JetStreamModule } from './jetstream.module.js';

/**
 * JetStream advisories counted per tenant and anomaly window (issue #33). Its service reads
 * stream owners and the tenants' consumers through `JETSTREAM_READER` (JetStreamModule's
 * provider) and tiers through TenantDirectory.
 */
@Module({
  imports: [JetStreamModule, TenantsModule],
  providers: [
    { provide: AdvisoryKeys, inject: [RedisKeys], useFactory: (keys: RedisKeys) => new AdvisoryKeys(keys.prefix) },
    AdvisoriesService,
  ],
  exports: [AdvisoriesService],
})
export class AdvisoriesModule {}
