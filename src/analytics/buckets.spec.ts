import { describe, expect, it } from 'vitest';
import { latencyBucket } from '../common/latency-histogram.js';
import { addRecord, bucketStarts, emptyFigures, MAX_POINTS, rangeBuckets, toPoint, totalsOf } from './buckets.js';

const NOW = Date.UTC(2026, 10, 28, 18, 37, 42, 500);

describe('bucketStarts', () => {
  it('aligns to UTC resolution boundaries and ends with the bucket holding now', () => {
    const starts = bucketStarts(NOW, '1h', '1m');
    expect(starts).toHaveLength(60);
    expect(starts[59] * 1000).toBe(Date.UTC(2026, 10, 28, 18, 37));
    expect(starts[0] * 1000).toBe(Date.UTC(2026, 10, 28, 17, 38));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(60);
  });

  it('5m, 1h and 1d buckets sit on UTC edges (days start at 00:00 UTC)', () => {
    expect(bucketStarts(NOW, '24h', '5m').at(-1)! * 1000).toBe(Date.UTC(2026, 10, 28, 18, 35));
    expect(bucketStarts(NOW, '7d', '1h').at(-1)! * 1000).toBe(Date.UTC(2026, 10, 28, 18));
    const days = bucketStarts(NOW, '30d', '1d');
    expect(days).toHaveLength(30);
    expect(days.at(-1)! * 1000).toBe(Date.UTC(2026, 10, 28));
    expect(days[0] * 1000).toBe(Date.UTC(2026, 9, 30));
  });

  it('an exact edge belongs to the bucket it starts', () => {
    const edge = Date.UTC(2026, 10, 29, 0, 0, 0, 0);
    expect(bucketStarts(edge, '30d', '1d').at(-1)! * 1000).toBe(edge);
    expect(bucketStarts(edge - 1, '30d', '1d').at(-1)! * 1000).toBe(Date.UTC(2026, 10, 28));
  });

  it('refuses more than 2,000 points and resolutions longer than the period', () => {
    expect(() => bucketStarts(NOW, '7d', '1m')).toThrow(RangeError);
    expect(() => bucketStarts(NOW, '7d', '5m')).toThrow(/2016 points/);
    expect(() => bucketStarts(NOW, '1h', '1d')).toThrow(/longer than/);
    expect(bucketStarts(NOW, '24h', '1m')).toHaveLength(1440);
    expect(1440).toBeLessThanOrEqual(MAX_POINTS);
  });
});

describe('rangeBuckets', () => {
  const now = Math.floor(NOW / 1000);

  it('takes the finest resolution of at most 500 points, from the bucket holding from to the one holding the last second', () => {
    const fifteen = rangeBuckets(now - 900, now, now, undefined);
    expect(fifteen.resolution).toBe('1m');
    expect(fifteen.starts[0] * 1000).toBe(Date.UTC(2026, 10, 28, 18, 22));
    expect(fifteen.starts.at(-1)! * 1000).toBe(Date.UTC(2026, 10, 28, 18, 37));
    expect(rangeBuckets(now - 86_400, now, now, undefined).resolution).toBe('5m');
    expect(rangeBuckets(now - 7 * 86_400, now, now, undefined).resolution).toBe('1h');
    expect(rangeBuckets(now - 30 * 86_400, now, now, undefined).resolution).toBe('1d');
    // An exact edge is not a bucket of its own: 10:00–11:00 at 1m is 60 points.
    const hour = Date.UTC(2026, 10, 28, 10) / 1000;
    expect(rangeBuckets(hour, hour + 3600, now, '1m').starts).toHaveLength(60);
  });

  it('minute buckets reach back 24 hours: an older range is read in hours, and 1m asked is a 400 naming resolution', () => {
    const old = rangeBuckets(now - 2 * 86_400, now - 2 * 86_400 + 3600, now, undefined);
    expect(old.resolution).toBe('1h');
    expect(() => rangeBuckets(now - 2 * 86_400, now - 86_400, now, '1m')).toThrow(/^resolution: /);
    expect(() => rangeBuckets(now - 90 * 86_400, now, now, '1h')).toThrow(/^resolution: .*at most 2000/);
  });
});

describe('bucket figures', () => {
  it('sums counts and latency buckets, keeps maxima of peak and sampled clients', () => {
    const f = emptyFigures();
    addRecord(f, {
      m: '10',
      b: '100',
      'm:5': '7',
      'b:5': '70',
      [`l:${latencyBucket(20)}`]: '10',
      hb_errors: '2',
      act: '4',
    });
    addRecord(f, { m: '5', b: '50', pk: '9', [`l:${latencyBucket(400)}`]: '1', act: '3', off: '1', hbrej: 'x' });
    expect(f).toMatchObject({ messages: 15, bytes: 150, errors: 2, activeClients: 4, peak: 9 });
    expect(f.histogram.reduce((a, b) => a + b, 0)).toBe(11);
    const point = toPoint(1_800_000_000, f);
    expect(point.latencyP50Ms).toBeCloseTo(20, -0.5);
    expect(point.latencyP99Ms).toBeCloseTo(400, -2);
  });

  it('an empty bucket is a zero point, not a gap', () => {
    expect(toPoint(60, emptyFigures())).toEqual({
      timestamp: '1970-01-01T00:01:00.000Z',
      messages: 0,
      bytes: 0,
      activeClients: 0,
      latencyP50Ms: 0,
      latencyP95Ms: 0,
      latencyP99Ms: 0,
      errors: 0,
    });
  });

  it('totals are the sums of the series', () => {
    const a = addRecord(emptyFigures(), { m: '3', b: '30', hb_errors: '1', pk: '2' });
    const b = addRecord(emptyFigures(), { m: '4', b: '40', pk: '5' });
    const series = [toPoint(0, a), toPoint(60, b)];
    expect(totalsOf(series, [a, b])).toEqual({ messages: 7, bytes: 70, peakMessagesPerSecond: 5, errors: 1 });
  });
});
