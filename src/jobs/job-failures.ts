import { Injectable } from '@nestjs/common';

/** Failures of scheduled jobs on this instance, for the operator's `job_failures` incident. */
@Injectable()
export class JobFailures {
  private readonly times: number[] = [];

  record(now = Date.now()): void {
    this.times.push(now);
    if (this.times.length > 100) this.times.shift();
  }

  /** Failures since `since` (ms). */
  countSince(since: number): number {
    return this.times.filter((t) => t >= since).length;
  }
}
