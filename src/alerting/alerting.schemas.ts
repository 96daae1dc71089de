import { ANOMALY_TYPES } from '../anomalies/detectors.js';
import {
  arr,
  bool,
  dateTime,
  extend,
  int,
  nullable,
  num,
  obj,
  oneOfValues,
  ref,
  type Schema,
  str,
} from '../common/schema.js';
import { CHANNEL_TYPES } from './channel.js';
import { JETSTREAM_CONSUMER_FIELDS, JETSTREAM_STREAM_FIELDS, RULE_METRIC_PATTERN, RULE_METRICS } from './rule.js';

const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** Masked config: the fields of the channel's type, secrets shortened to a recognisable prefix. */
const channelConfig: Schema = {
  type: 'object',
  description: 'slack: webhookUrl; pagerduty: routingKey; email: to; webhook: url and secret. Secrets masked.',
  additionalProperties: false,
  properties: { webhookUrl: str, routingKey: str, to: arr(str), url: str, secret: str },
};
const channel = obj({
  id: str,
  type: oneOfValues(CHANNEL_TYPES),
  name: str,
  config: channelConfig,
  createdAt: dateTime,
  updatedAt: dateTime,
});
const rule = obj({
  id: str,
  name: str,
  metric: {
    type: 'string',
    description: `One of ${RULE_METRICS.join(', ')}, custom:<id> (a custom metric's last complete minute), jetstream:<stream>/<consumer>:<${JETSTREAM_CONSUMER_FIELDS.join('|')}> or jetstream:<stream>:<${JETSTREAM_STREAM_FIELDS.join('|')}> (the last JetStream poll)`,
    pattern: RULE_METRIC_PATTERN.source,
  },
  operator: oneOfValues(['gt', 'lt']),
  threshold: num,
  forSeconds: int,
  severity: oneOfValues(SEVERITIES),
  channelIds: arr(str),
  createdAt: dateTime,
  updatedAt: dateTime,
});
const matcher = obj(
  { ruleId: str, anomalyType: oneOfValues(ANOMALY_TYPES), severity: oneOfValues(SEVERITIES), alertKey: str },
  ['ruleId', 'anomalyType', 'severity', 'alertKey'],
);
const silence = obj({ id: str, matcher, until: dateTime, createdAt: dateTime });
const alert = obj(
  {
    at: dateTime,
    alertKey: str,
    source: oneOfValues(['anomaly', 'rule', 'limit', 'events']),
    anomalyId: str,
    ruleId: str,
    crossingId: str,
    rule: str,
    type: str,
    severity: oneOfValues(SEVERITIES),
    status: oneOfValues(['firing', 'resolved', 'repeat']),
    summary: str,
    silenced: bool,
  },
  ['anomalyId', 'ruleId', 'crossingId'],
);
const delivery = obj({
  at: dateTime,
  alertKey: str,
  event: oneOfValues(['trigger', 'resolve', 'test']),
  channelId: str,
  channelType: oneOfValues(CHANNEL_TYPES),
  attempt: int,
  outcome: oneOfValues(['delivered', 'retrying', 'failed', 'dropped']),
  statusCode: nullable(int),
  latencyMs: num,
  error: nullable(str),
});

/** Response bodies of the alerting routes, by component name. */
export const ALERTING_SCHEMAS: Record<string, Schema> = {
  Channel: channel,
  /** A new webhook channel carries its signing secret, in this answer only. */
  ChannelCreated: extend(channel, { signingSecret: str }, ['signingSecret']),
  ChannelList: obj({ channels: arr(ref('Channel')) }),
  ChannelTest: obj({
    channelId: str,
    delivered: bool,
    statusCode: nullable(int),
    latencyMs: num,
    error: nullable(str),
  }),
  Rule: rule,
  RuleList: obj({ rules: arr(ref('Rule')) }),
  Silence: silence,
  SilenceList: obj({ silences: arr(ref('Silence')) }),
  AlertList: obj({ alerts: arr(alert) }),
  DeliveryList: obj({ deliveries: arr(delivery) }),
};
