import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { assertAllowedTarget, pinnedLookup, type Resolver, TargetNotAllowedError } from './address-policy.js';

/** Optional provider: the resolver tenant targets are looked up with (tests inject one). */
export const RESOLVER = Symbol('ALERT_TARGET_RESOLVER');
import type { Channel } from './channel.js';
import { tenantUrlOf } from './channel.js';
import {
  emailContent,
  type Notification,
  pagerdutyBody,
  retryDelayMs,
  signWebhook,
  slackBody,
  webhookBody,
} from './notification.js';

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** Our own words, never the receiver's body. */
  error: string | null;
  retryAfter: string | null;
  retryable: boolean;
}

export interface DeliveryRecord {
  at: string;
  alertKey: string;
  event: Notification['event'];
  channelId: string;
  channelType: Channel['type'];
  attempt: number;
  /** `dropped`: not queued, the tenant's delivery queue was full (MAX_QUEUED_DELIVERIES). */
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The delivery log's entry for one attempt (or for a delivery dropped before any). */
export function deliveryRecord(
  channel: Pick<Channel, 'id' | 'type'>,
  n: Notification,
  attempt: number,
  outcome: DeliveryRecord['outcome'],
  result: Pick<AttemptResult, 'statusCode' | 'latencyMs' | 'error'>,
): DeliveryRecord {
  return {
    at: new Date().toISOString(),
    alertKey: n.alertKey,
    event: n.event,
    channelId: channel.id,
    channelType: channel.type,
    attempt,
    outcome,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error,
  };
}

/** Standard Webhooks' headers of one request: its id (the same on every attempt), the time and the signature. */
function signedHeaders(secret: string, id: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}

/** Sends one notification to one channel, with retries; reports every attempt. */
@Injectable()
export class AlertSender {
  private readonly logger = new Logger(AlertSender.name);
  private mailer: Transporter | null = null;
  /** `<channel type>|<outcome>` → attempts, for the operator's metrics. */
  private readonly attempts = new Map<string, number>();

  /** Tenant targets connect through a lookup that checks and pins the address (no rebinding). */
  private readonly tenantAgent: Agent;
  private readonly trustedAgent = new Agent();

  constructor(
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
    @Optional() @Inject(RESOLVER) private readonly resolver?: Resolver,
  ) {
    this.tenantAgent = new Agent({ connect: { lookup: pinnedLookup(options.alerting.allowPrivateTargets, resolver) } });
  }

