import { dateTime, int, num, obj, oneOfValues, ref, type Schema, str } from '../common/schema.js';
import { USAGE_EVENT_TYPE } from './usage-export.js';

const volume = obj({ messages: int, bytes: int });

/** The usage export's bodies (`GET /api/v1/admin/usage/export`), by component name. */
export const USAGE_EXPORT_SCHEMAS: Record<string, Schema> = {
  UsageRecord: obj({
    id: { type: 'string', description: 'usage:<tenantId>:<YYYY-MM-DDTHH>, stable per tenant-hour' },
    tenantId: str,
    hourStart: dateTime,
    hourEnd: dateTime,
    published: volume,
    ingress: volume,
    egress: volume,
    connectionMinutes: int,
    jetstreamStorageByteHours: num,
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
