import { DomainError } from '../common/errors/domain-error.js';
import type { ErrorCode } from '../common/errors/error-codes.js';

export type MetricsErrorCode = Extract<
  ErrorCode,
  | 'VALIDATION_FAILED'
  | 'CUSTOM_METRIC_NOT_FOUND'
  | 'ANOMALY_NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'LIMIT_REACHED'
  | 'TOO_MANY_STREAMS'
  | 'RATE_LIMITED'
  | 'CLIENT_NOT_FOUND'
  | 'SUBJECT_NOT_FOUND'
>;

/** What the metrics API refuses (custom metrics, presence, live streams); answered by its code. */
export class MetricsError extends DomainError<MetricsErrorCode> {}
