import { isEmail } from 'class-validator';

export const CHANNEL_TYPES = ['slack', 'pagerduty', 'email', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface ChannelConfig {
  webhookUrl?: string;
  routingKey?: string;
  to?: string[];
  url?: string;
  /** Webhook signing secret, `whsec_` + base64 of 32 random bytes; generated, write-only. */
  secret?: string;
}

export interface Channel {
  id: string;
  type: ChannelType;
  name: string;
  config: ChannelConfig;
  createdAt: string;
  updatedAt: string;
}

/** RFC 5321's limit: longer is not an address, and nothing longer is ever given to a matcher. */
const MAX_EMAIL_LENGTH = 254;

/** class-validator's (validator.js) check, on at most 254 characters: linear in the input. */
const isAddress = (a: unknown): boolean => typeof a === 'string' && a.length <= MAX_EMAIL_LENGTH && isEmail(a);

/** A channel's URL is stored and sent to for as long as the channel lives: bounded like a browser's. */
export const MAX_URL_LENGTH = 2048;

/** What is wrong with a channel's config, per field (empty when nothing). URLs are checked separately. */
export function configProblems(type: ChannelType, config: unknown): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return ['config must be an object'];
  const c = config as Record<string, unknown>;
  const allowed: Record<ChannelType, string[]> = {
    slack: ['webhookUrl'],
    pagerduty: ['routingKey'],
    email: ['to'],
    webhook: ['url'],
  };
  const problems = Object.keys(c)
    .filter((k) => !allowed[type].includes(k))
    .map((k) => `config.${k} is not a ${type} setting`);
  if (type === 'slack' && typeof c.webhookUrl !== 'string') problems.push('config.webhookUrl is required');
  if (type === 'webhook' && typeof c.url !== 'string') problems.push('config.url is required');
  for (const field of ['webhookUrl', 'url'] as const) {
    const v = c[field];
    if (typeof v === 'string' && v.length > MAX_URL_LENGTH)
      problems.push(`config.${field} must be at most ${MAX_URL_LENGTH} characters`);
  }
  if (type === 'pagerduty' && (typeof c.routingKey !== 'string' || !/^[A-Za-z0-9]{8,64}$/.test(c.routingKey))) {
    problems.push('config.routingKey must be a PagerDuty integration key (8-64 letters and digits)');
  }
  if (type === 'email') {
    if (!Array.isArray(c.to) || c.to.length === 0 || c.to.length > 20 || !c.to.every(isAddress)) {
      problems.push('config.to must be a list of 1-20 e-mail addresses');
    }
  }
  return problems;
}

/** The URL a channel posts to, if it is an HTTP channel (PagerDuty's is Pulse's setting, not the tenant's). */
export function tenantUrlOf(channel: Pick<Channel, 'type' | 'config'>): string | null {
  if (channel.type === 'slack') return channel.config.webhookUrl ?? null;
  if (channel.type === 'webhook') return channel.config.url ?? null;
  return null;
}

function maskUrl(raw: string | undefined): string | undefined {
  if (!raw) return raw;
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return '…';
  }
}

/** The channel as every response shows it: secrets masked (Slack URLs carry their token in the path). */
export function maskChannel(channel: Channel): Channel {
  const c = channel.config;
  const config: ChannelConfig = {};
  if (c.webhookUrl) config.webhookUrl = maskUrl(c.webhookUrl);
  if (c.routingKey) config.routingKey = `…${c.routingKey.slice(-4)}`;
  if (c.to) config.to = c.to;
  if (c.url) config.url = maskUrl(c.url);
  if (c.secret) config.secret = 'whsec_…';
  return { ...channel, config };
}
