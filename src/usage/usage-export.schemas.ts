import { dateTime, int, num, obj, oneOfValues, ref, type Schema, str } from '../common/schema.js';
import { USAGE_EVENT_TYPE } from './usage-export.js';

const volume = obj({ messages: int, bytes: int });

/** Egress as billed: the tenant's own, without Pulse's deliveries in the accounts shape. */
export const EGRESS_DESCRIPTION =
  "What the server delivered to the tenant's connections (fan-out included). In the accounts shape " +
  "(natsAccount set) Pulse's own deliveries (its tap and heartbeat subscriptions, through the account's " +
  "exports) are excluded: the server counts them in the account's sent figures and Pulse subtracts what " +
  "it was delivered for the tenant over the period. Uses the tenant's current shape, also for a past hour.";

/** The usage export's bodies (`GET /api/v1/admin/usage/export`), by component name. */
export const USAGE_EXPORT_SCHEMAS: Record<string, Schema> = {
  UsageRecord: obj({
    id: { type: 'string', description: 'usage:<tenantId>:<YYYY-MM-DDTHH>, stable per tenant-hour' },
    tenantId: str,
    hourStart: dateTime,
    hourEnd: dateTime,
    published: volume,
    ingress: volume,
    egress: { ...volume, description: EGRESS_DESCRIPTION },
    connectionMinutes: int,
    jetstreamStorageByteHours: {
      ...num,
      description: 'JetStream bytes stored, sampled once a minute, ÷ 60; 3 decimals',
    },
  }),
  UsageCloudEvent: obj({
    specversion: oneOfValues(['1.0']),
    id: { type: 'string', description: "The record's id" },
    source: { type: 'string', description: 'USAGE_EXPORT_SOURCE' },
    type: oneOfValues([USAGE_EVENT_TYPE]),
    subject: { type: 'string', description: 'The tenant id' },
    time: { ...dateTime, description: "The hour's start" },
    datacontenttype: oneOfValues(['application/json']),
    data: ref('UsageRecord'),
  }),
};
