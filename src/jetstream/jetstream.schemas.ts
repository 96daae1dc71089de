import { arr, dateTime, int, nullable, num, obj, oneOfValues, ref, type Schema, str } from '../common/schema.js';
import { JETSTREAM_PERIODS, JETSTREAM_RESOLUTIONS } from './dto/jetstream-history.query.js';

const limitOrNull = nullable(num);
const stream = obj(
  {
    name: str,
    subjects: arr(str),
    subjectsOmitted: int,
    messages: int,
    bytes: int,
    firstSeq: int,
    lastSeq: int,
    consumers: int,
    storage: oneOfValues(['file', 'memory']),
    limits: obj({ maxMessages: limitOrNull, maxBytes: limitOrNull, maxAgeMs: limitOrNull, maxConsumers: limitOrNull }),
    fill: obj({ messages: nullable(num), bytes: nullable(num), worst: nullable(num) }),
    created: str,
  },
  ['storage'],
);
const consumer = obj({
  stream: str,
  name: str,
  kind: oneOfValues(['push', 'pull']),
  durable: { type: 'boolean' },
  pending: int,
  ackPending: int,
  redelivered: int,
  waiting: int,
  deliveredSeq: int,
  ackFloorSeq: int,
  lastDeliveredAt: nullable(str),
  lastAckedAt: nullable(str),
  ackRate: nullable(num),
  pendingGrowth: nullable(num),
  drain: obj({ state: oneOfValues(['drained', 'draining', 'not_draining', 'unknown']), seconds: num }, ['seconds']),
});
const status = (extra: Record<string, Schema> = {}) =>
  obj({ state: oneOfValues(['off', 'ok', 'error']), detail: str, lastPollAt: nullable(dateTime), ...extra }, [
    'detail',
  ]);

/** The JetStream routes' bodies (OpenAPI components). */
export const JETSTREAM_SCHEMAS: Record<string, Schema> = {
  JetStreamStream: stream,
  JetStreamConsumer: consumer,
  JetStream: obj({
    tenantId: str,
    generatedAt: dateTime,
    status: status(),
    polledAt: nullable(dateTime),
    streams: arr(ref('JetStreamStream')),
    consumers: arr(ref('JetStreamConsumer')),
    omitted: obj({ streams: int, consumers: int }),
  }),
  JetStreamHistory: obj({
    tenantId: str,
    period: oneOfValues(JETSTREAM_PERIODS),
    resolution: oneOfValues(JETSTREAM_RESOLUTIONS),
    from: dateTime,
    to: dateTime,
    points: arr(
      obj({
        timestamp: dateTime,
        streams: arr(obj({ name: str, messages: int, bytes: int, fill: nullable(num) })),
        consumers: arr(
          obj({ stream: str, consumer: str, pending: int, ackPending: int, redelivered: int, maxPending: int }),
        ),
      }),
    ),
  }),
  AdminJetStream: obj({
    generatedAt: dateTime,
    status: status({ unowned: int }),
    polledAt: nullable(dateTime),
    streams: arr(ref('JetStreamStream')),
    omitted: int,
  }),
};
