import { TIERS } from '../common/tiers.js';
import { arr, dateTime, int, nullable, num, obj, oneOfValues, type Schema, str } from '../common/schema.js';

/** Response body of the operator console's read, by component name. */
export const OBSERVABILITY_SCHEMAS: Record<string, Schema> = {
  AdminOverview: obj({
    generatedAt: dateTime,
    pulse: obj({
      nats: str,
      redis: str,
      redisPingMs: nullable(num),
      backlogMessages: int,
      lastFlushAt: nullable(dateTime),
      flushLagMs: nullable(num),
      jobFailuresLastHour: int,
      instances: arr(
        obj({
          id: str,
          startedAt: dateTime,
          reportedAt: dateTime,
          nats: str,
          backlogMessages: int,
          lastFlushAt: nullable(dateTime),
          flushes: int,
          shard: int,
          shards: int,
          tenants: nullable(int),
        }),
      ),
    }),
    tenants: arr(
      obj({
        id: str,
        name: str,
        tier: oneOfValues(TIERS),
        status: oneOfValues(['active', 'disabled']),
        messagesPerSecond: num,
        messagesToday: int,
        clientsOnline: int,
        clientsTotal: int,
        openAnomalies: int,
        lastActivityAt: nullable(dateTime),
      }),
    ),
    nextCursor: nullable(str),
    topTenants: arr(obj({ id: str, messagesToday: int })),
    incidents: arr(
      obj({
        at: dateTime,
        instance: str,
        incident: str,
        event: oneOfValues(['opened', 'resolved']),
        summary: str,
      }),
    ),
    jetstream: obj({
      status: obj({
        state: oneOfValues(['off', 'ok', 'error']),
        detail: nullable(str),
        lastPollAt: nullable(dateTime),
        unowned: int,
      }),
      worstConsumers: arr(
        obj({
          tenantId: str,
          stream: str,
          consumer: str,
          pending: int,
          ackPending: int,
          drain: obj({ state: oneOfValues(['drained', 'draining', 'not_draining', 'unknown']), seconds: num }, [
            'seconds',
          ]),
          polledAt: dateTime,
        }),
      ),
      /** The advisories this instance handled since it started (the queue group shares them out). */
      advisories: obj({
        state: oneOfValues(['off', 'on', 'error']),
        counted: int,
        rejected: int,
        unmatched: int,
        dropped: int,
        lastAt: nullable(dateTime),
      }),
    }),
  }),
};
