import { CustomMetricRepository } from '../monitoring/custom/custom-metric.repository.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Anomaly } from '../anomalies/anomaly.js';
import { AnomalyEvents } from '../anomalies/anomaly-events.js';
import { entitled } from '../common/entitlements.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { LimitEvents } from '../usage/limit-events.js';
import type { LimitCrossing } from '../usage/usage.types.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { assertAllowedTarget, TargetNotAllowedError } from './address-policy.js';
import { AlertSender, type DeliveryRecord, deliveryRecord } from './alert-sender.js';
import { AlertingError } from './alerting.errors.js';
import { AlertingRepository } from './alerting.repository.js';
import { DeliveryQueueRepository, MAX_QUEUED_DELIVERIES, type QueuedDelivery } from './delivery-queue.repository.js';
import { DeliveryWorker } from './delivery-worker.js';
import { OperatorAlerts } from './operator-alerts.job.js';
import { type Channel, configProblems, maskChannel, tenantUrlOf } from './channel.js';
import type { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto.js';
import type { CreateRuleDto, CreateSilenceDto, UpdateRuleDto } from './dto/rule.dto.js';
import { type AlertRule, CUSTOM_RULE_PREFIX, readStoredRule, type Silence, silenced } from './rule.js';
import { anomalyLink, limitAlertKey, limitAlertText, type Notification, withEvidence } from './notification.js';

export interface AlertEvent {
  at: string;
  alertKey: string;
  source: 'anomaly' | 'rule' | 'limit' | 'events';
  anomalyId?: string;
  ruleId?: string;
  /** A limit crossing's id (`<tenantId>:<limit>:<level>:<epoch ms it opened>`). */
  crossingId?: string;
  /** The name of what fired: the custom rule's name, or the anomaly detector's. */
  rule: string;
  type: string;
  severity: string;
  status: 'firing' | 'resolved' | 'repeat';
  summary: string;
  /** A matching silence held the notifications back. */
  silenced: boolean;
}

export const ALERTING_LIMITS = { channels: 50, rules: 200, silences: 200 } as const;

const limitReached = (kind: keyof typeof ALERTING_LIMITS) =>
  new AlertingError('LIMIT_REACHED', `A tenant has at most ${ALERTING_LIMITS[kind]} alert ${kind}: delete one first`);

type RaisedAlert = Omit<AlertEvent, 'at' | 'silenced'> & {
  title: string;
  /** Why an anomaly opened, in words (anomalies only). */
  evidence?: string;
  /** The anomaly's story in the dashboard (anomalies only, PULSE_PUBLIC_URL set). */
  link?: string;
  details: Record<string, unknown>;
  channelIds: string[];
};

/** What an anomaly's alert says; anomalies alert on every channel. */
function anomalyAlert(
  anomaly: Anomaly,
  status: AlertEvent['status'],
  summary: string,
  publicUrl: string | undefined,
): RaisedAlert {
  const link = anomalyLink(publicUrl, anomaly.id);
  return {
    alertKey: `anomaly:${anomaly.id}`,
    source: 'anomaly',
    anomalyId: anomaly.id,
    rule: anomaly.type,
    type: anomaly.type,
    severity: anomaly.severity,
    status,
    title: anomaly.type.replaceAll('_', ' '),
    summary,
    ...withEvidence(anomaly.details),
    details: { anomalyId: anomaly.id, type: anomaly.type, ...anomaly.details },
    ...(link !== null && { link }),
    channelIds: [],
  };
}

/** What a limit crossing's alert says; limit crossings alert on every channel. */
function limitAlert(c: LimitCrossing): RaisedAlert {
  const { title, summary, details } = limitAlertText(c);
  return {
    alertKey: limitAlertKey(c),
    source: 'limit',
    crossingId: c.id,
    rule: `${c.limit} limit`,
    type: c.limit,
    severity: c.level,
    status: c.event === 'opened' ? 'firing' : 'resolved',
    title,
    summary,
    details,
    channelIds: [],
  };
}

/** How long settle() waits for the queues to empty. */
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * Channels and delivery. Every anomaly alerts on all the tenant's channels: one notification when
 * it opens, one when it resolves. Raising an alert queues one delivery per channel in the
 * tenant's durable queue in Redis (the caller's outbox entry goes only once that is written); any
 * instance's DeliveryWorker sends them, at least once.
 */
