import type { MsgHdrs } from '@nats-io/transport-node';
import { type CustomMetricDefinition, MAX_PARSED_PAYLOAD_BYTES } from './definition.js';

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

export function extractValue(
  definition: Pick<CustomMetricDefinition, 'source' | 'header'> & { path: readonly string[] | null },
  data: Uint8Array,
  headers: MsgHdrs | undefined,
): Extracted {
  if (definition.source === 'count') return 1;
  if (definition.source === 'header') {
    let raw: string | undefined;
    try {
      raw = headers?.get(definition.header ?? '');
    } catch {
      return 'unparsable';
    }
    if (raw === undefined || raw === '' || raw.length > 64) return 'unparsable';
    const n = Number(raw);
    return Number.isFinite(n) ? n : 'unparsable';
  }
  if (data.length > MAX_PARSED_PAYLOAD_BYTES) return 'too_large';
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return 'unparsable';
  }
  const v = at(parsed, definition.path ?? []);
  return typeof v === 'number' && Number.isFinite(v) ? v : 'unparsable';
}
