import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Ajv } from 'ajv';
import { ID_PATTERN, isValidId } from '../common/ids.js';
import { type JsonShapeLimits, withinJsonShape } from '../common/json-shape.js';
import { CLIENT_STATUSES, type ClientStatus, HeartbeatDto } from './heartbeat.dto.js';
import { readCanonicalHeartbeat } from './canonical-heartbeat.js';

/** Most a client clock may run ahead of Pulse's (5 minutes). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Heartbeats are small; anything bigger is not a heartbeat. */
export const MAX_HEARTBEAT_BYTES = 16 * 1024;
/**
 * A heartbeat is 2 levels and ~15 tokens; these leave room for fields newer clients add, and
 * keep JSON.parse's cost per heartbeat near a valid one's (16 KiB of `[` cost ~0.4-0.8 ms).
 */
export const HEARTBEAT_SHAPE: JsonShapeLimits = { maxDepth: 8, maxTokens: 256 };

export type RejectionReason =
  | 'invalid_subject'
  | 'too_large'
  /** Nested deeper or with more tokens than HEARTBEAT_SHAPE: refused before parsing. */
  | 'too_complex'
  | 'invalid_json'
  | 'schema'
  | 'subject_mismatch'
  | 'future_timestamp'
  | 'unknown_tenant'
  /** Valid, but shed: the write buffer was full (a storm of new client ids). */
  | 'shed'
  /** Valid, but of a new client of a tenant that has MAX_CLIENTS_PER_TENANT clients already (refused in Redis). */
  | 'client_limit';

export interface Heartbeat {
  tenantId: string;
  clientId: string;
  status: ClientStatus;
  /** Client's own clock (ms), as sent. */
  timestamp: number;
  sent: number;
  received: number;
  errors: number;
  uptimeSeconds: number;
}

