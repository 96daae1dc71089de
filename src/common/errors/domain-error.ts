import type { ErrorCode } from './error-codes.js';

/**
 * An error a feature throws about its own domain: a stable `code` from the catalogue
 * (`error-codes.ts`), a message for people, and optional fields the answer carries (`details`,
 * `requiredTier`, …). It knows nothing of HTTP: the HTTP error filter maps the code to a status.
 * A feature's error narrows the codes it may carry: `class AlertingError extends DomainError<…> {}`.
 */
export class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    /** Further fields of the error body, after `message` (e.g. `details`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input found past the validation pipe (a service's or a pipe's check): VALIDATION_FAILED. */
export class InvalidInputError extends DomainError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}

/** Whether a thrown value is a DomainError (typed with the full code set, where `instanceof` gives `any`). */
export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