@Injectable()
export class AlertingService {
  private readonly logger = new Logger(AlertingService.name);
  /** Tenants this instance has queued deliveries for (settle() waits for their queues). */
  private readonly queuedFor = new Set<string>();

  constructor(
    private readonly repository: AlertingRepository,
    private readonly sender: AlertSender,
    private readonly operator: OperatorAlerts,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    anomalies: AnomalyEvents,
    private readonly customMetrics: CustomMetricRepository,
    private readonly queue: DeliveryQueueRepository,
    private readonly worker: DeliveryWorker,
    limits: LimitEvents,
    private readonly directory: TenantDirectory,
  ) {
    // Detection emits, alerting listens: the data flows one way (ARCHITECTURE.md, seams).
    anomalies.subscribe({
      changed: (tenantId, event, anomaly) => this.onAnomaly(tenantId, event, anomaly),
      stillOpen: (tenantId, anomaly, now) => this.repeatAnomaly(tenantId, anomaly, now),
    });
    limits.subscribe({ crossed: (crossing) => this.onLimit(crossing) });
  }

  async create(tenantId: string, dto: CreateChannelDto): Promise<Channel & { signingSecret?: string }> {
    await this.check(dto.type, dto.config);
    await this.withinLimit('channels', tenantId);
    const now = new Date().toISOString();
    const channel: Channel = {
      id: `ch_${randomBytes(8).toString('hex')}`,
      type: dto.type,
      name: dto.name,
      config: { ...dto.config },
      createdAt: now,
      updatedAt: now,
    };
    let signingSecret: string | undefined;
    if (channel.type === 'webhook') {
      signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
      channel.config.secret = signingSecret;
    }
    await this.createWithinLimit('channels', tenantId, channel);
    // The secret is in this answer only.
    return signingSecret ? { ...maskChannel(channel), signingSecret } : maskChannel(channel);
  }

  async list(tenantId: string): Promise<Channel[]> {
    return (await this.repository.channels(tenantId)).map(maskChannel);
  }

  async get(tenantId: string, id: string): Promise<Channel> {
    return maskChannel(await this.find(tenantId, id));
  }

