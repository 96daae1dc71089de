import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';

/** The OpenAPI component every error answer refers to (registered by `openapi.ts`). */
export const ERROR_BODY_REF = '#/components/schemas/ErrorBody';

/** A response schema registered under components/schemas by name. */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const ERRORS = {
  400: 'Invalid query, path or body (the message names the field; unknown fields and parameters included)',
  401: 'Missing, unknown or revoked key, or the wrong kind of key for the route',
  403: 'Tier too low (requiredTier, currentTier)',
  404: 'No such resource for this tenant',
  409: 'Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which)',
  413: 'Body over 100 kB',
  429: 'Rate limit passed (Retry-After says when to try again)',
  503: 'Storage unreachable; try again shortly',
} as const;
export type ErrorStatus = keyof typeof ERRORS;

type MediaTypes = Record<string, { schema: object; example?: unknown }>;

export interface RouteDoc {
  summary: string;
  description?: string;
  /** Who may call it: tenant and admin routes add 401 and 429; every route but a public probe 503. */
  access: 'tenant' | 'admin' | 'public';
  /** The success answer: its status (default 200), description and body (a schema name, or media types). */
  ok: { status?: number; description: string; schema?: string; content?: MediaTypes; headers?: Record<string, object> };
  /** Errors the route itself can return besides those of its access (400, 403, 404, 409, 413). */
  errors?: ErrorStatus[];
  /** Set false for a route that reads no storage (its failure is not a 503). */
  storage?: boolean;
}

/**
 * Documents a route for the OpenAPI contract: summary, the success body and every status it can
 * answer with the shared error body. The contract test checks real answers against what this
 * declares, so a route cannot return what is not written here.
 */
export function ApiRoute(doc: RouteDoc): MethodDecorator {
  const statuses = new Set<ErrorStatus>(doc.errors ?? []);
  if (doc.access !== 'public') {
    statuses.add(401);
    statuses.add(429);
  }
  if (doc.storage !== false) statuses.add(503);
  const { status = 200, description, schema, content, headers } = doc.ok;
  return applyDecorators(
    ApiOperation({ summary: doc.summary, ...(doc.description && { description: doc.description }) }),
    ApiResponse({
      status,
      description,
      ...(headers && { headers }),
      ...(content ? { content } : schema ? { content: { 'application/json': { schema: schemaRef(schema) } } } : {}),
    }),
    ...[...statuses]
      .sort((a, b) => a - b)
      .map((s) =>
        ApiResponse({
          status: s,
          description: ERRORS[s],
          content: { 'application/json': { schema: { $ref: ERROR_BODY_REF } } },
        }),
      ),
  );
}

/** A route of a controller under @RequiresFeature: the tier's 403 besides its own errors (tenant key). */
export const TieredRoute = (doc: Omit<RouteDoc, 'access'>): MethodDecorator =>
  ApiRoute({ ...doc, access: 'tenant', errors: [403, ...(doc.errors ?? [])] });

/** A route that takes the admin key. */
export const AdminRoute = (doc: Omit<RouteDoc, 'access'>): MethodDecorator => ApiRoute({ ...doc, access: 'admin' });
