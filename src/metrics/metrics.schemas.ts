import { PERIODS, RESOLUTIONS } from '../analytics/buckets.js';
import { ANOMALY_TYPES } from '../anomalies/detectors.js';
import { SERIES_METRICS } from '../anomalies/window-pipeline.js';
import {
  anyObject,
  arr,
  dateTime,
  extend,
  int,
  nullable,
  num,
  obj,
  oneOfValues,
  record,
  ref,
  type Schema,
  str,
} from '../common/schema.js';
import { SENSITIVITIES } from '../config/detector-config.js';
import { CUSTOM_AGGREGATIONS, CUSTOM_SOURCES } from '../monitoring/custom/definition.js';
import { entitled, type Feature, tiersWith } from '../common/entitlements.js';
import { type Tier, TIERS } from '../common/tiers.js';
import { CLIENT_STATUSES } from './dto/metrics-queries.dto.js';

const tierOf = (tier: Tier): Schema => ({ type: 'string', enum: [tier] });
/** The same closed object with another schema for `tier`. */
const withTier = (schema: Schema, tier: Schema): Schema => ({
  ...schema,
  properties: { ...(schema.properties as Record<string, Schema>), tier },
});
const counter = obj({ total: int, today: int, lastMinute: int, perSecond: num });
const subjects = obj({
  distinct: int,
  top: arr(obj({ subject: str, messages: num, bytes: num })),
});
const realtimeCounters = obj(
  {
    tenantId: str,
    tier: str,
    generatedAt: dateTime,
    messages: counter,
    bytes: counter,
    clients: obj({ active: int, total: int }),
    recent: {
      ...obj({ times: arr(int), messages: arr(num), bytes: arr(num) }),
      description:
        'With recent=true: message and byte rates of the last minutes, oldest first, one every 10 s (times: each window end, epoch s)',
    },
  },
  ['recent'],
);
const professionalFields = {
  throughput: obj({ mbps: num }),
  latencyMs: obj({ p50: num, p95: num, p99: num, samples: int }),
  subjects,
  sampling: obj({ fraction: num }),
};
const customSummary = obj(
  {
    id: str,
    name: str,
    unit: nullable(str),
    aggregation: oneOfValues(CUSTOM_AGGREGATIONS),
    lastMinute: nullable(num),
    perSecond: num,
    today: nullable(num),
    unparsable: int,
    tooLarge: int,
  },
  ['perSecond'],
);
/** Each feature's fields of the realtime body (and which of them are optional), in body order. */
const REALTIME_FIELDS: [Feature, Record<string, Schema>, string[]][] = [
  ['realtimeDetail', professionalFields, ['sampling']],
  ['errorRate', { errorRate: num }, []],
  ['anomalies', { anomalies: obj({ open: int }) }, []],
  ['customMetrics', { custom: arr(customSummary) }, []],
];
/** The realtime body of a tier: the counters, and the fields of each feature the tier has. */
const realtimeOf = (tier: Tier): Schema =>
  REALTIME_FIELDS.reduce(
    (schema, [feature, fields, optional]) => (entitled(tier, feature) ? extend(schema, fields, optional) : schema),
    withTier(realtimeCounters, tierOf(tier)),
  );
/** The component name of a tier's realtime body: RealtimeBasic, RealtimeProfessional, … */
const realtimeName = (tier: Tier) => `Realtime${tier[0].toUpperCase()}${tier.slice(1)}`;

const presenceSummary = obj({ online: int, healthy: int, degraded: int, unhealthy: int, offline: int, total: int });
/**
 * The NATS server's view (system account on; null without): open connections and the two states
 * only it reveals; `unverified`: open connections only named as the tenant's, not in the others.
 */
const connectionSummary = obj({ connected: int, withoutSdk: int, connectedSilent: int, unverified: int });
const traffic = obj({ msgs: int, bytes: int });
const clientConnection = obj({
  state: oneOfValues(['connected', 'disconnected', 'unknown']),
  silent: { type: 'boolean' },
  server: nullable(str),
  connectedSince: nullable(str),
  rttMs: nullable(num),
  lang: nullable(str),
  version: nullable(str),
  disconnectedAt: nullable(str),
  reason: nullable(str),
  sent: nullable(traffic),
  received: nullable(traffic),
});
const presenceBase = obj({
  tenantId: str,
  tier: oneOfValues(TIERS.filter((t) => !entitled(t, 'clientList'))),
  generatedAt: dateTime,
  summary: presenceSummary,
  connections: nullable(connectionSummary),
});
const client = obj({
  clientId: str,
  status: oneOfValues(CLIENT_STATUSES),
  online: { type: 'boolean' },
  lastSeen: nullable(dateTime),
  connectedSince: nullable(dateTime),
  metrics: obj({ messagesSent: num, messagesReceived: num, errors: num, uptimeSeconds: num }),
  connection: clientConnection,
});
const presenceListed = withTier(
  extend(presenceBase, { clients: arr(client), nextCursor: nullable(str) }),
  oneOfValues(tiersWith('clientList')),
);

