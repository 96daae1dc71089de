import { LIMIT_NAMES } from '../common/limits.js';
import {
  arr,
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
import { EGRESS_DESCRIPTION } from './usage-export.schemas.js';

const volume = obj({ messages: int, bytes: int });
const figures = obj({
  published: volume,
  ingress: volume,
  egress: { ...volume, description: EGRESS_DESCRIPTION },
  fanout: nullable(num),
  connectionMinutes: int,
  jetstreamStorageByteHours: num,
  refused: obj({ connections: int, payloads: int, subscriptions: int }),
});
const figuresDescribed: Schema = {
  ...figures,
  description:
    "A period's usage: Pulse's publish count beside the server's ingress and egress. Egress in the accounts " +
    "shape excludes Pulse's own deliveries (tap and heartbeats).",
};
const level = oneOfValues(['ok', 'warning', 'critical']);
const thresholds = obj({ warning: num, critical: num });

/** The usage routes' bodies (OpenAPI components). */
export const USAGE_SCHEMAS: Record<string, Schema> = {
  UsageFigures: figuresDescribed,
  LimitUtilisation: obj({
    limit: oneOfValues(LIMIT_NAMES),
    max: nullable(num),
    source: oneOfValues(['account', 'tenant', 'none']),
    used: num,
    utilisation: nullable(num),
    peakToday: num,
    peakUtilisation: nullable(num),
    level,
    forecast: nullable(
      obj({
        reachedAt: nullable(dateTime),
        earliest: nullable(dateTime),
        latest: nullable(dateTime),
        method: oneOfValues(['holt_winters', 'holt', 'quota']),
        horizonHours: int,
      }),
    ),
  }),
  Usage: {
    ...obj({
      tenantId: str,
      shape: oneOfValues(['account', 'subjects']),
      natsAccount: nullable(str),
      serverFigures: oneOfValues(['off', 'connected', 'disconnected']),
      polledAt: nullable(dateTime),
      thresholds,
      today: ref('UsageFigures'),
      month: ref('UsageFigures'),
      monthFrom: dateTime,
      limits: arr(ref('LimitUtilisation')),
      history: obj({
        granularity: oneOfValues(['hour', 'day']),
        points: arr(extend(figures, { timestamp: dateTime })),
      }),
    }),
    description:
      "The tenant's usage and limits. Every egress figure (today, month, history) in the accounts shape " +
      "excludes Pulse's own deliveries (its tap and heartbeats).",
  },
  AdminUsage: obj({
    generatedAt: dateTime,
    thresholds,
    total: int,
    tenants: arr(
      obj({
        tenantId: str,
        limit: oneOfValues(LIMIT_NAMES),
        used: num,
        max: num,
        utilisation: num,
        level,
        reachedAt: nullable(dateTime),
      }),
    ),
  }),
};
