import { DomainError } from '../common/errors/domain-error.js';
import type { ErrorCode } from '../common/errors/error-codes.js';

export type TenantsErrorCode = Extract<
  ErrorCode,
  'VALIDATION_FAILED' | 'TENANT_NOT_FOUND' | 'API_KEY_NOT_FOUND' | 'TENANT_EXISTS' | 'NATS_IDENTITY_TAKEN'
>;

/** What tenant administration refuses; the HTTP error filter answers it by its code. */
export class TenantsError extends DomainError<TenantsErrorCode> {}
