/**
 * JetStream advisories (`$JS.EVENT.ADVISORY.>`, issue #33) parsed, bounded and tallied per
 * tenant and anomaly window. Pure: the subscriber (advisories.service.ts) feeds it and writes
 * the tallies; unit-tested without a server, the payloads proven on a real one
 * (test/integration/jetstream-advisories.e2e-spec.ts).
 */
import { withinJsonShape } from '../common/json-shape.js';
import { consumerKey } from './jetstream.types.js';

export const ADVISORY_SUBJECT = '$JS.EVENT.ADVISORY.>';
/** The API audit advisories: one per JetStream API call, large, and of no anomaly: skipped unread. */
const API_AUDIT_SUBJECT = '$JS.EVENT.ADVISORY.API';
const TYPE_PREFIX = 'io.nats.jetstream.advisory.v1.';
/**
 * The advisories counted are small (≈ 250 bytes; newer servers may add a consumer's or stream's
 * config); anything far larger is not one of them.
 */
export const MAX_ADVISORY_BYTES = 8192;
const SHAPE = { maxDepth: 6, maxTokens: 512 };
/** NATS' longest stream or consumer name, in bytes of UTF-8 (and so in UTF-16 units too). */
export const MAX_JETSTREAM_NAME = 255;

/** The kinds counted, each a field `k:<kind>` of the window's hash. */
export const ADVISORY_KINDS = [
  'max_deliver',
  'terminated',
  'nak',
  'consumer_created',
  'consumer_deleted',
  'stream_created',
  'stream_deleted',
  'stream_updated',
  'leader_elected',
  'quorum_lost',
] as const;
export type AdvisoryKind = (typeof ADVISORY_KINDS)[number];

export interface Advisory {
  kind: AdvisoryKind;
  stream: string;
  /** Null for stream advisories. */
  consumer: string | null;
  /** The message's stream sequence and its deliveries (max_deliver, terminated, nak), else null. */
  streamSeq: number | null;
  deliveries: number | null;
}

/** Advisory `type` (after the prefix) → kind, and whether it names a consumer. */
const TYPES = new Map<string, { kind: AdvisoryKind | 'action'; consumer: boolean }>([
  ['max_deliver', { kind: 'max_deliver', consumer: true }],
  ['terminated', { kind: 'terminated', consumer: true }],
  ['nak', { kind: 'nak', consumer: true }],
  ['consumer_action', { kind: 'action', consumer: true }],
  ['stream_action', { kind: 'action', consumer: false }],
  ['stream_leader_elected', { kind: 'leader_elected', consumer: false }],
  ['consumer_leader_elected', { kind: 'leader_elected', consumer: true }],
  ['stream_quorum_lost', { kind: 'quorum_lost', consumer: false }],
  ['consumer_quorum_lost', { kind: 'quorum_lost', consumer: true }],
]);
/** `<consumer|stream> <action>` → kind (a consumer's `modify` is not counted). */
const ACTIONS = new Map<string, AdvisoryKind>([
  ['consumer create', 'consumer_created'],
  ['consumer delete', 'consumer_deleted'],
  ['stream create', 'stream_created'],
  ['stream delete', 'stream_deleted'],
  ['stream modify', 'stream_updated'],
]);

/**
 * A stream or consumer name as NATS accepts it: 1 to 255 bytes of UTF-8 (the server's bound is in
 * bytes), any character but whitespace, control characters (C0, DEL, C1), `.`, `*`, `>`, `/`, `\`
 * (so `Zählung` is one, as nats-server 2.9 allows). A lone surrogate is no UTF-8 the server could
 * have sent: refused. One pass, no regex.
 */
export function isJetStreamName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_JETSTREAM_NAME) return false;
  let bytes = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x80) {
      // C0 controls and space, DEL, and . * > / \
      if (c <= 0x20 || c === 0x7f || c === 0x2e || c === 0x2a || c === 0x3e || c === 0x2f || c === 0x5c) return false;
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const low = name.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return false;
      i++;
      bytes += 4;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
    else if (c <= 0x9f || isUnicodeSpace(c)) return false;
    else bytes += c < 0x800 ? 2 : 3;
    if (bytes > MAX_JETSTREAM_NAME) return false;
  }
  return true;
}

/** The whitespace outside ASCII (no-break, the U+2000 spaces, line and paragraph separators, …). */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const seq = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
const name = (v: unknown): string | null => (typeof v === 'string' && isJetStreamName(v) ? v : null);

