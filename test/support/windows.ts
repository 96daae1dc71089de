/** Past a boundary this long, the anomaly job's own close of the previous window (boundary + settle) is done. */
const AFTER_BOUNDARY_MS = 5000;

/**
 * Waits, when needed, so that the next `marginMs` hold no window boundary and the last one was at
 * least 5 s ago. A suite that closes windows with a chosen clock needs this: the advisories are
 * counted in the real window they arrive in, and the anomaly job's real timer closes a window at
 * its boundary (plus a settle delay), so a run that crosses a boundary sees both move under it.
 * `marginMs` is the suite's worst duration plus slack. Returns the time waited.
 */
export async function awayFromWindowBoundary(windowMs: number, marginMs: number): Promise<number> {
  const into = Date.now() % windowMs;
  const wait =
    into < AFTER_BOUNDARY_MS
      ? AFTER_BOUNDARY_MS - into
      : windowMs - into < marginMs
        ? windowMs - into + AFTER_BOUNDARY_MS
        : 0;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return wait;
}