  /**
   * Attempts with retries, in this process: for the operator's own alerts, which must go out when
   * Redis is what fails (tenant alerts go through the durable queue, DeliveryWorker). `trusted`
   * channels are the operator's own (from configuration, not from a tenant): they skip the
   * public-address check.
   */
  async deliver(
    channel: Channel,
    n: Notification,
    onAttempt: (r: DeliveryRecord) => Promise<void> | void,
    trusted = false,
  ): Promise<boolean> {
    const { maxAttempts, retryBaseMs } = this.options.alerting;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await this.attempt(channel, n, trusted);
      const last = result.ok || !result.retryable || attempt === maxAttempts;
      const outcome = result.ok ? 'delivered' : last ? 'failed' : 'retrying';
      this.count(channel.type, outcome);
      // The delivery log is a record, not a gate: failing to write it must not stop the retries.
      await Promise.resolve()
        .then(() => onAttempt(deliveryRecord(channel, n, attempt, outcome, result)))
        .catch((err: Error) => this.logger.warn(`delivery log not written: ${err.message}`));
      if (result.ok) return true;
      if (last) return false;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, retryBaseMs, result.retryAfter)));
    }
    return false;
  }

  attemptCounts(): Map<string, number> {
    return this.attempts;
  }

  /** Counts an attempt's outcome (or a delivery dropped at the queue's bound) for the operator's metrics. */
  count(type: Channel['type'], outcome: DeliveryRecord['outcome']): void {
    const key = `${type}|${outcome}`;
    this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
  }

  /**
   * One attempt. `webhookId` is the delivery's id, the same on every attempt (and on a repeat by
   * another instance), so a webhook receiver can drop a duplicate; without it, a fresh one.
   */
  async attempt(channel: Channel, n: Notification, trusted = false, webhookId?: string): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (channel.type === 'email') return this.email(channel, n, elapsed);
    const request = this.request(channel, n, webhookId);
    const tenantUrl = tenantUrlOf(channel);
    return this.post(request, tenantUrl !== null && !trusted, this.options.alerting.timeoutMs, 'pulse-alerts', elapsed);
  }

  /**
   * One signed POST (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) of `body`
   * to a tenant's URL, checked against the address policy at send time and connected through the
   * pinned lookup, with a deadline of `timeoutMs`: the webhook events' delivery (src/events).
   */
  sendSigned(url: string, secret: string, webhookId: string, body: string, timeoutMs: number): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return this.post(
      { url, body, headers: signedHeaders(secret, webhookId, body) },
      true,
      timeoutMs,
      'pulse-events',
      elapsed,
    );
  }

  /** POSTs the request; `tenant` targets are checked (a DNS answer may have changed since they were saved) and pinned. */
  private async post(
    request: { url: string; body: string; headers: Record<string, string> },
    tenant: boolean,
    timeoutMs: number,
    userAgent: string,
    elapsed: () => number,
  ): Promise<AttemptResult> {
    // One deadline for the whole attempt: the address check's DNS answer, the connect's (pinned)
    // lookup and the request share `timeoutMs` (a slow answer leaves the request only what is left).
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      if (tenant)
        await assertAllowedTarget(request.url, this.options.alerting.allowPrivateTargets, this.resolver, timeoutMs);
      signal.throwIfAborted();
      const response = await undiciFetch(request.url, {
        dispatcher: tenant ? this.tenantAgent : this.trustedAgent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal,
      });
      // The receiver's body is never read into a result or a log.
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      const retryable = response.status === 429 || response.status >= 500;
      return {
        ok,
        statusCode: response.status,
        latencyMs: elapsed(),
        error: ok
          ? null
          : response.status >= 300 && response.status < 400
            ? 'redirects are not followed'
            : `HTTP ${response.status}`,
        retryAfter: response.headers.get('retry-after'),
        retryable,
      };
    } catch (err) {
      const e = err as Error;
      const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
      // undici wraps a failed connect in `cause`: a target refused at connect time is one too.
      const cause = (e as Error & { cause?: Error }).cause;
      const refused = e.constructor.name === 'TargetNotAllowedError' || cause instanceof TargetNotAllowedError;
      if (refused && cause instanceof TargetNotAllowedError) e.message = cause.message;
      return {
        ok: false,
        statusCode: null,
        latencyMs: elapsed(),
        error: timeout ? 'timed out' : refused ? `target refused: ${e.message}` : 'connection failed',
        retryAfter: null,
        retryable: !refused,
      };
    }
  }

  private request(
    channel: Channel,
    n: Notification,
    webhookId = `msg_${randomBytes(12).toString('hex')}`,
  ): { url: string; body: string; headers: Record<string, string> } {
    switch (channel.type) {
      case 'slack':
        return { url: channel.config.webhookUrl!, body: JSON.stringify(slackBody(n)), headers: {} };
      case 'pagerduty':
        return {
          url: this.options.alerting.pagerdutyEventsUrl,
          body: JSON.stringify(pagerdutyBody(n, channel.config.routingKey!)),
          headers: {},
        };
      case 'webhook': {
        const body = JSON.stringify(webhookBody(n));
        return { url: channel.config.url!, body, headers: signedHeaders(channel.config.secret!, webhookId, body) };
      }
      default:
        throw new Error(`no HTTP request for ${channel.type}`);
    }
  }

  private async email(channel: Channel, n: Notification, elapsed: () => number): Promise<AttemptResult> {
    if (!this.options.alerting.smtpUrl) {
      return {
        ok: false,
        statusCode: null,
        latencyMs: elapsed(),
        error: 'SMTP_URL is not configured',
        retryAfter: null,
        retryable: false,
      };
    }
    // nodemailer waits 2 min to connect, 30 s for the greeting and 10 min of silence by default:
    // a relay that hangs would hold the delivery (and its retries) that long.
    const timeoutMs = this.options.alerting.timeoutMs;
    this.mailer ??= createTransport({
      url: this.options.alerting.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    const { subject, text } = emailContent(n);
    try {
      await this.mailer.sendMail({ from: this.options.alerting.emailFrom, to: channel.config.to, subject, text });
      return { ok: true, statusCode: 250, latencyMs: elapsed(), error: null, retryAfter: null, retryable: false };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode ?? null;
      this.logger.warn(`e-mail delivery failed (${code ?? 'no SMTP code'})`);
      return {
        ok: false,
        statusCode: code,
        latencyMs: elapsed(),
        error: 'SMTP delivery failed',
        retryAfter: null,
        retryable: code === null || (code >= 400 && code < 500),
      };
    }
  }
}
