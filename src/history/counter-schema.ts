// The counter schema: the one place that says how each stored counter field combines.
/** How two values of a field combine. */
export type Combine = 'sum' | 'max';
/** The hashes a field can live in. */
export type CounterPeriod = 'totals' | 'minute' | 'hour' | 'day';

/** One row of COUNTER_SCHEMA. */
export interface CounterSpec {
  readonly field: string;
  readonly combine: Combine;
  readonly periods: readonly CounterPeriod[];
  readonly minute?: string;
  readonly total?: string;
  readonly flushedToDay?: true;
  readonly family?: true;
}

const MINUTE_UP = ['minute', 'hour', 'day'] as const;

/**
 * Every field of the counter hashes (the totals hash, and the minute, hour and day hashes), written
 * once: its stored name, how two values of it combine, and which hashes hold it. The flush
 * (flush-script.ts), the rollups' FOLD (rollup-scripts.ts) and the cold merge (cold-merge.ts) take
 * their rules from here, computed once when the module loads. Adding a stored counter is one entry
 * here plus the code that produces its value (TenantTraffic, or another writer).
 *
 * - `combine`: `sum` adds values (instances' flushes, minutes into hours, hours into days, late data
 *   into the cold item); `max` keeps the greatest.
 * - `periods`: the hashes that hold the field. A field in `minute` and `hour` is folded from
 *   minutes into hours, one in `hour` and `day` from hours into days.
 * - `minute`: the flush adds this property of each minute of the delta to the minute's hash (and,
 *   for a minute whose hour is settled, to the stored hour and day). `total`: the flush adds this
 *   property of the delta to the totals hash. Fields without either are written by other writers
 *   (presence, the client sampler, NATS server events) or derived by the flush (the peak second).
 * - `flushedToDay`: the flush adds it to the day hash too, exactly, so the day rollup leaves it alone.
 * - `family`: the name is a prefix; the stored fields are `<prefix><key>`.
 *
 * Order is the order the flush writes a minute's counters in.
 */
