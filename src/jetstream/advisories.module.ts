import { Module } from '@nestjs/common';
import { RedisKeys } from '../redis/redis-keys.js';
import { AdvisoryKeys } from './advisories-keys.js';
import { AdvisoriesService } from './advisories.service.js';
import { JetStreamModule } from './jetstream.module.js';

/**
 * JetStream advisories counted per tenant and anomaly window (issue #33). Its service reads
 * stream owners through `JETSTREAM_READER` (JetStreamModule's provider).
 */
@Module({
  imports: [JetStreamModule],
  providers: [
    { provide: AdvisoryKeys, inject: [RedisKeys], useFactory: (keys: RedisKeys) => new AdvisoryKeys(keys.prefix) },
    AdvisoriesService,
  ],
  exports: [AdvisoriesService],
})
export class AdvisoriesModule {}
