import { createHmac } from 'node:crypto';
import { type Severity, STATISTICAL_ANOMALY_TYPES } from '../anomalies/detectors.js';
import type { LimitName } from '../common/limits.js';
import type { LimitCrossing } from '../usage/usage.types.js';

/** What one alert event says, whatever the channel. */
export interface Notification {
  tenantId: string;
  /** Stable per alert: PagerDuty's dedup key is `pulse:{tenantId}:{alertKey}`. */
  alertKey: string;
  event: 'trigger' | 'resolve' | 'test';
  severity: Severity;
  title: string;
  /** The name of what fired: the custom rule's name, or the anomaly detector's (e.g. `rate_spike`). */
  rule: string;
  summary: string;
  /** An anomaly's alert: why it opened, in words (value, expected range, score, detector); see `anomalyEvidence`. */
  evidence?: string;
  details: Record<string, unknown>;
  /** An anomaly's alert: its story in the dashboard (PULSE_PUBLIC_URL set); never carries a key. */
  link?: string;
  at: string;
}

/**
 * The dashboard's view of one anomaly under the public base URL (`<base>/dashboard/#anomaly=<id>`):
 * the fragment never reaches a server, and the dashboard asks for the key as it always does. Null
 * without a base URL.
 */
export function anomalyLink(publicUrl: string | undefined, anomalyId: string): string | null {
  return publicUrl ? `${publicUrl}/dashboard/#anomaly=${encodeURIComponent(anomalyId)}` : null;
}

/** `{ evidence }` for an anomaly's details that say why it opened, else nothing. */
export function withEvidence(details: Record<string, unknown>): { evidence?: string } {
  const evidence = anomalyEvidence(details);
  return evidence === null ? {} : { evidence };
}

/** A figure as alerts say it: at most 4 significant digits, thousands separated. */
const figure = (v: number) => v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
const STATISTICAL_KINDS: readonly string[] = STATISTICAL_ANOMALY_TYPES;

/**
 * Why an anomaly opened, from its details (every detector gives `detector`, `value`, `expected`,
 * `lower`, `upper`, `score`): e.g. `value 3,000, expected 993.4, expected range 860.7–1,126, score
 * 0.9993, detector: statistical model, spike`. A side without a bound is left open (`up to 1,200`).
 * Null for an anomaly opened before its details carried them.
 */
