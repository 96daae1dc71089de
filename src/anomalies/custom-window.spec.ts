import { describe, expect, it } from 'vitest';
import { customWindowPeriods } from './anomaly-detection.job.js';

describe('the stored periods a custom metric window reads', () => {
  const hour = Date.UTC(2026, 11, 2, 5);
  it('minutes for minute windows, hours for hour windows, at most 60', () => {
    expect(customWindowPeriods(hour, 60_000)).toEqual([hour / 1000]);
    expect(customWindowPeriods(hour, 300_000)).toEqual([0, 1, 2, 3, 4].map((i) => hour / 1000 + 60 * i));
    expect(customWindowPeriods(hour, 3_600_000)).toEqual([`h${hour / 1000}`]);
    expect(customWindowPeriods(hour, 7_200_000)).toEqual([`h${hour / 1000}`, `h${hour / 1000 + 3600}`]);
    expect(customWindowPeriods(hour, 90 * 60_000)).toHaveLength(60);
  });
  it('none for windows that are not whole minutes (custom figures are per minute)', () => {
    expect(customWindowPeriods(hour, 5_000)).toEqual([]);
    expect(customWindowPeriods(hour + 5_000, 60_000)).toEqual([]);
  });
});
