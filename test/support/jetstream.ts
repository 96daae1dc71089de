import type { ConsumerFigures, StreamFigures } from '../../src/jetstream/jetstream.types.js';

/** A pull consumer's figures as the poller would give them (ack floor = last delivered), with overrides. */
export function consumerFigures(
  stream: string,
  name: string,
  pending: number,
  ackFloorSeq: number,
  over: Partial<ConsumerFigures> = {},
): ConsumerFigures {
  return {
    stream,
    name,
    kind: 'pull',
    durable: true,
    pending,
    ackPending: 0,
    redelivered: 0,
    waiting: 0,
    deliveredSeq: ackFloorSeq,
    ackFloorSeq,
    lastDeliveredAt: null,
    lastAckedAt: null,
    ackRate: null,
    pendingGrowth: null,
    drain: { state: pending === 0 ? 'drained' : 'not_draining' },
    ...over,
  };
}

/** A stream of 10,000 bytes at most (none when `fill` is null), `fill` of it full. */
export function streamFigures(name: string, subject: string, fill: number | null): StreamFigures {
  return {
    name,
    subjects: [subject],
    subjectsOmitted: 0,
    messages: 100,
    bytes: fill === null ? 0 : Math.round(fill * 10_000),
    firstSeq: 1,
    lastSeq: 100,
    consumers: 1,
    limits: { maxMessages: null, maxBytes: fill === null ? null : 10_000, maxAgeMs: null, maxConsumers: null },
    fill: { messages: null, bytes: fill, worst: fill },
    created: '2026-01-01T00:00:00Z',
  };
}
