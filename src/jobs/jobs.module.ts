import { Module } from '@nestjs/common';
import { JobFailures } from './job-failures.js';

/** The home of JobFailures; every module with a scheduled job imports this one (one instance). */
@Module({
  providers: [JobFailures],
  exports: [JobFailures],
})
export class JobsModule {}