const seriesPoint = obj({
  timestamp: dateTime,
  messages: int,
  bytes: int,
  activeClients: int,
  latencyP50Ms: num,
  latencyP95Ms: num,
  latencyP99Ms: num,
  errors: int,
});
const interval = obj({ lower: num, upper: num });
const forecast = obj({
  method: oneOfValues(['holt_winters', 'holt']),
  historyHours: int,
  rmse: num,
  points: arr(obj({ timestamp: dateTime, messages: num, lower: num, upper: num, p80: interval, p95: interval })),
  quota: nullable(
    obj({
      monthlyMessageQuota: int,
      usedThisMonth: int,
      projectedExceededAt: nullable(dateTime),
      projectedExceededAtPessimistic: nullable(dateTime),
    }),
  ),
});
const clientBehaviour = obj({
  clientId: str,
  messagesSent: num,
  messagesReceived: num,
  errors: num,
  onlineSeconds: num,
  sessions: int,
  reconnects: int,
  offlineTransitions: int,
  uptimePercent: num,
  errorRate: num,
});
const analytics = obj(
  {
    tenantId: str,
    tier: oneOfValues(tiersWith('analytics')),
    period: { ...oneOfValues([...PERIODS, 'custom']), description: 'custom: a range asked with from and to' },
    resolution: oneOfValues(RESOLUTIONS),
    from: dateTime,
    to: dateTime,
    series: arr(ref('SeriesPoint')),
    totals: obj({ messages: int, bytes: int, peakMessagesPerSecond: num, errors: int }),
    subjects,
    clients: obj({
      from: dateTime,
      total: int,
      truncated: { type: 'boolean' },
      items: arr(clientBehaviour),
      outliers: arr(
        obj({ clientId: str, reasons: arr(oneOfValues(['error_rate', 'volume_high', 'volume_low', 'flapping'])) }),
      ),
    }),
    forecast: { ...forecast, nullable: true },
  },
  ['clients', 'forecast'],
);

const described = (schema: Schema, description: string): Schema => ({ ...schema, description });
/**
 * Why an anomaly opened (anomalies opened before these fields existed lack them), beside what its
 * detector adds (`metric`, `direction`, the rules' own figures, JetStream's stream and consumer).
 */
const anomalyDetails: Schema = {
  ...anyObject,
  properties: {
    detector: described(
      str,
      "What opened it: a named rule (rate_spike, traffic_drop, error_rate, unusual_subject, unusual_subject:distinct, security, security:nats_auth, security:churn, slow_consumer, client_flapping), the statistical model's kind (spike, dip, level_shift, drift) or a JetStream family (consumer_stalled, redelivery_storm, stream_near_limit)",
    ),
    value: described(num, 'The figure judged: the series value (statistical model), or the figure the rule checks'),
    expected: described(nullable(num), 'What was taken as normal for the window (null: the rule has no baseline)'),
    lower: described(
      nullable(num),
      "Lower edge of the expected range: the model's expected − 3 spreads (not below 0 for a series never below 0), or the bound a rule lets through (null: none)",
    ),
    upper: described(
      nullable(num),
      "Upper edge of the expected range: the model's expected + 3 spreads, or the bound a rule lets through (null: none)",
    ),
    score: described(num, 'How unusual, 0..1: 1 − the calibrated tail probability (statistical model), 1 for rules'),
  },
};
/** What one series' model says now. */
const seriesModel = obj({
  metric: described(str, 'messages, bytes, error_rate, active_clients, latency_p95, or custom:<id>'),
  name: described(str, "What summaries call it (a custom metric's name)"),
  state: oneOfValues(['warming_up', 'ready']),
  windowsToWarm: described(int, 'Windows with data the model still has to learn (0: ready)'),
  warmUntil: described(
    nullable(dateTime),
    'While warming up: the end of the last window it needs, if every window from windowAt on has data for the series',
  ),
  windowAt: described(dateTime, 'Start of the window the range is for: the next one the detection closes'),
  expected: described(nullable(num), "The model's expected value for that window (null: too few windows yet)"),
  lower: described(nullable(num), 'expected − 3 robust spreads (not below 0 for a series never below 0)'),
  upper: described(nullable(num), 'expected + 3 robust spreads'),
});

