import type { JetStreamHistoryPoint } from './jetstream.types.js';

/** Streams and consumers one history answer carries at most (README, JetStream: bounds). */
export const MAX_HISTORY_SERIES = { streams: 20, consumers: 20 } as const;
/** Minutes one history answer reaches at most: a longer period is answered per hour. */
export const MAX_MINUTE_HISTORY_SECONDS = 6 * 3600;

/** The `limit` keys with the highest score (ties by key), as a set. */
function top(scores: Map<string, number[]>, limit: number): Set<string> {
  const ranked = [...scores].sort(([ka, a], [kb, b]) => b[0] - a[0] || b[1] - a[1] || (ka < kb ? -1 : ka > kb ? 1 : 0));
  return new Set(ranked.slice(0, limit).map(([key]) => key));
}

/** Keeps in `scores` the higher of each rank, rank by rank. */
function raise(scores: Map<string, number[]>, key: string, values: number[]): void {
  const had = scores.get(key);
  scores.set(key, had ? had.map((v, i) => Math.max(v, values[i])) : values);
}

/**
 * History bounded to the worst series of the period: the MAX_HISTORY_SERIES.consumers consumers
 * with the most pending at any poll of it (maxPending), and the MAX_HISTORY_SERIES.streams
 * fullest streams (highest fill, then most bytes). Every point keeps the same series, so each
 * line of a chart is whole; a series left out is in no point.
 */
export function boundHistory(points: JetStreamHistoryPoint[]): JetStreamHistoryPoint[] {
  const streamScores = new Map<string, number[]>();
  const consumerScores = new Map<string, number[]>();
  for (const p of points) {
    for (const [name, s] of p.streams) raise(streamScores, name, [s.fill ?? -1, s.bytes]);
    for (const [key, c] of p.consumers) raise(consumerScores, key, [c.maxPending, c.pending]);
  }
  if (streamScores.size <= MAX_HISTORY_SERIES.streams && consumerScores.size <= MAX_HISTORY_SERIES.consumers)
    return points;
  const streams = top(streamScores, MAX_HISTORY_SERIES.streams);
  const consumers = top(consumerScores, MAX_HISTORY_SERIES.consumers);
  return points.map((p) => ({
    timestamp: p.timestamp,
    streams: new Map([...p.streams].filter(([name]) => streams.has(name))),
    consumers: new Map([...p.consumers].filter(([key]) => consumers.has(key))),
  }));
}
