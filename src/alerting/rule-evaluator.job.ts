import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobFailures } from '../common/job-failures.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { RedisLock } from '../redis/redis-lock.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { AlertingRepository } from './alerting.repository.js';
import { AlertingService } from './alerting.service.js';
import { IDLE, type RuleState, stepRule } from './rule.js';
import { RuleMetricsReader } from './rule-metrics.reader.js';

const LOCK_NAME = 'alert-evaluator';
const INTERVAL = 'pulse-alert-evaluator';

/**
 * Every ALERT_EVALUATION_INTERVAL_SECONDS one instance (Redis lock) evaluates every enterprise
 * tenant's custom rules on merged data; rule state lives in Redis, so a change of instance keeps
 * a firing alert firing, and each notification is sent once.
 */
@Injectable()
export class RuleEvaluatorJob implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(RuleEvaluatorJob.name);
  private running: Promise<number | null> | null = null;
  private stopped = false;

  constructor(
    private readonly repository: AlertingRepository,
    private readonly alerting: AlertingService,
    private readonly reader: RuleMetricsReader,
    private readonly directory: TenantDirectory,
    private readonly lock: RedisLock,
    private readonly scheduler: SchedulerRegistry,
    private readonly jobFailures: JobFailures,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  onModuleInit(): void {
    this.scheduler.addInterval(INTERVAL, setInterval(() => void this.run(), this.options.alerting.evaluationIntervalMs));
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
  }

  /** One evaluation of every rule; returns the transitions, or null without the lock. */
  run(now = Date.now()): Promise<number | null> {
    this.running ??= this.pass(now)
      .catch((err: Error) => {
        this.jobFailures.record();
        this.logger.warn(`rule evaluation failed, next run retries: ${err.message}`);
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(now: number): Promise<number | null> {
    if (this.stopped) return null;
    const ttl = Math.max(30_000, 2 * this.options.alerting.evaluationIntervalMs);
    const held = await this.lock.acquire(LOCK_NAME, ttl);
    if (!held) return null;
    let transitions = 0;
    try {
      for (const tenant of this.directory.list()) {
        if (tenant.tier !== 'enterprise') continue;
        const rules = await this.alerting.rules(tenant.id);
        if (rules.length === 0) continue;
        const values = await this.reader.read(tenant.id, now);
        const states = await this.repository.ruleStates(tenant.id);
        for (const rule of rules) {
          const state: RuleState = states[rule.id] ? (JSON.parse(states[rule.id]) as RuleState) : IDLE;
          const step = stepRule(rule, state, values[rule.metric], now, this.options.alerting.repeatIntervalMs);
          await this.repository.saveRuleState(tenant.id, rule.id, step.state);
          if (step.transition) {
            transitions++;
            await this.alerting.onRule(tenant.id, rule, step.transition, values[rule.metric]);
          }
        }
        await held.extend(ttl);
      }
    } finally {
      await held.release().catch(() => undefined);
    }
    return transitions;
  }
}
