/**
 * The tenant's JetStream as anomaly conditions (issue #33): consumers that stall, storms of
 * max-deliveries advisories, streams near a limit. Pure: `closeWindow` calls it with what the
 * JetStream poller last saw and the window's advisory counts, and keeps the returned state.
 */
import type { DetectorConfig } from '../config/detector-config.js';
import { consumerKey, type TenantJetStream } from '../jetstream/jetstream.types.js';
import { type AnomalyDraft, range } from './detectors.js';

/** Max-deliveries advisories of one consumer in a window, and the last one's message. */
export interface MaxDeliveries {
  stream: string;
  consumer: string;
  count: number;
  /** Stream sequence and delivery count of the last message that reached the limit (null: not known). */
  streamSeq: number | null;
  deliveries: number | null;
}

/** What one window knows of the tenant's JetStream. */
export interface JetStreamWindow {
  /** The last poll's view; null when not known for this window (stalls and fills are held, not judged). */
  current: TenantJetStream | null;
  /** `<stream>/<consumer>` → its max-deliveries advisories in the window. */
  maxDeliveries: Map<string, MaxDeliveries>;
}

/** Per consumer the poller keeps: what the last poll judged said, and the windows it has grown in a row. */
export interface ConsumerMemory {
  /** Pending + ack pending at the last poll judged. */
  outstanding: number;
  ackFloorSeq: number;
  /** Polls in a row (one per window at most) at which outstanding grew with no ack since. */
  run: number;
}

export interface JetStreamState {
  /** `polledAt` of the last poll judged: the same poll seen again is no new observation. */
  polledAt: string | null;
  /** `<stream>/<consumer>` → memory, only for consumers in the last poll (the poller's bound). */
  consumers: Record<string, ConsumerMemory>;
}

export const JETSTREAM_KEY_PREFIX = 'js:';
const STALLED = `${JETSTREAM_KEY_PREFIX}stalled:`;
const STORM = `${JETSTREAM_KEY_PREFIX}storm:`;
const NEAR_LIMIT = `${JETSTREAM_KEY_PREFIX}limit:`;
/** Most anomalies of one JetStream family a window opens or keeps (open ones first). */
export const MAX_JETSTREAM_DRAFTS = 25;

export const isJetStreamKey = (key: string): boolean => key.startsWith(JETSTREAM_KEY_PREFIX);

export interface JetStreamResult {
  state: JetStreamState;
  drafts: AnomalyDraft[];
  /** Open keys this window could not judge (no new poll): held open, neither found nor cleared. */
  held: string[];
}

const percent = (fill: number) => `${Math.floor(fill * 1000) / 10} %`;

function stalled(
  before: JetStreamState,
  current: TenantJetStream,
  c: DetectorConfig,
): { consumers: Record<string, ConsumerMemory>; drafts: AnomalyDraft[] } {
  // Keys are `<stream>/<consumer>` (never `__proto__`: a `/` in each); built with fromEntries, read own only.
  const memories: [string, ConsumerMemory][] = [];
  const drafts: AnomalyDraft[] = [];
  for (const f of current.consumers) {
    const key = consumerKey(f.stream, f.name);
    const outstanding = f.pending + f.ackPending;
    const previous = Object.hasOwn(before.consumers, key) ? before.consumers[key] : undefined;
    const acked = previous !== undefined && f.ackFloorSeq !== previous.ackFloorSeq;
    // Growth with no ack adds a window; an ack or an empty backlog ends the run; flat keeps it.
    const run =
      previous === undefined || acked || outstanding === 0
        ? 0
        : outstanding > previous.outstanding
          ? previous.run + 1
          : previous.run;
    memories.push([key, { outstanding, ackFloorSeq: f.ackFloorSeq, run }]);
    if (run < c.stallWindows) continue;
    drafts.push({
      key: `${STALLED}${key}`,
      type: 'consumer_stalled',
      severity: 'warning',
      summary: `Consumer ${f.name} of stream ${f.stream} is stalled: ${outstanding} messages outstanding, grown for ${run} windows with no ack`,
      details: {
        stream: f.stream,
        consumer: f.name,
        pending: f.pending,
        ackPending: f.ackPending,
        ackFloorSeq: f.ackFloorSeq,
        windows: run,
        drain: f.drain.state,
        // The figure judged: windows grown with no ack, against the run that stalls.
        ...range(run, 0, null, c.stallWindows),
      },
    });
  }
  return { consumers: Object.fromEntries(memories), drafts };
}

