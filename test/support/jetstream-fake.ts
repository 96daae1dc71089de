import {
  type ConsumerFigures,
  consumerKey,
  JETSTREAM_READER,
  type JetStreamHistoryPoint,
  type JetStreamReader,
  type JetStreamStatus,
  type StreamFigures,
  type TenantJetStream,
  type TenantWorstConsumer,
} from '../../src/jetstream/jetstream.types.js';
import { rankWorst } from '../../src/observability/jetstream-overview.js';
import { consumerFigures as pullConsumer } from './jetstream.js';
import type { PulseTestModules } from './pulse-app.js';

const MINUTE_MS = 60_000;

/** A stream as the poller would store it: fill worked out from its limits. */
export function streamFigures(
  name: string,
  subjects: string[],
  messages: number,
  bytes: number,
  limits: { maxMessages?: number; maxBytes?: number } = {},
): StreamFigures {
  const maxMessages = limits.maxMessages ?? null;
  const maxBytes = limits.maxBytes ?? null;
  const fillMessages = maxMessages === null ? null : messages / maxMessages;
  const fillBytes = maxBytes === null ? null : bytes / maxBytes;
  const set = [fillMessages, fillBytes].filter((f): f is number => f !== null);
  return {
    name,
    subjects,
    subjectsOmitted: 0,
    messages,
    bytes,
    firstSeq: 1,
    lastSeq: messages,
    consumers: 0,
    limits: { maxMessages, maxBytes, maxAgeMs: 86_400_000, maxConsumers: null },
    fill: { messages: fillMessages, bytes: fillBytes, worst: set.length > 0 ? Math.max(...set) : null },
    created: '2026-12-01T09:00:00.000Z',
  };
}

/** A consumer as the poller would store it (ack floor 1,000, last active at a fixed time); `over` the fields a case sets. */
export function consumerFigures(
  stream: string,
  name: string,
  over: Partial<ConsumerFigures> & Pick<ConsumerFigures, 'pending' | 'drain'>,
): ConsumerFigures {
  return pullConsumer(stream, name, over.pending, 1000, {
    lastDeliveredAt: '2026-12-07T10:59:50.000Z',
    lastAckedAt: '2026-12-07T10:59:50.000Z',
    ackRate: 0,
    pendingGrowth: 0,
    ...over,
  });
}

/**
 * A tenant with three streams and five kept consumers (12 more left out by the poll's bound):
 * `orders-worker` lags and is not draining, `billing-sync` drains, the others are drained or new.
 */
export function laggingTenant(tenantId: string, polledAt = new Date().toISOString()): TenantJetStream {
  const ns = `tenant.${tenantId}`;
  return {
    tenantId,
    polledAt,
    streams: [
      streamFigures('ORDERS', [`${ns}.orders.>`], 48_213 + 1_920, 61_400_000, { maxBytes: 67_108_864 }),
      streamFigures('BILLING', [`${ns}.billing.*`], 3_400, 1_250_000, { maxMessages: 100_000 }),
      streamFigures('AUDIT', [`${ns}.audit.>`], 910_000, 420_000_000),
    ],
    consumers: [
      consumerFigures('ORDERS', 'orders-worker', {
        pending: 48_213,
        ackPending: 250,
        redelivered: 37,
        waiting: 0,
        ackRate: 0,
        pendingGrowth: 41.5,
        drain: { state: 'not_draining' },
      }),
      consumerFigures('BILLING', 'billing-sync', {
        kind: 'push',
        pending: 3_120,
        ackPending: 12,
        redelivered: 2,
        ackRate: 18.2,
        pendingGrowth: -17.4,
        drain: { state: 'draining', seconds: 180 },
      }),
      consumerFigures('ORDERS', 'orders-audit', {
        pending: 410,
        ackPending: 3,
        waiting: 4,
        ackRate: null,
        pendingGrowth: null,
        drain: { state: 'unknown' },
      }),
      consumerFigures('AUDIT', 'archiver', { pending: 0, waiting: 2, drain: { state: 'drained' } }),
      consumerFigures('BILLING', 'invoices', { pending: 0, drain: { state: 'drained' } }),
    ],
    omitted: { streams: 0, consumers: 12 },
  };
}

/**
 * Per-minute history of `view`'s consumers over the last `minutes`, ending at the figures now: a
 * consumer not draining grew to its lag over the period, a draining one fell to it, a drained one
 * had a few messages now and then, one not known yet appeared in the last two minutes.
 */
export function lagHistory(view: TenantJetStream, minutes: number, nowMs = Date.now()): JetStreamHistoryPoint[] {
  const start = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
  const pendingAt = (c: ConsumerFigures, i: number): number | null => {
    const done = minutes > 1 ? i / (minutes - 1) : 1; // 0 at the oldest minute, 1 now
    switch (c.drain.state) {
      case 'not_draining':
        return Math.round(c.pending * (0.3 + 0.7 * done * done));
      case 'draining':
        return Math.round(c.pending * (1 + 2.5 * (1 - done)));
      case 'drained':
        return i % 17 === 5 ? 35 : 0;
      default:
        return i >= minutes - 2 ? c.pending : null;
    }
  };
  return Array.from({ length: minutes }, (_, i) => {
    const consumers = new Map<
      string,
      { pending: number; ackPending: number; redelivered: number; maxPending: number }
    >();
    for (const c of view.consumers) {
      const pending = pendingAt(c, i);
      if (pending === null) continue;
      consumers.set(consumerKey(c.stream, c.name), {
        pending,
        ackPending: c.ackPending,
        redelivered: c.redelivered,
        maxPending: pending,
      });
    }
    const streams = new Map(
      view.streams.map((s) => [s.name, { messages: s.messages, bytes: s.bytes, fill: s.fill.worst }]),
    );
    return { timestamp: new Date(start + i * MINUTE_MS).toISOString(), streams, consumers };
  });
}

/** A JetStreamReader over fixed figures: what the poller would have stored, per tenant. */
export class FakeJetStreamReader implements JetStreamReader {
  readonly views = new Map<string, TenantJetStream>();
  statusNow: JetStreamStatus = { state: 'ok', lastPollAt: new Date().toISOString(), unowned: 2 };

  /** Null while `statusNow` is off unless `evenWhenOff`, as RedisJetStreamReader. */
  current(tenantId: string, read?: { evenWhenOff: boolean }): Promise<TenantJetStream | null> {
    if (this.statusNow.state === 'off' && !read?.evenWhenOff) return Promise.resolve(null);
    return Promise.resolve(this.views.get(tenantId) ?? null);
  }

  history(tenantId: string, fromMs: number, toMs: number): Promise<JetStreamHistoryPoint[]> {
    const view = this.views.get(tenantId);
    if (!view) return Promise.resolve([]);
    const minutes = Math.min(60, Math.max(1, Math.round((toMs - fromMs) / MINUTE_MS)));
    return Promise.resolve(lagHistory(view, minutes, toMs));
  }

  status(): JetStreamStatus {
    return this.statusNow;
  }

  owners(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const v of this.views.values()) for (const s of v.streams) owners.set(s.name, v.tenantId);
    return Promise.resolve(owners);
  }

  /** The views ranked as the poll's ranking orders them (`rankWorst`). */
  worst(limit: number): Promise<TenantWorstConsumer[]> {
    return Promise.resolve(rankWorst([...this.views.values()], limit));
  }
}

/** Pulse built with `reader` as its JetStreamReader (JetStreamModule's provider replaced). */
export function withJetStreamReader(reader: JetStreamReader): PulseTestModules {
  return { overrides: [{ provide: JETSTREAM_READER, useValue: reader }] };
}
