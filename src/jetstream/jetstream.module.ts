import { Module } from '@nestjs/common';
import { HistoryModule } from '../history/history.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { JetStreamArchive } from './jetstream-archive.js';
import { JetStreamAdminController, JetStreamController } from './jetstream.controller.js';
import { JetStreamPoller } from './jetstream.poller.js';
import { RedisJetStreamReader } from './jetstream.reader.js';
import { JetStreamStore } from './jetstream.store.js';
import { JETSTREAM_READER } from './jetstream.types.js';

/** JetStream per tenant (issue #33): the poll, its store and cold archive, the reader the features above read, the route. */
@Module({
  imports: [JobsModule, TenantsModule, HistoryModule],
  controllers: [JetStreamController, JetStreamAdminController],
  providers: [
    JetStreamStore,
    JetStreamArchive,
    JetStreamPoller,
    RedisJetStreamReader,
    { provide: JETSTREAM_READER, useExisting: RedisJetStreamReader },
  ],
  exports: [JETSTREAM_READER, JetStreamPoller],
})
export class JetStreamModule {}