const anomaly = obj({
  id: str,
  type: oneOfValues(ANOMALY_TYPES),
  severity: oneOfValues(['info', 'warning', 'critical']),
  status: oneOfValues(['open', 'resolved']),
  summary: str,
  details: anomalyDetails,
  detectedAt: dateTime,
  resolvedAt: nullable(dateTime),
});

/** A status or null (OpenAPI 3.0: a nullable enum lists null among its values). */
const presenceStatus: Schema = { type: 'string', enum: [...CLIENT_STATUSES, null], nullable: true };
const timelineEntry = obj(
  {
    type: oneOfValues(['online', 'status_changed', 'offline', 'connected', 'disconnected']),
    status: presenceStatus,
    previousStatus: presenceStatus,
    at: dateTime,
    server: str,
    rttMs: nullable(num),
    reason: nullable(str),
  },
  ['server', 'rttMs', 'reason'],
);
const clientPage = obj({
  tenantId: str,
  tier: oneOfValues(tiersWith('clientList')),
  generatedAt: dateTime,
  historyFrom: dateTime,
  client,
  timeline: arr(timelineEntry),
  offlinePeriods: arr(obj({ from: dateTime, to: nullable(dateTime), seconds: nullable(num) })),
  closedConnections: arr(
    obj({
      server: str,
      connectedAt: nullable(str),
      disconnectedAt: nullable(str),
      reason: nullable(str),
      rttMs: nullable(num),
    }),
  ),
  anomalies: nullable(arr(anomaly)),
});
const subjectRow = obj({ subject: str, messages: num, bytes: num });

