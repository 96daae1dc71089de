import type { EventType } from '../common/entitlements.js';

/** Subscriptions a tenant may hold at once. */
export const MAX_SUBSCRIPTIONS = 10;
/** Deliveries kept in a subscription's log. */
export const DELIVERY_LOG_KEPT = 100;

/** One tenant endpoint and what it is sent, as stored (its secret included). */
export interface Subscription {
  id: string;
  url: string;
  types: EventType[];
  /** Glob over client ids (`*` any run); events without a client pass it. Null: every event. */
  clientFilter: string | null;
  /** Signing secret, `whsec_` + base64 of 32 random bytes; generated, shown once. */
  secret: string;
  createdAt: string;
  updatedAt: string;
}

/** Why a subscription stopped being sent to: it failed `failures` times in a row. */
export interface PauseNotice {
  at: string;
  failures: number;
  lastError: string | null;
}

/** A subscription's delivery state, as its HASH holds it. */
export interface DeliveryState {
  /** The last event delivered (stream id), `0-0` before the first. */
  cursor: string;
  /** Its sequence (0: none yet). */
  sequence: number;
  failures: number;
  /** When the next attempt may start (ms; 0: now). */
  retryAt: number;
  paused: PauseNotice | null;
  delivered: number;
  dropped: number;
  lastError: string | null;
}

/** One request to a subscription's endpoint, as its delivery log keeps it. */
export interface DeliveryRecord {
  at: string;
  webhookId: string;
  /** delivered, failed (to be retried), paused (failed, and the subscription paused), test. */
  outcome: 'delivered' | 'failed' | 'paused' | 'test';
  statusCode: number | null;
  latencyMs: number;
  events: number;
  firstEventId: string | null;
  lastEventId: string | null;
  error: string | null;
}

/** The URL as answers show it: scheme, host and path (a query may carry a token). */
export function shownUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '…';
  }
}

/** The subscription as every answer shows it: secret masked, with its delivery state. */
export function subscriptionView(s: Subscription, state: DeliveryState) {
  return {
    id: s.id,
    url: shownUrl(s.url),
    types: s.types,
    clientFilter: s.clientFilter,
    secret: 'whsec_…',
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    status: state.paused ? ('paused' as const) : state.failures > 0 ? ('failing' as const) : ('active' as const),
    paused: state.paused,
    failures: state.failures,
    delivered: state.delivered,
    dropped: state.dropped,
    lastError: state.lastError,
    lastEventId: state.cursor === '0-0' ? null : state.cursor,
  };
}

export type SubscriptionView = ReturnType<typeof subscriptionView>;
