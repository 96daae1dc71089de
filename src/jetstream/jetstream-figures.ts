// Figures of streams and consumers from what the JetStream API lists (issue #33). Pure: the
// caller passes the clock and the previous poll's figures.
import {
  consumerKey,
  type ConsumerFigures,
  type DrainState,
  type StreamFigures,
  type StreamLimits,
} from './jetstream.types.js';

/** Subjects kept per stream (StreamFigures.subjects); the rest are counted. */
export const MAX_SUBJECTS_KEPT = 20;

/** What Pulse reads of a stream in `$JS.API.STREAM.LIST` (a subset of the server's StreamInfo). */
export interface RawStream {
  config: {
    name: string;
    subjects?: string[];
    max_msgs?: number;
    max_bytes?: number;
    /** Nanoseconds; 0 is none. */
    max_age?: number;
    max_consumers?: number;
    /** Where the stream keeps its messages (`file` when absent, as the server defaults). */
    storage?: string;
    /** A mirror's origin, and the streams a stream sources: such a stream is the operator's (attribution). */
    mirror?: { name: string } | null;
    sources?: { name: string }[] | null;
  };
  created: string;
  state: { messages: number; bytes: number; first_seq: number; last_seq: number; consumer_count: number };
}

/** What Pulse reads of a consumer in `$JS.API.CONSUMER.LIST.<stream>`. */
export interface RawConsumer {
  stream_name: string;
  name: string;
  config: { durable_name?: string; deliver_subject?: string };
  delivered: { stream_seq: number; last_active?: unknown };
  ack_floor: { stream_seq: number; last_active?: unknown };
  num_ack_pending: number;
  num_redelivered: number;
  num_waiting: number;
  num_pending: number;
}

/**
 * What the next poll needs of a consumer: its pending and ack floor, and when (rates), and the most
 * pending seen in the minute and in the hour of `atMs` (history's max pending).
 */
export interface ConsumerSample {
  pending: number;
  ackFloorSeq: number;
  atMs: number;
  maxMinute: number;
  maxHour: number;
}

/** The sample of a consumer at `nowMs`: the period maxima carried on within the same minute and hour. */
export function sampleOf(
  c: Pick<ConsumerFigures, 'pending' | 'ackFloorSeq'>,
  previous: ConsumerSample | undefined,
  nowMs: number,
): ConsumerSample {
  const same = (ms: number) => previous !== undefined && Math.floor(previous.atMs / ms) === Math.floor(nowMs / ms);
  return {
    pending: c.pending,
    ackFloorSeq: c.ackFloorSeq,
    atMs: nowMs,
    maxMinute: same(60_000) ? Math.max(previous!.maxMinute, c.pending) : c.pending,
    maxHour: same(3_600_000) ? Math.max(previous!.maxHour, c.pending) : c.pending,
  };
}