/** Response bodies of the tenant metrics routes, by component name. */
export const METRICS_SCHEMAS: Record<string, Schema> = {
  ...Object.fromEntries(TIERS.map((tier) => [realtimeName(tier), realtimeOf(tier)])),
  /** The body by the key's tier: fields a tier may not see are absent. */
  Realtime: {
    oneOf: TIERS.map((tier) => ref(realtimeName(tier))),
    discriminator: {
      propertyName: 'tier',
      mapping: Object.fromEntries(TIERS.map((tier) => [tier, ref(realtimeName(tier)).$ref])),
    },
  },
  Connections: obj({
    tenantId: str,
    generatedAt: dateTime,
    enabled: { type: 'boolean' },
    summary: nullable(connectionSummary),
    connections: arr(
      obj(
        {
          key: str,
          server: str,
          cid: int,
          clientId: nullable(str),
          by: oneOfValues(['account', 'user', 'nkey', 'name']),
          verified: { type: 'boolean' },
          name: nullable(str),
          account: nullable(str),
          user: nullable(str),
          host: nullable(str),
          lang: nullable(str),
          version: nullable(str),
          rttMs: nullable(num),
          connectedAt: nullable(str),
          state: oneOfValues(['connected', 'disconnected']),
          disconnectedAt: str,
          reason: str,
          sent: traffic,
          received: traffic,
        },
        ['disconnectedAt', 'reason', 'sent', 'received'],
      ),
    ),
  }),
  ClientPage: clientPage,
  SubjectPage: obj({
    tenantId: str,
    day: { type: 'string', format: 'date' },
    sort: oneOfValues(['messages', 'bytes', 'subject']),
    order: oneOfValues(['asc', 'desc']),
    offset: int,
    limit: int,
    total: int,
    subjects: arr(subjectRow),
  }),
  SubjectDetail: obj({
    tenantId: str,
    subject: str,
    generatedAt: dateTime,
    historyFrom: dateTime,
    days: arr(
      obj({
        day: { type: 'string', format: 'date' },
        messages: num,
        bytes: num,
        perSecond: num,
        tenantMessages: num,
        share: nullable(num),
      }),
    ),
    messages: num,
    share: nullable(num),
    anomalies: nullable(arr(anomaly)),
  }),
  PresenceSummaryOnly: presenceBase,
  PresenceWithClients: presenceListed,
  Presence: { oneOf: [ref('PresenceSummaryOnly'), ref('PresenceWithClients')] },
  SeriesPoint: seriesPoint,
  /** One NDJSON export line: a series point, and for enterprise tenants with custom metrics their values by id. */
  ExportRow: extend(seriesPoint, { custom: record(nullable(num)) }, ['custom']),
  CustomMetric: obj({
    id: str,
    name: str,
    subject: str,
    source: oneOfValues(CUSTOM_SOURCES),
    field: nullable(str),
    header: nullable(str),
    aggregation: oneOfValues(CUSTOM_AGGREGATIONS),
    unit: nullable(str),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  CustomMetricList: obj({ metrics: arr(ref('CustomMetric')) }),
  CustomMetricSeries: obj({
    tenantId: str,
    metric: obj({ id: str, name: str, unit: nullable(str), aggregation: oneOfValues(CUSTOM_AGGREGATIONS) }),
    period: oneOfValues(['1h', '24h', '7d', '30d']),
    resolution: oneOfValues(['1m', '5m', '1h', '1d']),
    from: dateTime,
    to: dateTime,
    series: arr(obj({ timestamp: dateTime, value: nullable(num), count: int, unparsable: int, tooLarge: int })),
    totals: obj({ value: nullable(num), count: int, unparsable: int, tooLarge: int }),
  }),
  Analytics: analytics,
  Anomaly: anomaly,
  SeriesModel: seriesModel,
  AnomalyList: obj({
    tenantId: str,
    tier: oneOfValues(tiersWith('anomalies')),
    hours: int,
    from: dateTime,
    to: dateTime,
    windowSeconds: described(num, 'Length of a detection window (ANOMALY_WINDOW_SECONDS)'),
    models: described(
      arr(ref('SeriesModel')),
      'Each series the statistical model watches, from the stored detection state: the built-in series, then each custom metric',
    ),
    anomalies: arr(ref('Anomaly')),
  }),
  AnomalyStory: obj({
    tenantId: str,
    anomaly: ref('Anomaly'),
    detector: described(
      str,
      "The rule (e.g. rate_spike) or the statistical detector's kind (spike, dip, level_shift, drift)",
    ),
    score: nullable(num),
    window: obj({ from: dateTime, to: dateTime, seconds: num }),
    expected: described(
      obj({ value: nullable(num), expected: nullable(num), lower: nullable(num), upper: nullable(num) }),
      "The anomaly window's value and the range it was judged against (null: its details do not say)",
    ),
    series: obj({
      metric: oneOfValues(SERIES_METRICS),
      from: dateTime,
      to: dateTime,
      windowSeconds: num,
      points: arr(
        obj({
          at: dateTime,
          value: nullable(num),
          expected: nullable(num),
          lower: nullable(num),
          upper: nullable(num),
        }),
      ),
    }),
    subjects: obj({
      day: str,
      earlierDays: described(int, 'Earlier days held whose rankings make the usual rate (0: none, usualRate null)'),
      subjects: arr(obj({ subject: str, messages: num, rate: num, usualRate: nullable(num), change: num })),
    }),
    clients: arr(obj({ clientId: str, status: nullable(str), changes: arr(str) })),
    connections: arr(
      obj({
        at: str,
        event: oneOfValues(['connected', 'disconnected']),
        key: str,
        clientId: nullable(str),
        name: nullable(str),
        verified: { type: 'boolean' },
        reason: nullable(str),
      }),
    ),
    jetstream: arr(
      obj({
        windowAt: dateTime,
        advisories: record(int),
        maxDeliveries: arr(obj({ stream: str, consumer: str, count: int })),
      }),
    ),
  }),
  Backtest: obj({
    tenantId: str,
    period: oneOfValues(['7d', '30d']),
    sensitivity: oneOfValues(SENSITIVITIES),
    windowSeconds: int,
    from: dateTime,
    to: dateTime,
    windows: int,
    anomalies: arr(
      obj({
        detectedAt: dateTime,
        type: oneOfValues(ANOMALY_TYPES),
        severity: str,
        score: num,
        summary: str,
        details: anomalyDetails,
      }),
    ),
  }),
  TenantHealth: obj({
    tenantId: str,
    tier: oneOfValues(TIERS),
    generatedAt: dateTime,
    status: oneOfValues(['ok', 'degraded']),
    clients: obj({ healthy: int, degraded: int, unhealthy: int, offline: int, total: int }),
    heartbeats: obj({ rejected: record(int) }),
    pulse: obj({
      nats: obj({ state: str, reconnects: int, slowConsumerEvents: int }),
      redis: obj({ state: str, pingMs: nullable(num), dataLossDetectedAt: nullable(dateTime) }),
      coldStore: obj({ state: oneOfValues(['off', 'ok', 'degraded']), since: nullable(dateTime) }),
      natsSystem: obj({ state: oneOfValues(['off', 'connected', 'disconnected']), detail: nullable(str) }),
      pipeline: obj({
        flushIntervalMs: int,
        lastFlushAt: nullable(dateTime),
        backlogMessages: int,
        rejectedMessages: int,
      }),
    }),
  }),
};
