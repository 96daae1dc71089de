import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Cluster } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Anomaly } from '../anomalies/anomaly.js';
import { JobFailures } from '../jobs/job-failures.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { RedisDataWatch } from '../health/redis-data-watch.js';
import { type OperatorLimitsPolicy, PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { TrafficFlusher } from '../monitoring/traffic-flusher.js';
import { NatsStatus } from '../nats/nats-status.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { AlertSender } from './alert-sender.js';
import type { Channel } from './channel.js';
import { limitAlertKey, limitAlertText, type Notification, withEvidence } from './notification.js';
import { NamedInterval } from '../jobs/named-interval.js';
import type { LimitCrossing } from '../usage/usage.types.js';
import { AlertingRepository } from './alerting.repository.js';

const INTERVAL = 'pulse-operator-alerts';
/** Messages waiting for Redis beyond which the backlog is an incident even before the delay. */
const BACKLOG_LIMIT = 1_000_000;
const JOB_FAILURES_WINDOW_MS = 5 * 60_000;
const JOB_FAILURES_LIMIT = 3;

type Incident =
  | 'nats_unreachable'
  | 'redis_unreachable'
  | 'redis_master_unreachable'
  | 'redis_data_lost'
  | 'flush_backlog'
  | 'job_failures'
  | 'cold_store_degraded';

/** Whether the operator is told of a tenant's limit crossing at `level` (ALERT_OPERATOR_LIMITS). */
export function operatorWantsLimit(policy: OperatorLimitsPolicy, level: LimitCrossing['level']): boolean {
  return policy === 'all' || (policy === 'critical' && level === 'critical');
}

/** Entries kept in the shared incident log. */
const MAX_INCIDENTS = 200;

/** One opening or end of an incident, as the operator console lists them. */
export interface OperatorIncident {
  at: string;
  instance: string;
  incident: string;
  event: 'opened' | 'resolved';
  summary: string;
}

/**
 * Pulse's own incidents, per instance, to the operator's Slack and PagerDuty (configuration, not
 * tenant data, so they work while Redis is down): NATS or Redis unreachable, a Redis Cluster
 * master unreachable, counts piling up in memory, failing scheduled jobs; optionally every
 * tenant's critical anomalies; every tenant's limit crossings by ALERT_OPERATOR_LIMITS (critical
 * ones by default), which the incident log records too.
 */
@Injectable()
export class OperatorAlerts implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(OperatorAlerts.name);
  private readonly instance = randomBytes(4).toString('hex');
  private readonly since = new Map<Incident, number>();
  private readonly firing = new Set<Incident>();
  private readonly channels: Channel[];

  private readonly timer: NamedInterval;
  /** Incidents not yet written to the shared log (Redis was unreachable): written on the next check. */
  private readonly unrecorded: string[] = [];

  constructor(
    private readonly sender: AlertSender,
    private readonly nats: NatsStatus,
    private readonly flusher: TrafficFlusher,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly scheduler: SchedulerRegistry,
    private readonly jobFailures: JobFailures,
    private readonly dataWatch: RedisDataWatch,
    private readonly health: PulseHealthService,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    private readonly keys: RedisKeys,
    private readonly alerting: AlertingRepository,
  ) {
    this.timer = new NamedInterval(this.scheduler, INTERVAL);
    const a = options.alerting;
    const now = new Date().toISOString();
    this.channels = [
      ...(a.operatorSlackWebhookUrl
        ? [
            {
              id: 'operator-slack',
              type: 'slack' as const,
              name: 'operator',
              config: { webhookUrl: a.operatorSlackWebhookUrl },
              createdAt: now,
              updatedAt: now,
            },
          ]
        : []),
      ...(a.operatorPagerdutyRoutingKey
        ? [
            {
              id: 'operator-pagerduty',
              type: 'pagerduty' as const,
              name: 'operator',
              config: { routingKey: a.operatorPagerdutyRoutingKey },
              createdAt: now,
              updatedAt: now,
            },
          ]
        : []),
    ];
  }

  get enabled(): boolean {
    return this.channels.length > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer.start(this.options.alerting.operatorCheckIntervalMs, () => void this.check());
  }

  beforeApplicationShutdown(): void {
    this.timer.stop();
  }

  /** Every tenant's critical anomalies too, when ALERT_OPERATOR_CRITICAL_ANOMALIES is on. */
  async tenantAnomaly(tenantId: string, event: 'opened' | 'resolved', anomaly: Anomaly): Promise<void> {
    if (!this.enabled || !this.options.alerting.operatorCriticalAnomalies || anomaly.severity !== 'critical') return;
    await this.send({
      tenantId,
      alertKey: `tenant:${tenantId}:anomaly:${anomaly.id}`,
      event: event === 'opened' ? 'trigger' : 'resolve',
      severity: 'critical',
      title: `${tenantId}: ${anomaly.type.replaceAll('_', ' ')}`,
      rule: anomaly.type,
      summary: anomaly.summary,
      ...withEvidence(anomaly.details),
      details: { tenantId, anomalyId: anomaly.id, ...anomaly.details },
      at: new Date().toISOString(),
    });
  }

  /**
   * A tenant's limit crossing, when ALERT_OPERATOR_LIMITS wants its level: recorded in the incident
   * log (`tenant_limit`, the console reads it) and sent to the operator channels (in the background,
   * as every operator alert). Once per crossing and event: the mark is set (fenced, in the tenant's
   * `alert:once`) before anything is said, so a crossing handed out again says nothing; one whose
   * send fails after that is not sent again (operator alerts are best effort, from memory).
   */
  async tenantLimit(tenantId: string, crossing: LimitCrossing): Promise<void> {
    if (!operatorWantsLimit(this.options.alerting.operatorLimits ?? 'critical', crossing.level)) return;
    if (!(await this.alerting.markOnce(tenantId, `${crossing.id}|${crossing.event}|operator`))) return;
    const { title, summary, details } = limitAlertText(crossing);
    const at = new Date().toISOString();
    this.unrecorded.push(
      JSON.stringify({
        at,
        instance: this.instance,
        incident: 'tenant_limit',
        event: crossing.event,
        summary: `${tenantId}: ${summary}`,
      } satisfies OperatorIncident),
    );
    await this.recordIncidents();
    if (!this.enabled) return;
    void this.send({
      tenantId,
      alertKey: `tenant:${tenantId}:${limitAlertKey(crossing)}`,
      event: crossing.event === 'opened' ? 'trigger' : 'resolve',
      severity: crossing.level,
      title: `${tenantId}: ${title}`,
      rule: `${crossing.limit} limit`,
      summary,
      details: { tenantId, ...details },
      at,
    });
  }

  /** Pulse's own incidents from every instance, newest first (the operator console). */
  async recent(limit = 50): Promise<OperatorIncident[]> {
    const raw = await this.redis.lrange(this.keys.operatorIncidents(), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as OperatorIncident);
  }

  /** Writes incidents waiting for Redis to the shared log (the newest 200 are kept). */
  private async recordIncidents(): Promise<void> {
    if (this.unrecorded.length === 0 || this.redis.status !== 'ready') return;
    const entries = this.unrecorded.splice(0);
    try {
      await this.redis.lpush(this.keys.operatorIncidents(), ...entries);
      await this.redis.ltrim(this.keys.operatorIncidents(), 0, MAX_INCIDENTS - 1);
    } catch {
      this.unrecorded.unshift(...entries);
      if (this.unrecorded.length > MAX_INCIDENTS) this.unrecorded.length = MAX_INCIDENTS;
    }
  }

  /** One look at this instance's health. */
  async check(now = Date.now()): Promise<void> {
    await this.recordIncidents();
    const backlog = this.flusher.snapshot().backlogMessages;
    // Only a Cluster has masters to lose; a single Redis is covered by redis_unreachable (no round trip).
    const cluster =
      this.redis instanceof Cluster && this.redis.status === 'ready'
        ? (await this.health.redisStatus()).cluster
        : undefined;
    const cold = await this.health.checkColdStore();
    const conditions: Record<Incident, boolean> = {
      nats_unreachable: this.nats.current().state !== 'connected',
      redis_unreachable: this.redis.status !== 'ready',
      // Raised once a master is named (a moment after its slots are first reported failing).
      redis_master_unreachable: Boolean(cluster && (cluster.state === 'fail' || cluster.unreachableMasters.length > 0)),
      redis_data_lost: this.dataWatch.dataLossDetectedAt() !== null,
      flush_backlog: backlog > 0,
      job_failures: this.jobFailures.countSince(now - JOB_FAILURES_WINDOW_MS) >= JOB_FAILURES_LIMIT,
      cold_store_degraded: cold.state === 'degraded',
    };
    for (const [incident, holds] of Object.entries(conditions) as [Incident, boolean][]) {
      if (holds) {
        if (!this.since.has(incident)) this.since.set(incident, now);
        const lasting = now - this.since.get(incident)! >= this.options.alerting.operatorIncidentAfterMs;
        const urgent = incident === 'flush_backlog' && backlog >= BACKLOG_LIMIT;
        if ((lasting || urgent) && !this.firing.has(incident)) {
          this.firing.add(incident);
          await this.incident(
            incident,
            'trigger',
            backlog,
            incident === 'redis_master_unreachable' ? { unreachableMasters: cluster?.unreachableMasters } : {},
          );
        }
      } else {
        this.since.delete(incident);
        if (this.firing.delete(incident)) await this.incident(incident, 'resolve', backlog, {});
      }
    }
  }

  private async incident(
    incident: Incident,
    event: 'trigger' | 'resolve',
    backlog: number,
    details: Record<string, unknown>,
  ): Promise<void> {
    const text: Record<Incident, string> = {
      nats_unreachable: 'Pulse cannot reach NATS: traffic and heartbeats are not being counted',
      redis_unreachable: 'Pulse cannot reach Redis: counts are kept in memory, the API answers 503',
      redis_master_unreachable: `Redis Cluster master unreachable: ${(details.unreachableMasters as string[] | undefined)?.join(', ') || 'not named yet'}. Its slots are unavailable until a replica takes over or it returns: tenants hashed there get 503, their counts wait in memory`,
      redis_data_lost:
        'Redis came back without its data: tenants, API keys and history are gone (run Redis with appendonly yes)',
      flush_backlog: `${backlog} counted messages are waiting in memory for Redis`,
      job_failures: 'Scheduled jobs (offline detection, rollups, anomaly detection) keep failing',
      cold_store_degraded:
        'The cold store (DynamoDB) does not answer: archiving waits and Redis keeps the history meanwhile; reads of history older than the hot window answer 503',
    };
    const at = new Date().toISOString();
    this.unrecorded.push(
      JSON.stringify({
        at,
        instance: this.instance,
        incident,
        event: event === 'trigger' ? 'opened' : 'resolved',
        summary: event === 'resolve' ? `${incident.replaceAll('_', ' ')} is over` : text[incident],
      } satisfies OperatorIncident),
    );
    void this.recordIncidents();
    await this.send({
      tenantId: 'pulse',
      alertKey: `operator:${this.instance}:${incident}`,
      event,
      severity: 'critical',
      title: incident.replaceAll('_', ' '),
      rule: `operator:${incident}`,
      summary: event === 'resolve' ? `${incident.replaceAll('_', ' ')} is over` : text[incident],
      details: { instance: this.instance, incident, ...details },
      at: new Date().toISOString(),
    });
  }

  private async send(n: Notification): Promise<void> {
    for (const channel of this.channels) {
      await this.sender
        .deliver(
          channel,
          n,
          (r) =>
            void (r.outcome === 'failed' && this.logger.error(`operator alert to ${channel.type} failed: ${r.error}`)),
          true,
        )
        .catch(() => undefined);
    }
  }
}
