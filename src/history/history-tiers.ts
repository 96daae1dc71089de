import type { ColdPeriod } from '../coldstore/cold-store.js';

/**
 * Where a write for a past period of history goes (ARCHITECTURE.md, Late data). A period is
 * recomputed from its sources only while every source is still kept; after that, data that
 * arrives for it (flushed late, after an outage) is added to what is stored, never recomputed
 * from what is left, and once its reads come from the cold store it is added there.
 */

export const HOUR = 3600;
export const DAY = 86_400;

/** The cold store's hot window in seconds from the options; 0 without a cold store. */
export function hotSecondsOf(options: { coldStore?: { hotHistoryHours: number } } | null): number {
  return (options?.coldStore?.hotHistoryHours ?? 0) * HOUR;
}

/**
 * A flush stops writing minutes for an hour (and marking it for the rollup) this long before the
 * rollup stops recomputing it: the rollup takes marked hours every pass (a ROLLUP_INTERVAL, one
 * minute by default), so ten minutes leave room for slow passes.
 */
export const RECOMPUTE_MARGIN_SECONDS = 600;

/**
 * A day's subjects and client behaviour go cold this long after the day ends (the archiver moves
 * them then, and their Redis keys expire 20 min later; reads take them from the cold store from
 * then on). Writes for the day that come later are added to the cold items.
 */
export const DAY_DATA_SETTLE_SECONDS = 15 * 60;
export const DAY_DATA_COLD_AFTER_SECONDS = DAY_DATA_SETTLE_SECONDS + 1200;
/**
 * From this long before the day's data is archived, writes for it go to its late keys: the
 * archiver reads the day's keys later than any write to them that a flush encoded before.
 */
const DAY_DATA_LATE_MARGIN_SECONDS = 300;

/** Epoch seconds at which a UTC day (YYYYMMDD) ends. */
export function dayEnd(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) / 1000 + DAY;
}

/**
 * An hour can still be recomputed from its minutes: every minute of it is still kept (a minute's
 * key expires `minuteSeconds` after its last write, which is after the minute began).
 */
export function hourRecomputable(hourEpoch: number, nowSeconds: number, minuteSeconds: number): boolean {
  return nowSeconds < hourEpoch + minuteSeconds;
}

/** A day can still be recomputed from its hours: every hour of it is still kept. */
export function dayRecomputable(dayStart: number, nowSeconds: number, hourSeconds: number): boolean {
  return nowSeconds < dayStart + hourSeconds;
}

/** A flush writes a minute of this hour as a minute (the rollup recomputes the hour), else adds it to the hour. */
export function hourTakesMinutes(hourEpoch: number, nowSeconds: number, minuteSeconds: number): boolean {
  return nowSeconds < hourEpoch + minuteSeconds - RECOMPUTE_MARGIN_SECONDS;
}

/**
 * Reads of a period that ended at `endSeconds` come from the cold store (it ended before the hot
 * window). `hotSeconds` 0: no cold store.
 */
export function readsCold(endSeconds: number, nowSeconds: number, hotSeconds: number): boolean {
  return hotSeconds > 0 && endSeconds <= Math.floor(nowSeconds / HOUR) * HOUR - hotSeconds;
}

/** Writes for this day's subjects go to its late keys (cold store on): it is archived, or about to be. */
export function dayDataLate(day: string, nowSeconds: number, hotSeconds: number): boolean {
  return hotSeconds > 0 && nowSeconds >= dayEnd(day) + DAY_DATA_SETTLE_SECONDS - DAY_DATA_LATE_MARGIN_SECONDS;
}

/** Reads of this day's subjects and clients come from the cold store. */
export function dayDataCold(day: string, nowSeconds: number): boolean {
  return dayEnd(day) + DAY_DATA_COLD_AFTER_SECONDS <= nowSeconds;
}

/** When an hour (`h…`) or day (`d…` or `s…`) ends (epoch s). */
export function periodEnd(period: ColdPeriod): number {
  return period.startsWith('h') ? Number(period.slice(1)) + HOUR : dayEnd(period.slice(1));
}
