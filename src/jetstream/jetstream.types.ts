// The tenant's JetStream as Pulse sees it (issue #33): what the poller stores and what the API,
// the dashboard, the Prometheus exposition, the anomaly detector and the export read. Plain data
// and pure functions, no I/O.

/** A limit the server enforces on a stream; null where the stream sets none. */
export interface StreamLimits {
  maxMessages: number | null;
  maxBytes: number | null;
  /** Milliseconds. */
  maxAgeMs: number | null;
  maxConsumers: number | null;
}

export interface StreamFigures {
  name: string;
  /** The stream's subjects (at most 20 kept; `subjectsOmitted` counts the rest). */
  subjects: string[];
  subjectsOmitted: number;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  /**
   * Where the stream keeps its messages (the server's `storage`): what the JetStream memory and
   * storage limits measure (issue #34). Absent in views polled before it was stored: read as `file`.
   */
  storage?: 'file' | 'memory';
  limits: StreamLimits;
  /**
   * How full the stream is: for each limit set, the figure over the limit (0..1); `worst` the
   * highest of them (null when no limit is set). Age is not a fill: it is left out.
   */
  fill: { messages: number | null; bytes: number | null; worst: number | null };
  /** ISO time the stream was created (as the server says). */
  created: string;
}

/** Whether a consumer is catching up, and when it will have caught up. */
export type DrainState =
  /** Nothing pending. */
  | { state: 'drained' }
  /** Pending falls: `seconds` until it reaches 0 at the measured rate. */
  | { state: 'draining'; seconds: number }
  /** Pending is not falling while messages wait: nothing consumed since the last poll, or it grows. */
  | { state: 'not_draining' }
  /** Not known yet: first sight of the consumer (one poll is not a rate). */
  | { state: 'unknown' };

export interface ConsumerFigures {
  stream: string;
  name: string;
  /** `push` when it has a deliver subject, else `pull`. */
  kind: 'push' | 'pull';
  durable: boolean;
  /** Messages of the stream (its filter) not yet delivered: the lag (num_pending). */
  pending: number;
  /** Delivered, not yet acknowledged (num_ack_pending). */
  ackPending: number;
  /** Messages redelivered at least once, as the server counts them (num_redelivered). */
  redelivered: number;
  /** Pull requests waiting (num_waiting); 0 for push consumers. */
  waiting: number;
  /** Stream sequence of the last message delivered / of the ack floor. */
  deliveredSeq: number;
  ackFloorSeq: number;
  /** ISO times of the last delivery and the last ack, null when none (server's `last_active`). */
  lastDeliveredAt: string | null;
  lastAckedAt: string | null;
  /** Messages acknowledged per second between the last two polls (ack floor moved); null at first sight. */
  ackRate: number | null;
  /** Change of `pending` per second between the last two polls (> 0: the lag grows); null at first sight. */
  pendingGrowth: number | null;
  drain: DrainState;
}

/** One poll's view of one tenant's JetStream. */
export interface TenantJetStream {
  tenantId: string;
  /** ISO time of the poll that produced this. */
  polledAt: string;
  streams: StreamFigures[];
  /**
   * The tenant's consumers, worst first (by pending, then by growth), at most the bound
   * (`JETSTREAM_MAX_CONSUMERS_PER_TENANT`); `omitted` counts those left out.
   */
  consumers: ConsumerFigures[];
  omitted: { streams: number; consumers: number };
}

/** One minute (or hour) of history: per stream and per kept consumer, the figures at that time. */
export interface JetStreamHistoryPoint {
  /** ISO start of the minute or hour. */
  timestamp: string;
  /** stream name → figures at the last poll of the period. */
  streams: Map<string, { messages: number; bytes: number; fill: number | null }>;
  /** `<stream>/<consumer>` → figures at the last poll of the period (max pending within it). */
  consumers: Map<string, { pending: number; ackPending: number; redelivered: number; maxPending: number }>;
}

export interface JetStreamStatus {
  /** `off`: JETSTREAM_MONITORING=false or the account has no JetStream; `ok`/`error`: the last poll. */
  state: 'off' | 'ok' | 'error';
  detail?: string;
  lastPollAt: string | null;
  /** Streams seen in the last poll that belong to no tenant (the operator's). */
  unowned: number;
}

/** A tenant's worst consumer at the tenant's last poll (the operator console ranks tenants by it). */
export interface TenantWorstConsumer {
  tenantId: string;
  /** ISO time of the poll that produced it. */
  polledAt: string;
  consumer: ConsumerFigures;
}

/** What the features above the jetstream floor read (provided by JetStreamModule). */
export interface JetStreamReader {
  /**
   * The tenant's JetStream at the last poll; null when never polled, or while off unless
   * `evenWhenOff` (the export reads what is stored whatever the status: everything Pulse holds).
   */
  current(tenantId: string, read?: { evenWhenOff: boolean }): Promise<TenantJetStream | null>;
  /** Minutes (`minute`) or hours (`hour`) between the two times (ms), oldest first. */
  history(
    tenantId: string,
    fromMs: number,
    toMs: number,
    resolution: 'minute' | 'hour',
  ): Promise<JetStreamHistoryPoint[]>;
  status(): JetStreamStatus;
  /**
   * Stream name → owning tenant id, from the last poll (any instance may ask; the poller stores
   * it): how advisories, which name a stream, are attributed. Streams of no tenant are absent.
   */
  owners(): Promise<Map<string, string>>;
  /**
   * The tenants whose worst consumer lags most (by pending, then by growth, then tenant id), at
   * most `limit` (the reader may bound it lower), worst first, each with that consumer, from the
   * last poll: one read for every tenant, not one per tenant (the operator console's ranking).
   * Empty while `off`; while the poll fails, without the entries polled more than 3 intervals ago.
   */
  worst(limit: number): Promise<TenantWorstConsumer[]>;
}

/** A history point as the API and the export write it: the maps as lists, a consumer's key split. */
export function historyPointBody(p: JetStreamHistoryPoint) {
  return {
    timestamp: p.timestamp,
    streams: [...p.streams].map(([name, s]) => ({ name, ...s })),
    consumers: [...p.consumers].map(([key, c]) => {
      const slash = key.indexOf('/');
      return { stream: key.slice(0, slash), consumer: key.slice(slash + 1), ...c };
    }),
  };
}

/** Nest injection token of the JetStreamReader. */
export const JETSTREAM_READER = Symbol('JETSTREAM_READER');

/** Key of a consumer in maps and series: `<stream>/<consumer>` (neither name may hold `/`). */
export const consumerKey = (stream: string, consumer: string): string => `${stream}/${consumer}`;
