import { Gauge, type Registry } from 'prom-client';
import type { ConsumerFigures, StreamFigures, TenantJetStream } from '../jetstream/jetstream.types.js';

/** Streams exposed, at most (the fullest first): each is 3 series. */
export const EXPOSED_JETSTREAM_STREAMS = 20;
/** Consumers exposed, at most (worst first, as the poll kept them): each is 4 series. */
export const EXPOSED_JETSTREAM_CONSUMERS = 50;
/** A stream or consumer name longer than this is cut (names are the tenant's; a label stays short). */
export const MAX_JETSTREAM_LABEL_CHARS = 128;
/** Series the JetStream part of a scrape returns at most: per stream and consumer, and the 2 omitted counts. */
export const MAX_JETSTREAM_SERIES = 3 * EXPOSED_JETSTREAM_STREAMS + 4 * EXPOSED_JETSTREAM_CONSUMERS + 2;

/** A tenant-controlled name as a label value: cut to the bound (prom-client escapes `\`, `"` and newlines). */
export function jetstreamLabel(name: string): string {
  return name.length <= MAX_JETSTREAM_LABEL_CHARS ? name : `${name.slice(0, MAX_JETSTREAM_LABEL_CHARS - 1)}…`;
}

/** Seconds until a consumer's lag reaches zero: 0 when drained, null when not draining or not known yet. */
export function drainSeconds(consumer: ConsumerFigures): number | null {
  const drain = consumer.drain;
  if (drain.state === 'drained') return 0;
  return drain.state === 'draining' ? drain.seconds : null;
}

/** The streams exposed: the fullest first (no limit set counts as empty), then the largest. */
function exposedStreams(streams: StreamFigures[]): StreamFigures[] {
  return [...streams]
    .sort((a, b) => (b.fill.worst ?? -1) - (a.fill.worst ?? -1) || b.bytes - a.bytes)
    .slice(0, EXPOSED_JETSTREAM_STREAMS);
}

/**
 * The key prom-client files a series under (`name:value,` per label, names sorted). It is
 * ambiguous: `,` and `:` are legal in stream and consumer names, so two distinct label pairs can
 * share it and the later silently overwrites the earlier. Items are de-duplicated on this key.
 */
export function promSeriesKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}:${labels[name]},`)
    .join('');
}

/**
 * Items whose series keys are distinct once cut to MAX_JETSTREAM_LABEL_CHARS, at most `limit`,
 * in the order given: two items with the same key (long names cut alike, or names whose `,` and
 * `:` make prom-client's key collide) keep the first (the worse); the other is counted as omitted.
 */
function distinctByLabel<T>(items: T[], labelKey: (item: T) => string, limit: number): T[] {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    if (kept.length === limit) break;
    const key = labelKey(item);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(item);
  }
  return kept;
}

/**
 * The tenant's JetStream as gauges in `registry` (professional and up): each exposed stream's
 * messages, bytes and fill, each exposed consumer's pending, ack pending, redelivered and time to
 * drain (absent when not draining or not known), and how many consumers and streams are left out
 * (those the poll did not keep, and those kept beyond the exposition's bound). At most
 * MAX_JETSTREAM_SERIES series whatever the tenant holds.
 */
export function addJetStreamSeries(registry: Registry, js: TenantJetStream): void {
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
  const streams = distinctByLabel(
    exposedStreams(js.streams),
    (s) => promSeriesKey({ stream: jetstreamLabel(s.name) }),
    EXPOSED_JETSTREAM_STREAMS,
  );
  const consumers = distinctByLabel(
    js.consumers,
    (c) => promSeriesKey({ stream: jetstreamLabel(c.stream), consumer: jetstreamLabel(c.name) }),
    EXPOSED_JETSTREAM_CONSUMERS,
  );
  const messages = gauge('pulse_jetstream_stream_messages', 'Messages in the stream at the last poll', ['stream']);
  const bytes = gauge('pulse_jetstream_stream_bytes', 'Bytes in the stream at the last poll', ['stream']);
  const fill = gauge(
    'pulse_jetstream_stream_fill_ratio',
    'How full the stream is: the highest of messages and bytes over their limits (0..1; absent with no limit)',
    ['stream'],
  );
  for (const s of streams) {
    const labels = { stream: jetstreamLabel(s.name) };
    messages.set(labels, s.messages);
    bytes.set(labels, s.bytes);
    if (s.fill.worst !== null) fill.set(labels, s.fill.worst);
  }
  const labelNames = ['stream', 'consumer'];
  const pending = gauge(
    'pulse_jetstream_consumer_pending',
    'Messages not yet delivered to the consumer (its lag)',
    labelNames,
  );
  const ackPending = gauge(
    'pulse_jetstream_consumer_ack_pending',
    'Messages delivered, not yet acknowledged',
    labelNames,
  );
  const redelivered = gauge(
    'pulse_jetstream_consumer_redelivered',
    'Messages redelivered at least once, as the server counts them',
    labelNames,
  );
  const drain = gauge(
    'pulse_jetstream_consumer_drain_seconds',
    'Seconds until the lag reaches zero at the measured rate (0 drained; absent when not draining or not known)',
    labelNames,
  );
  for (const c of consumers) {
    const labels = { stream: jetstreamLabel(c.stream), consumer: jetstreamLabel(c.name) };
    pending.set(labels, c.pending);
    ackPending.set(labels, c.ackPending);
    redelivered.set(labels, c.redelivered);
    const seconds = drainSeconds(c);
    if (seconds !== null) drain.set(labels, seconds);
  }
  new Gauge({
    name: 'pulse_jetstream_consumers_omitted',
    help: `Consumers not exposed: beyond the poll's bound or the exposition's ${EXPOSED_JETSTREAM_CONSUMERS}`,
    registers,
  }).set(js.omitted.consumers + js.consumers.length - consumers.length);
  new Gauge({
    name: 'pulse_jetstream_streams_omitted',
    help: `Streams not exposed: beyond the poll's bound or the exposition's ${EXPOSED_JETSTREAM_STREAMS}`,
    registers,
  }).set(js.omitted.streams + js.streams.length - streams.length);
}
