import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobFailures } from '../jobs/job-failures.js';
import { Timings } from '../jobs/timings.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { forEachTenant, LockedJob, LockedJobService } from '../jobs/locked-job.js';
import { type HeldLock, RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { AlertingRepository } from './alerting.repository.js';
import { AlertingService } from './alerting.service.js';
import { IDLE, type RuleState, stepRule } from './rule.js';
import { RuleMetricsReader } from './rule-metrics.reader.js';

/**
 * Every ALERT_EVALUATION_INTERVAL_SECONDS one instance (Redis lock) evaluates every enterprise
 * tenant's custom rules on merged data; rule state lives in Redis, so a change of instance keeps
 * a firing alert firing, and each notification is sent once.
 *
 * A pass (`run()`) returns the number of rule transitions.
 */
@Injectable()
export class RuleEvaluatorJob extends LockedJobService<number> {
  protected readonly job: LockedJob<number>;
  private readonly lockTtl: number;

  constructor(
    private readonly repository: AlertingRepository,
    private readonly alerting: AlertingService,
    private readonly reader: RuleMetricsReader,
    private readonly directory: TenantDirectory,
    lock: RedisLock,
    scheduler: SchedulerRegistry,
    failures: JobFailures,
    timings: Timings,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {
    super();
    this.lockTtl = Math.max(30_000, 2 * options.alerting.evaluationIntervalMs);
    this.job = new LockedJob(
      { lock, scheduler, failures, timings, logger: new Logger(RuleEvaluatorJob.name) },
      {
        name: 'alert-evaluator',
        intervalMs: options.alerting.evaluationIntervalMs,
        lockTtlMs: this.lockTtl,
        work: (held, now) => this.pass(held, now),
      },
    );
  }

  private async pass(held: HeldLock, now: number): Promise<number> {
    let transitions = 0;
    await forEachTenant(this.directory.list('alerts'), async (tenant) => {
      const rules = await this.alerting.rules(tenant.id);
      if (rules.length === 0) return;
      const values = await this.reader.read(
        tenant.id,
        now,
        rules.map((r) => r.metric),
      );
      const states = await this.repository.ruleStates(tenant.id);
      for (const rule of rules) {
        const value = values[rule.metric];
        // A custom metric deleted since the rule was made, or a JetStream stream or consumer not in
        // the last poll, has no value: the rule waits (idle).
        if (value === undefined) continue;
        const state: RuleState = states[rule.id] ? (JSON.parse(states[rule.id]) as RuleState) : IDLE;
        const step = stepRule(rule, state, value, now, this.options.alerting.repeatIntervalMs);
        // Raised first, then the new state stored: a raise that throws leaves the old state, so
        // the next pass makes the same transition and raises it again (a state stored first
        // would say "firing" with no alert ever sent). A failed state write raises it twice.
        if (step.transition) {
          await this.alerting.onRule(tenant.id, rule, step.transition, value);
          transitions++;
        }
        await this.repository.saveRuleState(tenant.id, rule.id, step.state);
      }
      await held.extend(this.lockTtl);
    });
    return transitions;
  }
}
