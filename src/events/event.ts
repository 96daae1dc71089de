import type { EventType } from '../common/entitlements.js';
import type { Anomaly } from '../anomalies/anomaly.js';
import type { ConnectionEvent, PresenceEvent } from '../heartbeat/presence-events.publisher.js';
import type { LimitCrossing } from '../usage/usage.types.js';

/** One event as a webhook carries it; `id` (the tenant stream's entry id) is stable: receivers deduplicate on it. */
export interface PulseEvent {
  id: string;
  type: EventType;
  tenantId: string;
  /** The SDK client it is about, when there is one. */
  clientId: string | null;
  /** When it happened (ISO). */
  at: string;
  /** The tenant's sequence number of the event: one more per event appended. */
  sequence: number;
  data: Record<string, unknown>;
}

/** An event before it is appended (no id, no sequence yet). */
export type NewEvent = Omit<PulseEvent, 'id' | 'sequence'>;

/** A presence transition or a connection opened or closed, as a webhook event. */
export function fromPresence(e: PresenceEvent | ConnectionEvent): NewEvent {
  if ('connection' in e) {
    return {
      type: e.type === 'connected' ? 'connection.opened' : 'connection.closed',
      tenantId: e.tenantId,
      clientId: e.clientId,
      at: e.at,
      data: { connection: e.connection },
    };
  }
  return {
    type: `client.${e.type}`,
    tenantId: e.tenantId,
    clientId: e.clientId,
    at: e.at,
    data: { status: e.status, previousStatus: e.previousStatus },
  };
}

/** An anomaly opened or resolved, as a webhook event. */
export function fromAnomaly(tenantId: string, event: 'opened' | 'resolved', a: Anomaly): NewEvent {
  return {
    type: `anomaly.${event}`,
    tenantId,
    clientId: null,
    at: event === 'resolved' ? (a.resolvedAt ?? new Date().toISOString()) : a.detectedAt,
    data: { anomaly: { id: a.id, type: a.type, severity: a.severity, status: a.status, summary: a.summary } },
  };
}

/** A limit crossing opened or resolved, as a webhook event. */
export function fromLimit(c: LimitCrossing): NewEvent {
  return {
    type: `limit.${c.event}`,
    tenantId: c.tenantId,
    clientId: null,
    at: c.at,
    data: {
      crossing: { id: c.id, limit: c.limit, level: c.level, used: c.used, max: c.max, utilisation: c.utilisation },
    },
  };
}