export function anomalyEvidence(details: Record<string, unknown>): string | null {
  const numberAt = (key: string) => {
    const v = details[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const value = numberAt('value');
  const detector = typeof details.detector === 'string' ? details.detector : null;
  if (value === null || detector === null) return null;
  const [expected, lower, upper, score] = ['expected', 'lower', 'upper', 'score'].map(numberAt);
  const range =
    lower !== null && upper !== null
      ? `${figure(lower)}–${figure(upper)}`
      : upper !== null
        ? `up to ${figure(upper)}`
        : lower !== null
          ? `from ${figure(lower)}`
          : null;
  return [
    `value ${figure(value)}`,
    expected !== null && `expected ${figure(expected)}`,
    range !== null && `expected range ${range}`,
    score !== null && `score ${Number(score.toFixed(4))}`,
    `detector: ${STATISTICAL_KINDS.includes(detector) ? `statistical model, ${detector}` : `rule ${detector}`}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * Slack's required escaping for any text it renders (mrkdwn and plain): `&`, `<`, `>`. Without it a
 * rule named `<!channel>` pings everyone and `<http://evil|click>` renders a disguised link; tenants'
 * clients choose the subjects that anomaly summaries quote.
 */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const SLACK_ICON: Record<Severity, string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

const PAGERDUTY_SEVERITY: Record<Severity, string> = { info: 'info', warning: 'warning', critical: 'critical' };

export function slackBody(n: Notification): object {
  const icon = n.event === 'resolve' ? ':white_check_mark:' : SLACK_ICON[n.severity];
  const verb = n.event === 'resolve' ? 'Resolved' : n.event === 'test' ? 'Test' : 'Alert';
  const text = `${icon} ${verb}: ${slackEscape(n.title)} (${slackEscape(n.tenantId)})`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${text}*\n${slackEscape(n.summary)}${n.evidence ? `\n${slackEscape(n.evidence)}` : ''}${n.link ? `\n<${slackEscape(n.link)}|Open the anomaly's story>` : ''}`,
        },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `rule ${slackEscape(n.rule)} · severity ${n.severity} · ${n.at} · pulse` }],
      },
    ],
  };
}

export function pagerdutyBody(n: Notification, routingKey: string): object {
  return {
    routing_key: routingKey,
    event_action: n.event === 'resolve' ? 'resolve' : 'trigger',
    dedup_key: `pulse:${n.tenantId}:${n.alertKey}`,
    payload: {
      summary: `${n.title}: ${n.summary}${n.evidence ? ` (${n.evidence})` : ''}`.slice(0, 1024),
      severity: PAGERDUTY_SEVERITY[n.severity],
      source: 'pulse',
      component: n.tenantId,
      timestamp: n.at,
      custom_details: { rule: n.rule, ...(n.evidence && { evidence: n.evidence }), ...n.details },
    },
    ...(n.link && { links: [{ href: n.link, text: "The anomaly's story in Pulse" }] }),
  };
}

export function webhookBody(n: Notification): object {
  return {
    type: `alert.${n.event === 'resolve' ? 'resolved' : n.event === 'test' ? 'test' : 'fired'}`,
    timestamp: n.at,
    data: n,
  };
}

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256, keyed with the secret's base64 part,
 * over `{id}.{timestamp}.{body}`.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function emailContent(n: Notification): { subject: string; text: string } {
  const verb = n.event === 'resolve' ? 'RESOLVED' : n.event === 'test' ? 'TEST' : n.severity.toUpperCase();
  return {
    subject: `[Pulse ${verb}] ${n.title} (${n.tenantId})`,
    // Plain text only (no HTML part), so nothing a tenant names can become markup.
    text: `${n.summary}\n${n.evidence ? `Why: ${n.evidence}\n` : ''}${n.link ? `Story: ${n.link}\n` : ''}\nRule: ${n.rule}\nTenant: ${n.tenantId}\nSeverity: ${n.severity}\nAt: ${n.at}\n\n${JSON.stringify(n.details, null, 2)}\n`,
  };
}

/** How a notification names each limit. */
const LIMIT_LABELS: Record<LimitName, string> = {
  connections: 'connections',
  subscriptions: 'subscriptions',
  payload: 'largest message',
  data: 'data this month',
  jetstreamMemory: 'JetStream memory',
  jetstreamStorage: 'JetStream storage',
  jetstreamStreams: 'JetStream streams',
  jetstreamConsumers: 'JetStream consumers',
  monthlyMessages: 'messages this month',
};
/** Limits counted in bytes (said in KiB, MiB, …). */
const BYTE_LIMITS = new Set<LimitName>(['payload', 'data', 'jetstreamMemory', 'jetstreamStorage']);
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A limit's figure as a notification says it: bytes in binary units, counts with thousands separators. */
export function limitFigure(limit: LimitName, value: number): string {
  if (!BYTE_LIMITS.has(limit)) return value.toLocaleString('en-US');
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${BYTE_UNITS[unit]}`;
}

/** Utilisation in whole percent, never rounded up past a threshold (79.6 % is 79 %). */
export function utilisationPercent(utilisation: number): number {
  return Math.floor(utilisation * 100 + 1e-9);
}

/** A limit crossing's alert key: `limit:<limit>:<level>:<epoch ms it opened>` (its opening and end share it, and PagerDuty's dedup key). */
export function limitAlertKey(c: LimitCrossing): string {
  return `limit:${c.id.slice(c.tenantId.length + 1)}`;
}

/**
 * What a limit crossing's notification says (title, summary, details), whatever the channel: the
 * limit, used of max, the utilisation and the level; the same title for its opening and its end.
 */
export function limitAlertText(c: LimitCrossing): { title: string; summary: string; details: Record<string, unknown> } {
  const label = LIMIT_LABELS[c.limit] ?? c.limit;
  const percent = utilisationPercent(c.utilisation);
  const figures = `${limitFigure(c.limit, c.used)} of ${limitFigure(c.limit, c.max)}`;
  return {
    title: `${label} limit ${c.level}`,
    summary:
      c.event === 'opened'
        ? `${label} at ${percent} % of the limit (${figures}): past the ${c.level} threshold`
        : `${label} back below the ${c.level} threshold: ${percent} % of the limit (${figures})`,
    details: {
      crossingId: c.id,
      limit: c.limit,
      level: c.level,
      event: c.event,
      used: c.used,
      max: c.max,
      utilisation: c.utilisation,
      utilisationPercent: percent,
    },
  };
}

/** Delay before attempt `attempt` (1 = first retry): Retry-After when given, else exponential with jitter. */
export function retryDelayMs(attempt: number, baseMs: number, retryAfter: string | null, random = Math.random): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 300_000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.min(Math.max(0, at - Date.now()), 300_000);
  }
  const exp = baseMs * 2 ** (attempt - 1);
  return Math.round(exp / 2 + random() * (exp / 2));
}