/**
 * One advisory's payload: its kind, stream and consumer; null for anything that is not an
 * advisory Pulse counts or not well formed (the caller counts it as rejected). `ignored` for
 * one it does not count (API audit, snapshots, …). The subject must end with the names the
 * payload gives (the server's subjects do), so a payload cannot name a stream its subject does not.
 */
export function parseAdvisory(subject: string, data: Uint8Array): Advisory | 'ignored' | null {
  if (subject === API_AUDIT_SUBJECT) return 'ignored';
  if (data.length > MAX_ADVISORY_BYTES || !withinJsonShape(data, SHAPE)) return null;
  let event: unknown;
  try {
    event = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return null;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return null;
  const e = event as Record<string, unknown>;
  if (typeof e.type !== 'string' || !e.type.startsWith(TYPE_PREFIX)) return null;
  const type = TYPES.get(e.type.slice(TYPE_PREFIX.length));
  if (!type) return 'ignored';
  const stream = name(e.stream);
  const consumer = type.consumer ? name(e.consumer) : null;
  if (stream === null || (type.consumer && consumer === null)) return null;
  if (!subject.endsWith(consumer === null ? `.${stream}` : `.${stream}.${consumer}`)) return null;
  let kind: AdvisoryKind;
  if (type.kind === 'action') {
    const action = ACTIONS.get(`${type.consumer ? 'consumer' : 'stream'} ${String(e.action)}`);
    if (!action) return 'ignored';
    kind = action;
  } else kind = type.kind;
  const perMessage = kind === 'max_deliver' || kind === 'terminated' || kind === 'nak';
  return {
    kind,
    stream,
    consumer,
    streamSeq: perMessage ? seq(e.stream_seq) : null,
    deliveries: perMessage ? seq(e.deliveries) : null,
  };
}

/** One write to a window's hash: add `n` to a field, or set it (the last max_deliver's message). */
export type TallyOp = readonly ['i' | 's', string, number];

/**
 * What one batch adds to one tenant's window: field → ops in order (sums folded). Per consumer
 * only max deliveries (`md:`, and the last message's `mds:`/`mdd:`): the one thing a reader (the
 * `redelivery_storm` family) reads per consumer; terminated and nak are counted per kind only.
 */
export function tally(advisories: readonly Advisory[]): TallyOp[] {
  const sums = new Map<string, number>();
  const last = new Map<string, number>();
  const add = (field: string) => sums.set(field, (sums.get(field) ?? 0) + 1);
  for (const a of advisories) {
    add(`k:${a.kind}`);
    if (a.kind !== 'max_deliver' || a.consumer === null) continue;
    const key = consumerKey(a.stream, a.consumer);
    add(`md:${key}`);
    if (a.streamSeq !== null) last.set(`mds:${key}`, a.streamSeq);
    if (a.deliveries !== null) last.set(`mdd:${key}`, a.deliveries);
  }
  return [
    ...[...sums].map(([field, n]) => ['i', field, n] as const),
    ...[...last].map(([field, v]) => ['s', field, v] as const),
  ];
}

/** A window's counts as read back: per kind, and each consumer's max deliveries. */
export interface WindowAdvisories {
  kinds: Map<AdvisoryKind, number>;
  maxDeliveries: Map<
    string,
    { stream: string; consumer: string; count: number; streamSeq: number | null; deliveries: number | null }
  >;
  /** Consumer counts the hash had no room for. */
  over: number;
}

/** Reads a window's hash (HGETALL) back; fields it does not know are skipped. */
export function readWindow(hash: Record<string, string>): WindowAdvisories {
  const out: WindowAdvisories = { kinds: new Map(), maxDeliveries: new Map(), over: Number(hash.over ?? 0) || 0 };
  const kinds = new Set<string>(ADVISORY_KINDS);
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('k:') && kinds.has(field.slice(2)))
      out.kinds.set(field.slice(2) as AdvisoryKind, Number(value));
    if (!field.startsWith('md:')) continue;
    const key = field.slice(3);
    const slash = key.indexOf('/');
    if (slash <= 0) continue;
    const number = (f: string) => (Object.hasOwn(hash, f) ? seq(Number(hash[f])) : null);
    out.maxDeliveries.set(key, {
      stream: key.slice(0, slash),
      consumer: key.slice(slash + 1),
      count: Number(value) || 0,
      streamSeq: number(`mds:${key}`),
      deliveries: number(`mdd:${key}`),
    });
  }
  return out;
}
