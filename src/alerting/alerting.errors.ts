import { DomainError } from '../common/errors/domain-error.js';
import type { ErrorCode } from '../common/errors/error-codes.js';

export type AlertingErrorCode = Extract<
  ErrorCode,
  | 'VALIDATION_FAILED'
  | 'CHANNEL_NOT_FOUND'
  | 'RULE_NOT_FOUND'
  | 'SILENCE_NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'LIMIT_REACHED'
>;

/** What alerting refuses (channels, rules, silences); the HTTP error filter answers it by its code. */
export class AlertingError extends DomainError<AlertingErrorCode> {}