  async update(tenantId: string, id: string, dto: UpdateChannelDto): Promise<Channel> {
    const channel = await this.find(tenantId, id);
    if (dto.config) {
      await this.check(channel.type, dto.config);
      channel.config = { ...dto.config, ...(channel.config.secret ? { secret: channel.config.secret } : {}) };
    }
    if (dto.name) channel.name = dto.name;
    channel.updatedAt = new Date().toISOString();
    await this.repository.saveChannel(tenantId, channel);
    return maskChannel(channel);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.repository.deleteChannel(tenantId, id)))
      throw new AlertingError('CHANNEL_NOT_FOUND', `No channel ${id}`);
  }

  /** Sends a test notification now; reports the outcome, never the receiver's body. */
  async test(tenantId: string, id: string) {
    const channel = await this.find(tenantId, id);
    const n = this.notification({
      tenantId,
      alertKey: 'test',
      event: 'test',
      severity: 'info',
      title: 'Pulse channel check',
      rule: 'channel test',
      summary: 'Pulse can reach this channel.',
      details: {},
    });
    const result = await this.sender.attempt(channel, n);
    await this.repository.log(
      tenantId,
      'deliveries',
      deliveryRecord(channel, n, 1, result.ok ? 'delivered' : 'failed', result),
    );
    return {
      channelId: channel.id,
      delivered: result.ok,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
    };
  }

  alerts(tenantId: string, since: number, limit: number) {
    return this.repository.read<AlertEvent>(tenantId, 'alerts', since, limit);
  }

  deliveries(tenantId: string, since: number, limit: number) {
    return this.repository.read<DeliveryRecord>(tenantId, 'deliveries', since, limit);
  }

  /** An anomaly opened or resolved: record the alert and notify every channel (in the background). */
  async onAnomaly(tenantId: string, event: 'opened' | 'resolved', anomaly: Anomaly): Promise<void> {
    void this.operator.tenantAnomaly(tenantId, event, anomaly);
    await this.repository.setNotified(tenantId, `anomaly:${anomaly.id}`, event === 'opened' ? Date.now() : null);
    await this.raise(
      tenantId,
      anomalyAlert(
        anomaly,
        event === 'opened' ? 'firing' : 'resolved',
        anomaly.summary,
        this.options.alerting.publicUrl,
      ),
    );
  }

  /**
   * A limit crossed a threshold or went back below: the operator is told (by its policy), and,
   * when the tenant's tier has alerts, every channel of the tenant. Once per crossing and event: a
   * crossing the limit watch hands out again (its outbox) is neither recorded nor sent again.
   */
  async onLimit(crossing: LimitCrossing): Promise<void> {
    await this.operator.tenantLimit(crossing.tenantId, crossing);
    const tenant = this.directory.get(crossing.tenantId);
    if (!tenant || !entitled(tenant.tier, 'alerts')) return;
    await this.raise(crossing.tenantId, limitAlert(crossing), `${crossing.id}|${crossing.event}|tenant`);
  }

  /**
   * A webhook event subscription was paused after failing `failures` times in a row (src/events):
   * when the tenant's tier has alerts, every channel of the tenant is told, once per pause.
   */
  async onEventsPaused(
    tenantId: string,
    subscriptionId: string,
    notice: { at: string; failures: number; lastError: string | null },
  ): Promise<void> {
    const tenant = this.directory.get(tenantId);
    if (!tenant || !entitled(tenant.tier, 'alerts')) return;
    await this.raise(
      tenantId,
      {
        alertKey: `events:${subscriptionId}`,
        source: 'events',
        rule: 'event subscription paused',
        type: 'event_subscription_paused',
        severity: 'warning',
        status: 'firing',
        title: 'event subscription paused',
        summary: `Webhook events to subscription ${subscriptionId} are paused after ${notice.failures} failed requests in a row (last: ${notice.lastError ?? 'unknown'}); PATCH /api/v1/events/subscriptions/${subscriptionId} {"paused": false} resumes them`,
        details: { subscriptionId, ...notice },
        channelIds: [],
      },
      `events:${subscriptionId}|paused|${notice.at}`,
    );
  }

  /** A still-open anomaly is notified again once the repeat interval has passed. */
  async repeatAnomaly(tenantId: string, anomaly: Anomaly, now = Date.now()): Promise<void> {
    const alertKey = `anomaly:${anomaly.id}`;
    const last = await this.repository.notifiedAt(tenantId, alertKey);
    if (last === null || now - last < this.options.alerting.repeatIntervalMs) return;
    // Raised first: a raise that throws is tried again by the next window, not skipped for a whole interval.
    await this.raise(
      tenantId,
      anomalyAlert(anomaly, 'repeat', `Still open: ${anomaly.summary}`, this.options.alerting.publicUrl),
    );
    await this.repository.setNotified(tenantId, alertKey, now);
  }

  /** A custom rule fired, repeated or resolved. */
  async onRule(
    tenantId: string,
    rule: AlertRule,
    transition: 'fire' | 'repeat' | 'resolve',
    value: number,
  ): Promise<void> {
    const verb =
      transition === 'resolve' ? 'back to normal' : `${rule.operator === 'gt' ? 'above' : 'below'} ${rule.threshold}`;
    await this.raise(tenantId, {
      alertKey: `rule:${rule.id}`,
      source: 'rule',
      ruleId: rule.id,
      rule: rule.name,
      type: rule.metric,
      severity: rule.severity,
      status: transition === 'fire' ? 'firing' : transition === 'repeat' ? 'repeat' : 'resolved',
      title: rule.name,
      summary: `${rule.metric} is ${value} (${verb})`,
      details: {
        ruleId: rule.id,
        metric: rule.metric,
        value,
        operator: rule.operator,
        threshold: rule.threshold,
        forSeconds: rule.forSeconds,
      },
      channelIds: rule.channelIds,
    });
  }

  /**
   * Records the alert and queues one delivery per channel. With `once`, a mark raised already
   * makes it a repeat (nothing recorded or queued), and the queueing sets the mark in the same step.
   */
  private async raise(tenantId: string, a: RaisedAlert, once?: string): Promise<void> {
    if (once !== undefined && (await this.repository.raisedOnce(tenantId, once))) return;
    const now = Date.now();
    const silences = await this.repository.records<Silence>('silences', tenantId);
    const isSilenced = silenced(
      silences,
      {
        alertKey: a.alertKey,
        ruleId: a.ruleId,
        anomalyType: a.source === 'anomaly' ? a.type : undefined,
        severity: a.severity as Notification['severity'],
      },
      now,
    );
    await this.repository.log(tenantId, 'alerts', {
      at: new Date(now).toISOString(),
      alertKey: a.alertKey,
      source: a.source,
      ...(a.anomalyId ? { anomalyId: a.anomalyId } : {}),
      ...(a.ruleId ? { ruleId: a.ruleId } : {}),
      ...(a.crossingId ? { crossingId: a.crossingId } : {}),
      rule: a.rule,
      type: a.type,
      severity: a.severity,
      status: a.status,
      summary: a.summary,
      silenced: isSilenced,
    } satisfies AlertEvent);
    if (isSilenced && once === undefined) return;
    const n = this.notification({
      tenantId,
      alertKey: a.alertKey,
      event: a.status === 'resolved' ? 'resolve' : 'trigger',
      severity: a.severity as Notification['severity'],
      title: a.title,
      rule: a.rule,
      summary: a.summary,
      evidence: a.evidence,
      details: a.details,
      link: a.link,
    });
    const channels = isSilenced
      ? []
      : (await this.repository.channels(tenantId)).filter(
          (c) => a.channelIds.length === 0 || a.channelIds.includes(c.id),
        );
    const deliveries: QueuedDelivery[] = channels.map((c) => ({
      id: `msg_${randomBytes(12).toString('hex')}`,
      channelId: c.id,
      notification: n,
      attempts: 0,
      enqueuedAt: n.at,
    }));
    // Written before this returns: a caller that then forgets the alert (the detection outbox)
    // loses nothing if this instance stops now. A throw leaves the caller to raise it again.
    const result =
      once === undefined
        ? await this.queue.enqueue(tenantId, deliveries)
        : await this.queue.enqueueOnce(tenantId, once, deliveries);
    if (result.dropped > 0) await this.dropped(tenantId, deliveries.slice(deliveries.length - result.dropped));
    if (result.queued > 0) {
      this.queuedFor.add(tenantId);
      void this.worker.poll();
    }
  }

  /** The tenant's queue is at its bound: the deliveries left out are logged and counted, not sent. */
  private async dropped(tenantId: string, left: QueuedDelivery[]): Promise<void> {
    const channels = new Map((await this.repository.channels(tenantId)).map((c) => [c.id, c]));
    this.logger.warn(`tenant ${tenantId}: ${left.length} alert deliveries dropped, ${MAX_QUEUED_DELIVERIES} queued`);
    for (const d of left) {
      const type = channels.get(d.channelId)?.type ?? 'webhook';
      this.sender.count(type, 'dropped');
      await this.repository.log(
        tenantId,
        'deliveries',
        deliveryRecord({ id: d.channelId, type }, d.notification, 0, 'dropped', {
          statusCode: null,
          latencyMs: 0,
          error: `delivery queue full (${MAX_QUEUED_DELIVERIES} queued)`,
        }),
      );
    }
  }

  async createRule(tenantId: string, dto: CreateRuleDto): Promise<AlertRule> {
    await this.checkChannels(tenantId, dto.channelIds ?? []);
    if (dto.metric.startsWith(CUSTOM_RULE_PREFIX)) {
      const id = dto.metric.slice(CUSTOM_RULE_PREFIX.length);
      if (!(await this.customMetrics.find(tenantId, id))) {
        throw new AlertingError('VALIDATION_FAILED', `metric names no custom metric of this tenant (${id})`);
      }
    }
    await this.withinLimit('rules', tenantId);
    const now = new Date().toISOString();
    const rule: AlertRule = {
      id: `ru_${randomBytes(8).toString('hex')}`,
      ...dto,
      channelIds: dto.channelIds ?? [],
      createdAt: now,
      updatedAt: now,
    };
    await this.createWithinLimit('rules', tenantId, rule);
    return rule;
  }

  /** The tenant's rules, oldest first; a stored one that cannot be evaluated is left out (logged). */
  async rules(tenantId: string): Promise<AlertRule[]> {
    const rules: AlertRule[] = [];
    for (const raw of await this.repository.records<unknown>('rules', tenantId)) {
      const rule = readStoredRule(raw);
      if (rule) rules.push(rule);
      else {
        const id = typeof raw === 'object' && raw !== null ? String((raw as { id?: unknown }).id).slice(0, 80) : '?';
        this.logger.warn(
          `tenant ${tenantId}: stored rule ${id} cannot be evaluated (a field missing, null or of the wrong type), skipped; PATCH or delete it`,
        );
      }
    }
    return rules.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async rule(tenantId: string, id: string): Promise<AlertRule> {
    const rule = await this.repository.record<AlertRule>('rules', tenantId, id);
    if (!rule) throw new AlertingError('RULE_NOT_FOUND', `No rule ${id}`);
    return rule;
  }

  async updateRule(tenantId: string, id: string, dto: UpdateRuleDto): Promise<AlertRule> {
    const rule = await this.rule(tenantId, id);
    if (dto.channelIds) await this.checkChannels(tenantId, dto.channelIds);
    const updated: AlertRule = { ...rule, ...dto, updatedAt: new Date().toISOString() };
    await this.repository.saveRecord('rules', tenantId, id, updated);
    return updated;
  }

  async removeRecord(kind: 'rules' | 'silences', tenantId: string, id: string): Promise<void> {
    if (!(await this.repository.deleteRecord(kind, tenantId, id)))
      throw kind === 'rules'
        ? new AlertingError('RULE_NOT_FOUND', `No rule ${id}`)
        : new AlertingError('SILENCE_NOT_FOUND', `No silence ${id}`);
  }

  async createSilence(tenantId: string, dto: CreateSilenceDto): Promise<Silence> {
    await this.withinLimit('silences', tenantId);
    // The DTO bounds and names each field (SilenceMatcherDto); only the fields given are kept.
    const { ruleId, anomalyType, severity, alertKey } = dto.matcher;
    const matcher: Silence['matcher'] = {
      ...(ruleId !== undefined && { ruleId }),
      ...(anomalyType !== undefined && { anomalyType }),
      ...(severity !== undefined && { severity }),
      ...(alertKey !== undefined && { alertKey }),
    };
    if (Object.keys(matcher).length === 0)
      throw new AlertingError(
        'VALIDATION_FAILED',
        'matcher must have one or more of: ruleId, anomalyType, severity, alertKey',
      );
    if (Date.parse(dto.until) <= Date.now())
      throw new AlertingError('VALIDATION_FAILED', 'until must be in the future');
    const silence: Silence = {
      id: `si_${randomBytes(8).toString('hex')}`,
      matcher,
      until: new Date(dto.until).toISOString(),
      createdAt: new Date().toISOString(),
    };
    await this.createWithinLimit('silences', tenantId, silence);
    return silence;
  }

  async silences(tenantId: string): Promise<Silence[]> {
    return this.repository.records<Silence>('silences', tenantId);
  }

  private async checkChannels(tenantId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const known = new Set((await this.repository.channels(tenantId)).map((c) => c.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new AlertingError('VALIDATION_FAILED', `channelIds: unknown channel ${unknown.join(', ')}`);
  }

  /**
   * Resolves when the queues of the tenants this instance raised alerts for are empty (tests):
   * polls them until then, for at most 30 s.
   */
  async settle(tenantIds = [...this.queuedFor]): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await this.worker.poll();
      await this.worker.idle();
      const sizes = await Promise.all(tenantIds.map((t) => this.queue.size(t)));
      if (sizes.every((n) => n === 0) && this.worker.inFlight() === 0) return;
      await new Promise((r) => setTimeout(r, this.worker.pollMs));
    }
  }

  /** The notification of one alert event, stamped now (fields in the order channels serialise them). */
  private notification(fields: Omit<Notification, 'at'>): Notification {
    const { tenantId, alertKey, event, severity, title, rule, summary, evidence, details, link } = fields;
    const why = evidence === undefined ? {} : { evidence };
    const story = link === undefined ? {} : { link };
    return {
      tenantId,
      alertKey,
      event,
      severity,
      title,
      rule,
      summary,
      ...why,
      details,
      ...story,
      at: new Date().toISOString(),
    };
  }

  /**
   * Every record a tenant adds is read on each alert (channels, silences) or each evaluation
   * (rules): their number is bounded, so no tenant can make alerting slow for everyone.
   */
  private async withinLimit(kind: keyof typeof ALERTING_LIMITS, tenantId: string): Promise<void> {
    if ((await this.repository.count(kind, tenantId)) >= ALERTING_LIMITS[kind]) throw limitReached(kind);
  }

  /**
   * The write itself checks the limit again, atomically: withinLimit answers early (before a
   * channel's DNS check), but concurrent creates that all passed it must not all be saved.
   */
  private async createWithinLimit(
    kind: keyof typeof ALERTING_LIMITS,
    tenantId: string,
    record: { id: string },
  ): Promise<void> {
    const created = await this.repository.createWithin(kind, tenantId, record, ALERTING_LIMITS[kind]);
    if (created === null) throw new AlertingError('TENANT_NOT_FOUND', `Tenant ${tenantId} no longer exists`);
    if (!created) throw limitReached(kind);
  }

  private async find(tenantId: string, id: string): Promise<Channel> {
    const channel = await this.repository.channel(tenantId, id);
    if (!channel) throw new AlertingError('CHANNEL_NOT_FOUND', `No channel ${id}`);
    return channel;
  }

  private async check(type: Channel['type'], config: Channel['config']): Promise<void> {
    const problems = configProblems(type, config);
    if (problems.length > 0) throw new AlertingError('VALIDATION_FAILED', problems.join('; '));
    const url = tenantUrlOf({ type, config });
    if (url) {
      try {
        await assertAllowedTarget(url, this.options.alerting.allowPrivateTargets);
      } catch (err) {
        if (err instanceof TargetNotAllowedError) {
          const field = type === 'slack' ? 'config.webhookUrl' : 'config.url';
          throw new AlertingError('VALIDATION_FAILED', `${field} ${err.message}`);
        }
        throw err;
      }
    }
  }
}
