import type { MsgHdrs } from '@nats-io/transport-node';
import { withinJsonShape } from '../../common/json-shape.js';
import { type CustomMetricDefinition, MAX_PARSED_PAYLOAD_BYTES, PARSED_PAYLOAD_SHAPE } from './definition.js';

/** A number taken from a message, or why none could be: never throws, linear in the payload. */
export type Extracted = number | 'unparsable' | 'too_large';

const decoder = new TextDecoder();

/** The value of a dotted path in parsed JSON, own properties only (no prototype is ever read). */
function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** What `parsePayload` found when the payload could not be used (TOO_LARGE: over the bytes or the shape). */
export const NOT_JSON = Symbol('not json');
export const TOO_LARGE = Symbol('too large');

/** The payload as JSON, parsed once per message however many definitions read it. */
export function parsePayload(data: Uint8Array): unknown {
  // The shape is checked before the parse: its cost grows with depth and tokens, not bytes alone.
  if (data.length > MAX_PARSED_PAYLOAD_BYTES || !withinJsonShape(data, PARSED_PAYLOAD_SHAPE)) return TOO_LARGE;
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return NOT_JSON;
  }
}

/** A definition's number in a parsed payload. */
export function valueIn(parsed: unknown, path: readonly string[] | null): Extracted {
  if (parsed === TOO_LARGE) return 'too_large';
  if (parsed === NOT_JSON) return 'unparsable';
  const v = at(parsed, path ?? []);
  return typeof v === 'number' && Number.isFinite(v) ? v : 'unparsable';
}

export function headerValue(headers: MsgHdrs | undefined, name: string | null): Extracted {
  let raw: string | undefined;
  try {
    raw = headers?.get(name ?? '');
  } catch {
    return 'unparsable';
  }
  if (raw === undefined || raw === '' || raw.length > 64) return 'unparsable';
  const n = Number(raw);
  return Number.isFinite(n) ? n : 'unparsable';
}

type Extracting = Pick<CustomMetricDefinition, 'source' | 'header'> & { path: readonly string[] | null };

/** One definition's value from a message whose payload is already parsed (`parsePayload`). */
export function valueFrom(definition: Extracting, parsed: unknown, headers: MsgHdrs | undefined): Extracted {
  if (definition.source === 'count') return 1;
  if (definition.source === 'header') return headerValue(headers, definition.header);
  return valueIn(parsed, definition.path);
}

/** One definition's value from a message. */
export function extractValue(definition: Extracting, data: Uint8Array, headers: MsgHdrs | undefined): Extracted {
  return valueFrom(definition, definition.source === 'json' ? parsePayload(data) : undefined, headers);
}