/** A positive limit, else null (the server says -1 or 0 for none). */
const limit = (value: number | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;

/** `figure / limit`, at most 1; null without a limit. */
const ratio = (figure: number, max: number | null): number | null => (max === null ? null : Math.min(1, figure / max));

/** How full a stream is per limit it sets, and the worst of them (age is no fill). */
export function fillOf(
  state: { messages: number; bytes: number },
  limits: Pick<StreamLimits, 'maxMessages' | 'maxBytes'>,
): StreamFigures['fill'] {
  const messages = ratio(state.messages, limits.maxMessages);
  const bytes = ratio(state.bytes, limits.maxBytes);
  const set = [messages, bytes].filter((v): v is number => v !== null);
  return { messages, bytes, worst: set.length === 0 ? null : Math.max(...set) };
}

export function streamFigures(raw: RawStream): StreamFigures {
  const subjects = raw.config.subjects ?? [];
  const maxAgeNs = limit(raw.config.max_age);
  const limits: StreamLimits = {
    maxMessages: limit(raw.config.max_msgs),
    maxBytes: limit(raw.config.max_bytes),
    maxAgeMs: maxAgeNs === null ? null : Math.round(maxAgeNs / 1e6),
    maxConsumers: limit(raw.config.max_consumers),
  };
  return {
    name: raw.config.name,
    subjects: subjects.slice(0, MAX_SUBJECTS_KEPT),
    subjectsOmitted: Math.max(0, subjects.length - MAX_SUBJECTS_KEPT),
    messages: raw.state.messages,
    bytes: raw.state.bytes,
    firstSeq: raw.state.first_seq,
    lastSeq: raw.state.last_seq,
    consumers: raw.state.consumer_count,
    storage: raw.config.storage === 'memory' ? 'memory' : 'file',
    limits,
    fill: fillOf(raw.state, limits),
    created: raw.created,
  };
}

/**
 * Whether a consumer drains: `drained` with nothing pending; `unknown` at first sight; `draining`
 * while pending falls (seconds until 0 at the measured net rate); else `not_draining`.
 */
export function drainOf(pending: number, pendingGrowth: number | null): DrainState {
  if (pending === 0) return { state: 'drained' };
  if (pendingGrowth === null) return { state: 'unknown' };
  if (pendingGrowth < 0) return { state: 'draining', seconds: Math.ceil(pending / -pendingGrowth) };
  return { state: 'not_draining' };
}

/** An ISO time the server gave, else null (servers before 2.10 send no `last_active`). */
function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value.startsWith('0001-')) return null;
  return Number.isNaN(Date.parse(value)) ? null : value;
}

/**
 * A consumer's figures at `nowMs`; rates against `previous` (the last poll's sample), null when
 * there is none, no time passed, or the ack floor went back (the consumer was recreated).
 */
export function consumerFigures(
  raw: RawConsumer,
  previous: ConsumerSample | undefined,
  nowMs: number,
): ConsumerFigures {
  const pending = raw.num_pending;
  const ackFloorSeq = raw.ack_floor.stream_seq;
  const seconds = previous === undefined ? 0 : (nowMs - previous.atMs) / 1000;
  const comparable = previous !== undefined && seconds > 0 && ackFloorSeq >= previous.ackFloorSeq;
  const ackRate = comparable ? (ackFloorSeq - previous.ackFloorSeq) / seconds : null;
  const pendingGrowth = comparable ? (pending - previous.pending) / seconds : null;
  return {
    stream: raw.stream_name,
    name: raw.name,
    kind: raw.config.deliver_subject ? 'push' : 'pull',
    durable: Boolean(raw.config.durable_name),
    pending,
    ackPending: raw.num_ack_pending,
    redelivered: raw.num_redelivered,
    waiting: raw.config.deliver_subject ? 0 : raw.num_waiting,
    deliveredSeq: raw.delivered.stream_seq,
    ackFloorSeq,
    lastDeliveredAt: isoOrNull(raw.delivered.last_active),
    lastAckedAt: isoOrNull(raw.ack_floor.last_active),
    ackRate,
    pendingGrowth,
    drain: drainOf(pending, pendingGrowth),
  };
}

/** Worst first: most pending, then fastest growth (unknown last), then by key (stable). */
export function compareConsumers(a: ConsumerFigures, b: ConsumerFigures): number {
  return (
    b.pending - a.pending ||
    (b.pendingGrowth ?? -Infinity) - (a.pendingGrowth ?? -Infinity) ||
    compareText(consumerKey(a.stream, a.name), consumerKey(b.stream, b.name))
  );
}

/** Fullest first (no limit last), then most bytes, then by name. */
export function compareStreams(a: StreamFigures, b: StreamFigures): number {
  return (b.fill.worst ?? -1) - (a.fill.worst ?? -1) || b.bytes - a.bytes || compareText(a.name, b.name);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The first `max` by `compare`, and how many were left out. */
export function worst<T>(items: T[], max: number, compare: (a: T, b: T) => number): { kept: T[]; omitted: number } {
  // `-Infinity - -Infinity` is NaN: treated as equal by the `||` chains above.
  const sorted = [...items].sort((a, b) => compare(a, b) || 0);
  return { kept: sorted.slice(0, max), omitted: Math.max(0, sorted.length - max) };
}