export type ParseResult =
  { ok: true; heartbeat: Heartbeat } | { ok: false; reason: RejectionReason; detail: string; tenantId?: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

const SUBJECT_HEAD = '_HEARTBEAT.tenant.';
const CLIENT_TOKEN = '.client.';

/** Where `.client.` starts in a heartbeat subject, or -1 for any other shape. */
function clientTokenAt(subject: string): number {
  // By position rather than split('.'): no array per heartbeat. Ids cannot hold a dot, so the
  // first `.client.` after the tenant token is the only possible split.
  if (!subject.startsWith(SUBJECT_HEAD)) return -1;
  return subject.indexOf(CLIENT_TOKEN, SUBJECT_HEAD.length);
}

/** `_HEARTBEAT.tenant.{tenantId}.client.{clientId}` → ids, or null for any other shape. */
export function parseHeartbeatSubject(subject: string): { tenantId: string; clientId: string } | null {
  const at = clientTokenAt(subject);
  if (at < 0) return null;
  const tenantId = subject.slice(SUBJECT_HEAD.length, at);
  const clientId = subject.slice(at + CLIENT_TOKEN.length);
  if (!isValidId(tenantId) || !isValidId(clientId)) return null;
  return { tenantId, clientId };
}

/**
 * The tenant token of a heartbeat subject when it is a valid id, whatever the client token (null
 * for any other shape): whose subject a heartbeat rejected for its subject was delivered on.
 */
export function heartbeatSubjectTenant(subject: string): string | null {
  const at = clientTokenAt(subject);
  if (at < 0) return null;
  const tenantId = subject.slice(SUBJECT_HEAD.length, at);
  return isValidId(tenantId) ? tenantId : null;
}

/** The timestamp forms the compiled check takes: RFC 3339 date-times (what every SDK sends). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

const counterSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
/**
 * The heartbeat as clients send it, compiled once (Ajv). It accepts a subset of what the
 * class-validator rules of HeartbeatDto accept, with the same result (a property test checks
 * both on generated and mutated bodies); anything else — every rejection included — goes through
 * HeartbeatDto, so reasons and messages are the DTO's. The compiled check costs about a tenth.
 */
const canonical = new Ajv({ allErrors: false, strict: true }).compile<CanonicalHeartbeat>({
  type: 'object',
  required: ['client_id', 'tenant_id', 'timestamp', 'status', 'metrics'],
  properties: {
    client_id: { type: 'string', pattern: ID_PATTERN.source },
    tenant_id: { type: 'string', pattern: ID_PATTERN.source },
    timestamp: { type: 'string', pattern: RFC3339.source },
    status: { type: 'string', enum: [...CLIENT_STATUSES] },
    metrics: {
      type: 'object',
      required: ['messages_sent', 'messages_received', 'errors', 'uptime_seconds'],
      properties: {
        messages_sent: counterSchema,
        messages_received: counterSchema,
        errors: counterSchema,
        uptime_seconds: counterSchema,
      },
    },
  },
});

interface CanonicalHeartbeat {
  client_id: string;
  tenant_id: string;
  timestamp: string;
  status: ClientStatus;
  metrics: { messages_sent: number; messages_received: number; errors: number; uptime_seconds: number };
}

/** A day that exists in its month (the RFC 3339 pattern checks only the digits). */
function calendarDay(timestamp: string): boolean {
  const year = Number(timestamp.slice(0, 4));
  const month = Number(timestamp.slice(5, 7));
  const day = Number(timestamp.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= days;
}

/** A heartbeat body's fields and its timestamp (ms), or why the schema refuses it. */
type BodyCheck = { ok: true; fields: CanonicalHeartbeat; timestamp: number } | { ok: false; detail: string };

/** The fields of a valid heartbeat body, or the schema failure, by the compiled check or HeartbeatDto. */
export function validateHeartbeatBody(body: object): BodyCheck {
  if (canonical(body) && calendarDay(body.timestamp)) {
    const timestamp = Date.parse(body.timestamp);
    if (Number.isFinite(timestamp)) return { ok: true, fields: body, timestamp };
  }
  return validateWithDto(body);
}

/**
 * HeartbeatDto's rules (class-validator), the reference: every body the compiled check does not
 * take. Two holes of those rules are closed here: `metrics` must be an object (an array passed
 * @ValidateNested element by element and left every counter undefined), and the timestamp must
 * be a date-time Date.parse can place (ISO 8601 week and ordinal dates pass @IsISO8601 but parse
 * to NaN). Either reached Redis as a non-number and failed its whole Lua call on every retry.
 */
export function validateWithDto(body: object): BodyCheck {
  const dto = plainToInstance(HeartbeatDto, body);
  const errors = validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((e) => [
      ...Object.values(e.constraints ?? {}),
      ...(e.children ?? []).flatMap((c) => Object.values(c.constraints ?? {})),
    ]);
    // A field's rules may share a message (the timestamp's length bound and format): said once.
    return { ok: false, detail: [...new Set(messages)].join('; ') || 'invalid heartbeat' };
  }
  if (Array.isArray((body as { metrics?: unknown }).metrics)) return { ok: false, detail: 'metrics must be an object' };
  const timestamp = Date.parse(dto.timestamp);
  if (!Number.isFinite(timestamp)) return { ok: false, detail: 'timestamp must be an ISO 8601 date-time' };
  return { ok: true, fields: dto, timestamp };
}

/**
 * Everything a heartbeat must satisfy that needs no state: the subject's shape, JSON, the
 * heartbeat schema, ids equal to the subject's tokens (a client cannot speak for another
 * tenant or client) and a timestamp not more than 5 minutes ahead. Pure, so it is fuzzable.
 * `ids` are the subject's, when the caller has parsed it already.
 */
export function parseHeartbeat(
  subject: string,
  data: Uint8Array,
  receivedAt: number,
  ids = parseHeartbeatSubject(subject),
): ParseResult {
  if (!ids)
    return { ok: false, reason: 'invalid_subject', detail: 'subject is not _HEARTBEAT.tenant.<id>.client.<id>' };
  // The SDK's bytes, read in place; any other body takes the full parse.
  const canonical =
    data.length <= MAX_HEARTBEAT_BYTES ? readCanonicalHeartbeat(data, ids.tenantId, ids.clientId) : null;
  if (canonical) {
    if (canonical.timestamp - receivedAt > MAX_FUTURE_SKEW_MS) return futureTimestamp(ids.tenantId);
    return { ok: true, heartbeat: { tenantId: ids.tenantId, clientId: ids.clientId, ...canonical } };
  }
  return parseHeartbeatFully(data, receivedAt, ids);
}

function futureTimestamp(tenantId: string): ParseResult {
  return { ok: false, reason: 'future_timestamp', detail: 'timestamp is more than 5 minutes ahead', tenantId };
}

/** parseHeartbeat without the in-place read of the SDK's bytes: JSON.parse and the schema, for every body. */
export function parseHeartbeatFully(
  data: Uint8Array,
  receivedAt: number,
  ids: { tenantId: string; clientId: string },
): ParseResult {
  const tenantId = ids.tenantId;
  if (data.length > MAX_HEARTBEAT_BYTES) {
    return { ok: false, reason: 'too_large', detail: `body over ${MAX_HEARTBEAT_BYTES} bytes`, tenantId };
  }
  if (!withinJsonShape(data, HEARTBEAT_SHAPE)) {
    const { maxDepth, maxTokens } = HEARTBEAT_SHAPE;
    const detail = `body nested over ${maxDepth} levels or over ${maxTokens} tokens`;
    return { ok: false, reason: 'too_complex', detail, tenantId };
  }
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, reason: 'invalid_json', detail: 'body is not UTF-8 JSON', tenantId };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'invalid_json', detail: 'body is not a JSON object', tenantId };
  }
  const valid = validateHeartbeatBody(body);
  if (!valid.ok) return { ok: false, reason: 'schema', detail: valid.detail, tenantId };
  const { fields, timestamp } = valid;
  if (fields.tenant_id !== ids.tenantId || fields.client_id !== ids.clientId) {
    return { ok: false, reason: 'subject_mismatch', detail: 'tenant_id/client_id differ from the subject', tenantId };
  }
  if (timestamp - receivedAt > MAX_FUTURE_SKEW_MS) return futureTimestamp(tenantId);
  return {
    ok: true,
    heartbeat: {
      tenantId,
      clientId: ids.clientId,
      status: fields.status,
      timestamp,
      sent: fields.metrics.messages_sent,
      received: fields.metrics.messages_received,
      errors: fields.metrics.errors,
      uptimeSeconds: fields.metrics.uptime_seconds,
    },
  };
}
