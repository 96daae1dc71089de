import { Injectable } from '@nestjs/common';

/**
 * Failures of scheduled jobs on this instance: the recent ones for the operator's `job_failures`
 * incident, and a count per job since start (`pulse_job_failures_total{job_name}`). Job names are the
 * fixed set of LockedJob names, so the map stays small.
 */
@Injectable()
export class JobFailures {
  private readonly times: number[] = [];
  private readonly byJob = new Map<string, number>();

  record(job: string, now = Date.now()): void {
    this.times.push(now);
    if (this.times.length > 100) this.times.shift();
    this.byJob.set(job, (this.byJob.get(job) ?? 0) + 1);
  }

  /** Failures since `since` (ms). */
  countSince(since: number): number {
    return this.times.filter((t) => t >= since).length;
  }

  /** Failures per job name since this instance started. */
  totals(): ReadonlyMap<string, number> {
    return this.byJob;
  }
}
