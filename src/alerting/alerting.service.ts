import { BadRequestException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Anomaly } from '../anomalies/anomaly.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { assertAllowedTarget, TargetNotAllowedError } from './address-policy.js';
import { AlertSender, type DeliveryRecord } from './alert-sender.js';
import { AlertingRepository } from './alerting.repository.js';
import { type Channel, configProblems, maskChannel, tenantUrlOf } from './channel.js';
import type { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto.js';
import type { Notification } from './notification.js';

export interface AlertEvent {
  at: string;
  alertKey: string;
  source: 'anomaly';
  anomalyId: string;
  type: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
}

/**
 * Channels and delivery. Every anomaly alerts on all the tenant's channels: one notification when
 * it opens, one when it resolves. Sending happens on the instance that detected the change (the
 * one holding the detector lock), so each notification goes out once.
 */
@Injectable()
export class AlertingService {
  private readonly logger = new Logger(AlertingService.name);
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly repository: AlertingRepository,
    private readonly sender: AlertSender,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  async create(tenantId: string, dto: CreateChannelDto): Promise<Channel & { signingSecret?: string }> {
    await this.check(dto.type, dto.config);
    const now = new Date().toISOString();
    const channel: Channel = { id: `ch_${randomBytes(8).toString('hex')}`, type: dto.type, name: dto.name, config: { ...dto.config }, createdAt: now, updatedAt: now };
    let signingSecret: string | undefined;
    if (channel.type === 'webhook') {
      signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
      channel.config.secret = signingSecret;
    }
    await this.repository.saveChannel(tenantId, channel);
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
    if (!(await this.repository.deleteChannel(tenantId, id))) throw new NotFoundException(`No channel ${id}`);
  }

  /** Sends a test notification now; reports the outcome, never the receiver's body. */
  async test(tenantId: string, id: string) {
    const channel = await this.find(tenantId, id);
    const n = this.notification(tenantId, 'test', 'test', 'info', 'Test notification', 'Pulse can reach this channel.', {});
    const result = await this.sender.attempt(channel, n);
    await this.repository.log(tenantId, 'deliveries', {
      at: new Date().toISOString(), alertKey: 'test', event: 'test', channelId: channel.id, channelType: channel.type,
      attempt: 1, outcome: result.ok ? 'delivered' : 'failed', statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error,
    } satisfies DeliveryRecord);
    return { channelId: channel.id, delivered: result.ok, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error };
  }

  alerts(tenantId: string, since: number, limit: number) {
    return this.repository.read<AlertEvent>(tenantId, 'alerts', since, limit);
  }

  deliveries(tenantId: string, since: number, limit: number) {
    return this.repository.read<DeliveryRecord>(tenantId, 'deliveries', since, limit);
  }

  /** An anomaly opened or resolved: record the alert and notify every channel (in the background). */
  async onAnomaly(tenantId: string, event: 'opened' | 'resolved', anomaly: Anomaly): Promise<void> {
    const status = event === 'opened' ? 'firing' : 'resolved';
    const alertKey = `anomaly:${anomaly.id}`;
    await this.repository.log(tenantId, 'alerts', {
      at: new Date().toISOString(), alertKey, source: 'anomaly', anomalyId: anomaly.id, type: anomaly.type,
      severity: anomaly.severity, status, summary: anomaly.summary,
    } satisfies AlertEvent);
    const n = this.notification(tenantId, alertKey, event === 'opened' ? 'trigger' : 'resolve', anomaly.severity, anomaly.type.replace('_', ' '), anomaly.summary, {
      anomalyId: anomaly.id,
      type: anomaly.type,
      ...anomaly.details,
    });
    for (const channel of await this.repository.channels(tenantId)) {
      const delivery = this.sender
        .deliver(channel, n, (record) => this.repository.log(tenantId, 'deliveries', record))
        .catch((err: Error) => this.logger.warn(`delivery to ${channel.id} failed: ${err.message}`));
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  /** Resolves when the deliveries started so far have finished (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private notification(tenantId: string, alertKey: string, event: Notification['event'], severity: Notification['severity'], title: string, summary: string, details: Record<string, unknown>): Notification {
    return { tenantId, alertKey, event, severity, title, summary, details, at: new Date().toISOString() };
  }

  private async find(tenantId: string, id: string): Promise<Channel> {
    const channel = await this.repository.channel(tenantId, id);
    if (!channel) throw new NotFoundException(`No channel ${id}`);
    return channel;
  }

  private async check(type: Channel['type'], config: Channel['config']): Promise<void> {
    const problems = configProblems(type, config);
    if (problems.length > 0) throw new BadRequestException(problems.join('; '));
    const url = tenantUrlOf({ type, config });
    if (url) {
      try {
        await assertAllowedTarget(url, this.options.alerting.allowPrivateTargets);
      } catch (err) {
        if (err instanceof TargetNotAllowedError) {
          const field = type === 'slack' ? 'config.webhookUrl' : 'config.url';
          throw new BadRequestException(`${field} ${err.message}`);
        }
        throw err;
      }
    }
  }
}
