import { Module } from '@nestjs/common';
import { JobFailures } from './job-failures.js';
import { Timings } from './timings.js';

/** The home of JobFailures and Timings; every module with a scheduled job imports this one (one instance each). */
@Module({
  providers: [JobFailures, Timings],
  exports: [JobFailures, Timings],
})
export class JobsModule {}
