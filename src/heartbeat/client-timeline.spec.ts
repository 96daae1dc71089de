import { describe, expect, it } from 'vitest';
import { offlinePeriods, type TimelineEntry } from './client-timeline.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const entry = (type: TimelineEntry['type'], s: number): TimelineEntry => ({
  type,
  status: type === 'offline' ? 'offline' : 'healthy',
  previousStatus: null,
  at: at(s),
});

describe('offlinePeriods', () => {
  it('runs from each offline entry to the next online one, newest first; the last one open while still offline', () => {
    const newestFirst = [
      entry('offline', 50),
      entry('connected', 45),
      entry('online', 40),
      entry('offline', 30),
      entry('online', 0),
    ];
    expect(offlinePeriods(newestFirst, Date.parse(at(60)))).toEqual([
      { from: at(50), to: null, seconds: null },
      { from: at(30), to: at(40), seconds: 10 },
    ]);
  });

  it('no offline entry, no period', () => {
    expect(offlinePeriods([entry('online', 0), entry('status_changed', 5)])).toEqual([]);
  });
});
