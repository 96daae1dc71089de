import { EVENT_TYPES } from '../common/entitlements.js';
import {
  anyObject,
  arr,
  bool,
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

const pauseNotice = obj({ at: dateTime, failures: int, lastError: nullable(str) });
const subscription = obj({
  id: str,
  url: { ...str, description: 'Scheme, host and path (a query is shown as `?…`)' },
  types: arr(oneOfValues(EVENT_TYPES)),
  clientFilter: nullable(str),
  secret: { ...str, description: 'Masked: the secret is shown once, when created or rotated' },
  createdAt: dateTime,
  updatedAt: dateTime,
  status: oneOfValues(['active', 'failing', 'paused']),
  paused: {
    ...pauseNotice,
    nullable: true,
    description: 'Why deliveries stopped (failures in a row); null while active',
  },
  failures: { ...int, description: 'Failed requests in a row' },
  delivered: { ...int, description: 'Events delivered' },
  dropped: {
    ...int,
    description: "Events the tenant's backlog bound or retention dropped before this subscription took them",
  },
  lastError: nullable(str),
  lastEventId: nullable(str),
});
const delivery = obj({
  at: dateTime,
  webhookId: str,
  outcome: oneOfValues(['delivered', 'failed', 'paused', 'test']),
  statusCode: nullable(int),
  latencyMs: num,
  events: int,
  firstEventId: nullable(str),
  lastEventId: nullable(str),
  error: nullable(str),
});

/** One event as a webhook carries it (the body's `events`); README, Webhook events. */
export const EVENT_SCHEMA: Schema = obj({
  id: str,
  type: oneOfValues(EVENT_TYPES),
  tenantId: str,
  clientId: nullable(str),
  at: dateTime,
  sequence: int,
  data: anyObject,
});

/** Response bodies of the event subscription routes, by component name. */
export const EVENTS_SCHEMAS: Record<string, Schema> = {
  EventSubscription: subscription,
  /** A new (or rotated) subscription carries its signing secret, in this answer only. */
  EventSubscriptionCreated: extend(subscription, { signingSecret: str }),
  EventSubscriptionList: obj({ subscriptions: arr(ref('EventSubscription')) }),
  EventSubscriptionTest: obj({
    subscriptionId: str,
    delivered: bool,
    statusCode: nullable(int),
    latencyMs: num,
    error: nullable(str),
  }),
  EventDeliveryList: obj({ deliveries: arr(delivery) }),
  EventReplay: obj({ subscriptionId: str, from: dateTime }),
  EventTypeList: obj({ types: arr(obj({ type: oneOfValues(EVENT_TYPES), requiredTier: str, entitled: bool })) }),
};
