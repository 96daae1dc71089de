import { DomainError } from '../common/errors/domain-error.js';

/** RETENTION_EXCEEDED (403): the period reaches back further than the tenant keeps history. */
export class RetentionExceededError extends DomainError {
  constructor(message: string) {
    super('RETENTION_EXCEEDED', message);
  }
}
