import { describe, expect, it } from 'vitest';
import { RETENTION, retentionOfDays } from './retention.js';

describe('retention', () => {
  it('the defaults (1, 7, 30 days) are the table the tiers always had', () => {
    expect(retentionOfDays('basic', 1)).toEqual(RETENTION.basic);
    expect(retentionOfDays('professional', 7)).toEqual(RETENTION.professional);
    expect(retentionOfDays('enterprise', 30)).toEqual(RETENTION.enterprise);
  });

  it('longer retention keeps hours, days and offline clients that long; minutes stay a day', () => {
    const contract = retentionOfDays('enterprise', 395);
    expect(contract).toMatchObject({
      minuteSeconds: 25 * 3600,
      hourSeconds: 395 * 86_400 + 3600,
      daySeconds: 396 * 86_400,
      clientSeconds: 395 * 86_400,
      days: 395,
    });
  });
});