function nearLimit(current: TenantJetStream, c: DetectorConfig, open: ReadonlySet<string>): AnomalyDraft[] {
  const drafts: AnomalyDraft[] = [];
  for (const s of current.streams) {
    const key = `${NEAR_LIMIT}${s.name}`;
    const worst = s.fill.worst;
    if (worst === null || !(worst > c.streamFillOpen || (open.has(key) && worst >= c.streamFillKeep))) continue;
    const limit = s.fill.bytes !== null && s.fill.bytes >= (s.fill.messages ?? 0) ? 'bytes' : 'messages';
    drafts.push({
      key,
      type: 'stream_near_limit',
      severity: worst >= 0.98 ? 'critical' : 'warning',
      summary: `Stream ${s.name} is ${percent(worst)} full (${limit}: ${limit === 'bytes' ? s.bytes : s.messages} of ${limit === 'bytes' ? s.limits.maxBytes : s.limits.maxMessages})`,
      details: {
        stream: s.name,
        fill: Number(worst.toFixed(4)),
        limit,
        messages: s.messages,
        bytes: s.bytes,
        maxMessages: s.limits.maxMessages,
        maxBytes: s.limits.maxBytes,
        ...range(worst, null, null, c.streamFillOpen),
      },
    });
  }
  return drafts;
}

function storms(maxDeliveries: Map<string, MaxDeliveries>, c: DetectorConfig): AnomalyDraft[] {
  const drafts: AnomalyDraft[] = [];
  for (const [key, m] of maxDeliveries) {
    if (m.count < Math.max(1, c.minMaxDeliveries)) continue;
    const last =
      m.streamSeq === null ? '' : `; last: stream sequence ${m.streamSeq}, ${m.deliveries ?? '?'} deliveries`;
    drafts.push({
      key: `${STORM}${key}`,
      type: 'redelivery_storm',
      severity: m.count >= 10 * Math.max(1, c.minMaxDeliveries) ? 'critical' : 'warning',
      summary: `Consumer ${m.consumer} of stream ${m.stream}: ${m.count} message(s) reached their max deliveries in one window${last}`,
      details: {
        stream: m.stream,
        consumer: m.consumer,
        maxDeliveries: m.count,
        lastStreamSeq: m.streamSeq,
        lastDeliveries: m.deliveries,
        ...range(m.count, 0, null, Math.max(1, c.minMaxDeliveries)),
      },
    });
  }
  return drafts;
}

/** At most MAX_JETSTREAM_DRAFTS of a family, those already open first, so an open one is never crowded out. */
function bounded(drafts: AnomalyDraft[], open: ReadonlySet<string>): AnomalyDraft[] {
  if (drafts.length <= MAX_JETSTREAM_DRAFTS) return drafts;
  const first = drafts.filter((d) => open.has(d.key));
  return [...first, ...drafts.filter((d) => !open.has(d.key))].slice(0, MAX_JETSTREAM_DRAFTS);
}

export function initialJetStreamState(): JetStreamState {
  return { polledAt: null, consumers: {} };
}

/**
 * One window's JetStream conditions. `open` holds the anomaly keys open before the window. A
 * poll already judged (or none) is no observation: consumers' runs stay, open stalls and fills
 * are held. Storms are judged on the window's advisory counts whatever the poll.
 */
export function jetstreamConditions(
  state: JetStreamState | undefined,
  w: JetStreamWindow,
  c: DetectorConfig,
  open: ReadonlySet<string>,
): JetStreamResult {
  const before = state ?? initialJetStreamState();
  const fresh = w.current !== null && w.current.polledAt !== before.polledAt;
  const drafts = bounded(storms(w.maxDeliveries, c), open);
  if (!fresh) {
    const held = [...open].filter((k) => k.startsWith(STALLED) || k.startsWith(NEAR_LIMIT));
    return { state: before, drafts, held };
  }
  const current = w.current!;
  const stalls = stalled(before, current, c);
  drafts.push(...bounded(stalls.drafts, open), ...bounded(nearLimit(current, c, open), open));
  return { state: { polledAt: current.polledAt, consumers: stalls.consumers }, drafts, held: [] };
}
