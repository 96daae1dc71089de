import { Module } from '@nestjs/common';
import { RedisKeys } from '../redis/redis-keys.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { ArchiveJob } from './archive.job.js';
import { HistoryKeys } from './history-keys.js';
import { HistoryReader } from './history-reader.js';
import { HistoryStore } from './history-store.js';
import { HistoryWriter } from './history-writer.js';

/**
 * The history store (ARCHITECTURE.md, History): the counter schema, the flush's writes, the reads
 * across Redis and the cold store, the rollups' scripts, the archiver and late data.
 */
@Module({
  imports: [JobsModule, TenantsModule],
  providers: [
    { provide: HistoryKeys, inject: [RedisKeys], useFactory: (keys: RedisKeys) => new HistoryKeys(keys.prefix) },
    HistoryWriter,
    HistoryReader,
    HistoryStore,
    ArchiveJob,
  ],
  exports: [HistoryKeys, HistoryWriter, HistoryReader, HistoryStore, ArchiveJob],
})
export class HistoryModule {}
