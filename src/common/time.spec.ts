import { describe, expect, it } from 'vitest';
import { dayOf, minuteEpochOf } from './time.js';

describe('time buckets', () => {
  it('are aligned to UTC minutes and days', () => {
    const t = Date.UTC(2026, 10, 28, 23, 59, 59, 999);
    expect(minuteEpochOf(t)).toBe(Date.UTC(2026, 10, 28, 23, 59) / 1000);
    expect(dayOf(t)).toBe('20261128');
    expect(dayOf(t + 1)).toBe('20261129');
  });
});
