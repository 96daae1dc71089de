/**
 * Every error code Pulse answers with: the code (stable, what a client switches on), its HTTP
 * status and what it means. The one table the HTTP error filter maps by; the OpenAPI `ErrorBody`
 * enum and the README's table list the same codes.
 */
const CATALOGUE = [
  [
    'VALIDATION_FAILED',
    400,
    'A request field is missing or invalid (`details` names each field when the body or query failed validation)',
  ],
  ['MALFORMED_BODY', 400, 'The body could not be read as JSON, or is nested too deep'],
  ['UNAUTHENTICATED', 401, 'The API key is missing, unknown or revoked, or the wrong kind of key for the route'],
  [
    'TIER_REQUIRED',
    403,
    "The tenant's tier does not include this; `requiredTier` and `currentTier` say which tier does",
  ],
  ['RETENTION_EXCEEDED', 403, 'The period reaches back further than the tenant keeps history'],
  [
    'READ_ONLY_VIEW',
    403,
    "The operator's read-only view of a tenant (admin key with `X-Pulse-View-Tenant`) changes nothing",
  ],
  ['ROUTE_NOT_FOUND', 404, 'No route answers this method and path'],
  ['TENANT_NOT_FOUND', 404, 'No tenant has this id'],
  ['API_KEY_NOT_FOUND', 404, 'The tenant has no API key with this id'],
  ['CHANNEL_NOT_FOUND', 404, 'The tenant has no alert channel with this id'],
  ['RULE_NOT_FOUND', 404, 'The tenant has no alert rule with this id'],
  ['SILENCE_NOT_FOUND', 404, 'The tenant has no silence with this id'],
  ['CUSTOM_METRIC_NOT_FOUND', 404, 'The tenant has no custom metric with this id'],
  ['ANOMALY_NOT_FOUND', 404, 'The tenant has no anomaly with this id'],
  ['SUBSCRIPTION_NOT_FOUND', 404, 'The tenant has no event subscription with this id'],
  ['CLIENT_NOT_FOUND', 404, 'The tenant has no client with this id'],
  ['SUBJECT_NOT_FOUND', 404, "No message on this subject in the tenant's history"],
  ['TENANT_EXISTS', 409, 'A tenant with this id already exists'],
  ['NATS_IDENTITY_TAKEN', 409, 'A NATS identity in the request already belongs to another tenant'],
  [
    'LIMIT_REACHED',
    409,
    'The tenant holds the most alert channels, rules, silences, custom metrics or event subscriptions it may: delete one first',
  ],
  ['PAYLOAD_TOO_LARGE', 413, 'The body is larger than the limit (100 kB)'],
  ['RATE_LIMITED', 429, 'A rate limit was passed; `Retry-After` says when to try again'],
  ['TOO_MANY_STREAMS', 429, 'The API key already holds the most open live streams it may'],
  [
    'REQUEST_REJECTED',
    400,
    'Any other client error (e.g. 415 an unsupported media type or charset); the status varies: the 4xx of the error itself',
  ],
  ['INTERNAL', 500, 'An unexpected error; the body says nothing about internals'],
  ['STORAGE_UNAVAILABLE', 503, 'Redis is unreachable; try again shortly'],
  [
    'NOT_READY',
    503,
    "A dependency of this instance is down (`/health/ready`); the body's `details` says which (`info` lists those up)",
  ],
  ['COLD_STORE_UNAVAILABLE', 503, 'The cold history store did not answer; repeat the request'],
] as const;

export type ErrorCode = (typeof CATALOGUE)[number][0];

/** Every code, in the catalogue's order. */
export const ERROR_CODES: readonly ErrorCode[] = CATALOGUE.map(([code]) => code);

/** Code → HTTP status: the one mapping every transport of HTTP uses. */
export const ERROR_STATUS: ReadonlyMap<ErrorCode, number> = new Map(CATALOGUE.map(([code, status]) => [code, status]));

/** Code → what it means, for the OpenAPI description and the README. */
export const ERROR_MEANING: ReadonlyMap<ErrorCode, string> = new Map(
  CATALOGUE.map(([code, , meaning]) => [code, meaning]),
);

const KNOWN: ReadonlySet<unknown> = new Set<unknown>(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return KNOWN.has(value);
}

/** The HTTP status of a code. */
export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS.get(code) ?? 500;
}
