import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A repeating timer registered under a name in Nest's SchedulerRegistry (so it shows among the
 * application's schedules and tests can find it), started once and stopped on shutdown. The one
 * way a provider runs work every N ms; jobs that must run once across instances use LockedJob.
 */
export class NamedInterval {
  constructor(
    private readonly scheduler: SchedulerRegistry,
    readonly name: string,
  ) {}

  /** Starts `tick` every `ms` (replacing a timer of the same name). */
  start(ms: number, tick: () => void): void {
    this.stop();
    this.scheduler.addInterval(this.name, setInterval(tick, ms));
  }

  stop(): void {
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
  }
}
