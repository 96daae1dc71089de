import type { NatsConnection } from '@nats-io/transport-node';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { realtimeTotal } from './http.js';
import { type RunningPulse, waitFor } from './pulse-app.js';
import { publishMany } from './traffic.js';

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

/**
 * A tenant whose anomaly windows the test closes: each `window(n)` publishes n messages (to
 * `tenant.<id>.orders.<i % 5>` unless told), waits until the realtime view counts every message
 * sent so far, and closes the next window of a virtual clock that starts now (windows sit on
 * wall-clock boundaries: advancing the clock is what makes the next one closable), so each
 * window holds exactly the traffic sent before it. A pass that fails (null) is run again, as the
 * next tick would; the opened count of the pass that ran is returned. `clock()`: the last
 * window's pass time.
 */
export function closedWindows(pulse: RunningPulse, nc: NatsConnection, tenant: { id: string; apiKey: string }) {
  let sent = 0;
  let clock = Date.now();
  return {
    clock: () => clock,
    async window(count: number, subject = (i: number) => `tenant.${tenant.id}.orders.${i % 5}`): Promise<number> {
      if (count > 0) await publishMany(nc, count, subject, 20);
      sent += count;
      await waitFor(
        () => realtimeTotal(pulse.url, tenant.apiKey),
        (n) => n === sent,
      );
      clock += pulse.options.anomalyWindowMs;
      const now = clock;
      const opened = await waitFor(
        () => pulse.app.get(AnomalyDetectionJob).run(now),
        (r) => r !== null,
      );
      if (opened === null) throw new Error(`no pass closed the window before ${new Date(now).toISOString()}`);
      return opened;
    },
  };
}
