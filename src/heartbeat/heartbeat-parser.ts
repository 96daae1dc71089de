import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isValidId } from '../common/ids.js';
import { type ClientStatus, HeartbeatDto } from './heartbeat.dto.js';

/** Most a client clock may run ahead of Pulse's (5 minutes). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Heartbeats are small; anything bigger is not a heartbeat. */
export const MAX_HEARTBEAT_BYTES = 16 * 1024;

export type RejectionReason =
  | 'invalid_subject'
  | 'too_large'
  | 'invalid_json'
  | 'schema'
  | 'subject_mismatch'
  | 'future_timestamp'
  | 'unknown_tenant'
  /** Valid, but shed: the write buffer was full (a storm of new client ids). */
  | 'shed';

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

/** `_HEARTBEAT.tenant.{tenantId}.client.{clientId}` → ids, or null for any other shape. */
export function parseHeartbeatSubject(subject: string): { tenantId: string; clientId: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== '_HEARTBEAT' || parts[1] !== 'tenant' || parts[3] !== 'client') return null;
  if (!isValidId(parts[2]) || !isValidId(parts[4])) return null;
  return { tenantId: parts[2], clientId: parts[4] };
}

/**
 * Everything a heartbeat must satisfy that needs no state: the subject's shape, JSON, the
 * HeartbeatDto schema, ids equal to the subject's tokens (a client cannot speak for another
 * tenant or client) and a timestamp not more than 5 minutes ahead. Pure, so it is fuzzable.
 */
export function parseHeartbeat(subject: string, data: Uint8Array, receivedAt: number): ParseResult {
  const ids = parseHeartbeatSubject(subject);
  if (!ids)
    return { ok: false, reason: 'invalid_subject', detail: 'subject is not _HEARTBEAT.tenant.<id>.client.<id>' };
  const tenantId = ids.tenantId;
  if (data.length > MAX_HEARTBEAT_BYTES) {
    return { ok: false, reason: 'too_large', detail: `body over ${MAX_HEARTBEAT_BYTES} bytes`, tenantId };
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
  const dto = plainToInstance(HeartbeatDto, body);
  const errors = validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((e) => [
      ...Object.values(e.constraints ?? {}),
      ...(e.children ?? []).flatMap((c) => Object.values(c.constraints ?? {})),
    ]);
    return { ok: false, reason: 'schema', detail: messages.join('; ') || 'invalid heartbeat', tenantId };
  }
  if (dto.tenant_id !== ids.tenantId || dto.client_id !== ids.clientId) {
    return { ok: false, reason: 'subject_mismatch', detail: 'tenant_id/client_id differ from the subject', tenantId };
  }
  const timestamp = Date.parse(dto.timestamp);
  if (timestamp - receivedAt > MAX_FUTURE_SKEW_MS) {
    return { ok: false, reason: 'future_timestamp', detail: 'timestamp is more than 5 minutes ahead', tenantId };
  }
  return {
    ok: true,
    heartbeat: {
      tenantId,
      clientId: ids.clientId,
      status: dto.status,
      timestamp,
      sent: dto.metrics.messages_sent,
      received: dto.metrics.messages_received,
      errors: dto.metrics.errors,
      uptimeSeconds: dto.metrics.uptime_seconds,
    },
  };
}
