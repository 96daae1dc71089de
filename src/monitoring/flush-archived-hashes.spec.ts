import { describe, expect, it } from 'vitest';
import { RETENTION } from '../common/retention.js';
import { dayEnd, HOUR } from '../history/history-tiers.js';
import { dayOf } from '../common/time.js';
import { HistoryKeys } from '../history/history-keys.js';
import { encodeDelta } from '../history/flush-script.js';
import { TenantDelta } from './tenant-delta.js';

/**
 * Once archived, an hour or day hash expires when it leaves the hot window, plus 2 h (an hour
 * not before its day is past yesterday): HistoryStore.archived. The archiver writes a hash whole
 * over its cold item, so a flush that started the hash afresh after that would write a partial
 * period over the whole one. These checks walk flush times in real order, for a minute in every
 * hour of the day, and find that no flush writes to the hash once it may be gone.
 */
describe('the flush and archived hashes (cold store on)', () => {
  const keys = new HistoryKeys('pulse');
  const dayStart = Date.UTC(2026, 11, 4) / 1000;
  const day = dayOf(dayStart * 1000);
  const end = dayEnd(day);

  /** Earliest time (s) the archiver may let the period's Redis hash expire. */
  const hashGoneAt = (hour: number | null, hotSeconds: number) =>
    hour === null ? end + hotSeconds + 2 * HOUR : Math.max(hour + HOUR + hotSeconds, end + 86_400) + 2 * HOUR;

  for (const hotHours of [26, 48]) {
    for (const tier of ['basic', 'enterprise'] as const) {
      it(`hot window ${hotHours} h, ${tier}: no write to a day or hour hash after it may have expired`, () => {
        const hotSeconds = hotHours * HOUR;
        let lastDayWrite = 0;
        for (let h = 0; h < 24; h++) {
          const hour = dayStart + h * HOUR;
          const delta = new TenantDelta('acme', 10);
          delta.seq = 1;
          delta.addSecond(hour + 59 * 60 + 30, 3, 30);
          delta.subjectsOf(day).add('tenant.acme.a', 10);
          for (let now = hour + HOUR; now < end + hotSeconds + 6 * HOUR; now += 600) {
            const { keys: written } = encodeDelta(delta, keys, 'i', 500, RETENTION[tier], now * 1000, hotSeconds);
            if (written.includes(keys.day('acme', day))) lastDayWrite = Math.max(lastDayWrite, now);
            if (written.includes(keys.hour('acme', hour))) expect(now).toBeLessThan(hashGoneAt(hour, hotSeconds));
          }
        }
        // Flushes do reach the day hash after the day is archived (late minutes), never past its expiry.
        expect(lastDayWrite).toBeGreaterThan(end + HOUR);
        expect(lastDayWrite).toBeLessThan(hashGoneAt(null, hotSeconds));
      });
    }
  }
});