export const COUNTER_SCHEMA = {
  messages: {
    field: 'm',
    combine: 'sum',
    periods: ['totals', ...MINUTE_UP],
    minute: 'messages',
    total: 'messages',
    flushedToDay: true,
  },
  bytes: {
    field: 'b',
    combine: 'sum',
    periods: ['totals', ...MINUTE_UP],
    minute: 'bytes',
    total: 'bytes',
    flushedToDay: true,
  },
  /** Messages sampling left out of the latency and subject statistics (absent: none). */
  sampledOut: { field: 'skp', combine: 'sum', periods: MINUTE_UP, minute: 'skipped' },
  /** Peak messages in one second (the flush derives it from the seconds; rollups keep the maximum). */
  peak: { field: 'pk', combine: 'max', periods: MINUTE_UP },
  latencyMissing: { field: 'lat_missing', combine: 'sum', periods: ['totals'], total: 'latencyMissing' },
  latencyInvalid: { field: 'lat_invalid', combine: 'sum', periods: ['totals'], total: 'latencyInvalid' },
  /** Sum in ms of every latency sample counted (the all-time histogram's sum). */
  latencySum: { field: 'lat_sum', combine: 'sum', periods: ['totals'], total: 'latencySumMs' },
  /** Epoch ms of the latest message counted (the flush keeps the maximum). */
  lastActivity: { field: 'la', combine: 'max', periods: ['totals'], total: 'lastActivityMs' },
  /** Heartbeats received (presence). */
  heartbeats: { field: 'hb', combine: 'sum', periods: MINUTE_UP },
  heartbeatSent: { field: 'hb_sent', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  heartbeatReceived: { field: 'hb_received', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  heartbeatErrors: { field: 'hb_errors', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  /** Online and offline clients sampled on the minute (the rollup job's sampler). */
  activeClients: { field: 'act', combine: 'max', periods: MINUTE_UP },
  offlineClients: { field: 'off', combine: 'max', periods: MINUTE_UP },
  /** NATS server events counted for the tenant: connects, slow-consumer disconnects, failed logins. */
  natsConnects: { field: 'na_cn', combine: 'sum', periods: ['totals'] },
  natsSlowConsumers: { field: 'na_sc', combine: 'sum', periods: ['totals'] },
  natsAuthFailures: { field: 'na_af', combine: 'sum', periods: ['totals'] },
  /**
   * What the NATS server counted for the tenant (issue #34, written by nats-events' usage writer, once
   * per change of a cumulative server counter): messages and bytes its connections published to the
   * server (ingress) and the server delivered to them (egress, fan-out included).
   */
  serverIngressMessages: { field: 'sv_in_m', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  serverIngressBytes: { field: 'sv_in_b', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  serverEgressMessages: { field: 'sv_out_m', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  serverEgressBytes: { field: 'sv_out_b', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  /**
   * What the NATS server delivered to Pulse's own subscriptions for the tenant: the messages of its
   * tap (`minute`/`total` of the flush) and its heartbeats, accepted or rejected (the presence
   * write), bytes as the server counts them (headers + payload). In the accounts shape the server
   * counts these in the tenant's egress too; `tenantEgress` (tenant-egress.ts) takes them out.
   */
  pulseDeliveredMessages: {
    field: 'pd_m',
    combine: 'sum',
    periods: ['totals', ...MINUTE_UP],
    minute: 'deliveredMessages',
    total: 'deliveredMessages',
  },
  pulseDeliveredBytes: {
    field: 'pd_b',
    combine: 'sum',
    periods: ['totals', ...MINUTE_UP],
    minute: 'deliveredBytes',
    total: 'deliveredBytes',
  },
  /** The largest message payload the tap counted (bytes): the payload limit's utilisation. */
  largestMessage: { field: 'pl_max', combine: 'max', periods: MINUTE_UP, minute: 'largestMessage' },
  /** Open connections counted once per minute (the usage poll): a minute's value is its connections. */
  connectionMinutes: { field: 'cn_min', combine: 'sum', periods: MINUTE_UP },
  /** JetStream bytes stored, counted once per minute: bytes × minutes (÷ 60 for byte-hours). */
  jetstreamByteMinutes: { field: 'js_bmin', combine: 'sum', periods: MINUTE_UP },
  /** The most connections and subscriptions the usage poll saw open (limit utilisation, its forecast). */
  connectionsPeak: { field: 'cn_pk', combine: 'max', periods: MINUTE_UP },
  subscriptionsPeak: { field: 'sub_pk', combine: 'max', periods: MINUTE_UP },
  /** Connections and messages the server refused for a limit (its disconnect reasons). */
  refusedConnections: { field: 'rf_cn', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  refusedPayloads: { field: 'rf_pl', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  refusedSubscriptions: { field: 'rf_sub', combine: 'sum', periods: ['totals', ...MINUTE_UP] },
  /**
   * A day's messages and bytes of the subjects beyond the per-window subject table (the flush's
   * `otherMessages`/`otherBytes`): the part of the day's traffic the subject ranking cannot name.
   */
  subjectsOtherMessages: { field: 'subj_other_m', combine: 'sum', periods: ['day'] },
  subjectsOtherBytes: { field: 'subj_other_b', combine: 'sum', periods: ['day'] },
  /** Per-second counters of a minute: `m:<s>` / `b:<s>`, s = 0..59 (the hour rollup takes the peak). */
  secondMessages: { field: 'm:', combine: 'sum', periods: ['minute'], family: true },
  secondBytes: { field: 'b:', combine: 'sum', periods: ['minute'], family: true },
  /** Latency histogram buckets: `l:<i>`. */
  latency: { field: 'l:', combine: 'sum', periods: MINUTE_UP, family: true },
  /** Coarse buckets of the all-time latency histogram: `lt:<k>` (latency-histogram.ts). */
  latencyTotal: { field: 'lt:', combine: 'sum', periods: ['totals'], family: true },
  /** Rejected heartbeats of one reason: `hbrej:<reason>`. */
  rejections: { field: 'hbrej:', combine: 'sum', periods: MINUTE_UP, family: true },
} as const satisfies Record<string, CounterSpec>;

export type CounterName = keyof typeof COUNTER_SCHEMA;
type Spec<N extends CounterName> = (typeof COUNTER_SCHEMA)[N];
type PlainName = { [N in CounterName]: Spec<N> extends { family: true } ? never : N }[CounterName];

/** The stored name of every plain (non-family) field, by its name in the table. */
export const COUNTER_FIELDS = Object.fromEntries(
  Object.entries(COUNTER_SCHEMA).flatMap(([name, spec]) => ('family' in spec ? [] : [[name, spec.field]])),
) as { readonly [N in PlainName]: Spec<N>['field'] };

/** The delta minute's properties the flush stores (the `minute` column). */
export type MinuteSource = {
  [N in CounterName]: Spec<N> extends { minute: infer S extends string } ? S : never;
}[CounterName];
/** The delta's properties the flush adds to the totals (the `total` column). */
export type TotalSource = {
  [N in CounterName]: Spec<N> extends { total: infer S extends string } ? S : never;
}[CounterName];

/** One counter the flush writes from the delta: the property it reads, the field, the Lua op. */
export interface FlushedCounter<S extends string> {
  readonly source: S;
  readonly field: string;
  /** `h`: HINCRBY; `m`: kept at the maximum (flush-script.ts). */
  readonly op: 'h' | 'm';
  readonly toDay: boolean;
}

const specs = Object.values(COUNTER_SCHEMA) as readonly CounterSpec[];
const opOf = (combine: Combine): 'h' | 'm' => (combine === 'max' ? 'm' : 'h');

/** What the flush adds of each minute of a delta, in table order. */
export const MINUTE_COUNTERS: readonly FlushedCounter<MinuteSource>[] = specs.flatMap((s) =>
  s.minute === undefined
    ? []
    : [{ source: s.minute as MinuteSource, field: s.field, op: opOf(s.combine), toDay: s.flushedToDay === true }],
);

/** What the flush adds of a delta to the totals hash, in table order. */
export const TOTAL_COUNTERS: readonly FlushedCounter<TotalSource>[] = specs.flatMap((s) =>
  s.total === undefined ? [] : [{ source: s.total as TotalSource, field: s.field, op: opOf(s.combine), toDay: false }],
);

/** The names a minute delta carries, one per `minute` source (zero-filled by `emptyMinuteCounts`). */
export const MINUTE_SOURCES: readonly MinuteSource[] = MINUTE_COUNTERS.map((c) => c.source);

const inHourOrDay = (s: CounterSpec) => s.periods.includes('hour') || s.periods.includes('day');

/**
 * Plain fields kept at their maximum in hour and day hashes: what the rollups' FOLD and the cold
 * merge keep at the maximum (every other field there is summed). A family is always summed.
 */
export const MAX_FIELDS: readonly string[] = specs
  .filter((s) => inHourOrDay(s) && s.combine === 'max' && !s.family)
  .map((s) => s.field);
const MAXIMA = new Set(MAX_FIELDS);

/**
 * Two values of a field of an hour or day hash combined by the schema's rule: the greater for a
 * maximum, else the sum (the cold merge, and readers that merge hashes into one figure).
 */
export function combineField(field: string, current: number, value: number): number {
  return MAXIMA.has(field) ? Math.max(current, value) : current + value;
}

/** Fields the flush keeps exact in the day hash (the day rollup leaves them alone). */
export const FLUSHED_TO_DAY_FIELDS: readonly string[] = specs.filter((s) => s.flushedToDay).map((s) => s.field);

/** A Lua condition true when the local `f` is one of `fields` (`false` for none). */
export function luaFieldIn(fields: readonly string[]): string {
  return fields.length === 0 ? 'false' : fields.map((f) => `f == '${f}'`).join(' or ');
}

/** Per-second counters of a minute hash: `m:<s>` / `b:<s>`, s = 0..59. */
export const secondField = (counter: 'm' | 'b', offset: number): string => `${counter}:${offset}`;
/** Rejected heartbeats of one reason in a minute (then hour, day) hash: `hbrej:<reason>`. */
export const rejectionField = (reason: string): string => `${COUNTER_SCHEMA.rejections.field}${reason}`;
/** A latency histogram bucket of a minute (then hour, day) hash: `l:<i>`. */
export const latencyField = (bucket: number): string => `${COUNTER_SCHEMA.latency.field}${bucket}`;
/** A coarse bucket of the all-time latency histogram in the totals hash: `lt:<k>` (latency-histogram.ts). */
export const latencyTotalField = (coarseBucket: number): string =>
  `${COUNTER_SCHEMA.latencyTotal.field}${coarseBucket}`;

/** Per-client fields of a client-day hash, stored as `<clientId>|<field>` (all sums). */
export const CLIENT_DAY_FIELDS = {
  messagesSent: 's',
  messagesReceived: 'r',
  errors: 'e',
  onlineSeconds: 'on',
  sessions: 'ss',
  reconnects: 'rc',
  offlineTransitions: 'off',
} as const;
export const CLIENT_FIELD_SEPARATOR = '|';
