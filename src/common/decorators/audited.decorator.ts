import { Reflector } from '@nestjs/core';
import type { AuditAction } from '../audit-actions.js';

/** What the audit entry of a route names (see AuditInterceptor). */
export interface AuditSpec {
  action: AuditAction;
  /** The kind of thing acted on: the entry's target is `<kind>:<id>`. */
  target: string;
  /** Where the id comes from: a path parameter (default `id`), or a field of the answer (`answer:<field>`). */
  id?: string;
  /** Numbers from the answer worth keeping (an erasure's counts); never a secret. */
  details?: (answer: unknown) => Record<string, string | number>;
}

/** The route's calls are written to the audit trail with their outcome (compliance/audit.interceptor.ts). */
export const Audited = Reflector.createDecorator<AuditSpec>();
