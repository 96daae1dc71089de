import { DomainError } from '../common/errors/domain-error.js';
import type { ErrorCode } from '../common/errors/error-codes.js';

export type EventsErrorCode = Extract<
  ErrorCode,
  | 'VALIDATION_FAILED'
  | 'SUBSCRIPTION_NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'LIMIT_REACHED'
  | 'RETENTION_EXCEEDED'
  | 'RATE_LIMITED'
>;

/** What the event subscriptions refuse; the HTTP error filter answers it by its code. */
export class EventsError extends DomainError<EventsErrorCode> {}
