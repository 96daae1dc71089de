import { describe, expect, it } from 'vitest';
import { boundHistory, MAX_HISTORY_SERIES } from './jetstream-history-bound.js';
import { historyPoint } from './jetstream.store.js';
import type { JetStreamHistoryPoint } from './jetstream.types.js';

/** A period's point with `streams` streams and `consumers` consumers, pending rising with the index. */
function point(
  epoch: number,
  streams: number,
  consumers: number,
  name = (i: number) => `n${i}`,
): JetStreamHistoryPoint {
  const hash: Record<string, string> = {};
  for (let i = 0; i < streams; i++) hash[`s:${name(i)}`] = `${i} ${i * 100} ${i / 1000}`;
  for (let i = 0; i < consumers; i++) hash[`c:${name(i % streams)}/${name(i)}`] = `${i} 0 0 ${i}`;
  return historyPoint(epoch, hash);
}

describe('boundHistory', () => {
  it('keeps the worst consumers (most pending in the period) and fullest streams, the same in every point', () => {
    const points = [point(60, 100, 100), point(120, 100, 100)];
    // A consumer worst only in the first minute still counts: its max over the period.
    points[0].consumers.set('n0/spike', { pending: 1, ackPending: 0, redelivered: 0, maxPending: 10_000 });
    const bounded = boundHistory(points);
    for (const p of bounded) {
      expect(p.streams.size).toBe(MAX_HISTORY_SERIES.streams);
      expect(p.consumers.size).toBeLessThanOrEqual(MAX_HISTORY_SERIES.consumers);
      expect([...p.streams.keys()]).toContain('n99');
      expect([...p.streams.keys()]).not.toContain('n0');
    }
    expect(bounded[0].consumers.has('n0/spike')).toBe(true);
    expect(bounded[0].consumers.has('n99/n99')).toBe(true);
    expect(bounded[1].consumers.has('n79/n79')).toBe(false);
  });

  it('leaves a small history as it is', () => {
    const points = [point(60, 3, 5)];
    expect(boundHistory(points)).toBe(points);
  });

  it('6 h of minutes at the poll bounds with 255-character names stays under 8 MiB', () => {
    const long = (i: number) => `${i}`.padStart(255, 'x');
    const points = Array.from({ length: 361 }, (_, m) => point(m * 60, 100, 100, long));
    const body = boundHistory(points).map((p) => ({
      timestamp: p.timestamp,
      streams: [...p.streams].map(([name, s]) => ({ name, ...s })),
      consumers: [...p.consumers].map(([key, c]) => ({ stream: key.slice(0, 255), consumer: key.slice(256), ...c })),
    }));
    expect(JSON.stringify(body).length).toBeLessThan(8 * 1024 * 1024);
  });
});
