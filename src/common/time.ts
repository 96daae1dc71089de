// Time buckets shared by the writers and readers of every time-keyed series (UTC throughout).

/** The minute an instant falls in, as epoch seconds. */
export function minuteEpochOf(epochMs: number): number {
  return Math.floor(epochMs / 60_000) * 60;
}

/** UTC day as YYYYMMDD. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}
