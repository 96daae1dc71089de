import { DomainError } from '../common/errors/domain-error.js';
import type { ErrorCode } from '../common/errors/error-codes.js';

export type JetStreamErrorCode = Extract<ErrorCode, 'VALIDATION_FAILED' | 'RETENTION_EXCEEDED'>;

/** What the JetStream routes refuse: a history reaching past the tenant's retention, a resolution the period cannot have. */
export class JetStreamError extends DomainError<JetStreamErrorCode> {}
