/**
 * The whole shutdown's bound. Every step of Pulse's shutdown has a deadline of its own (the tap's
 * drain and flush, the heartbeats', the alert handover, the system connection's drain, Redis
 * command timeouts), but they run one module after another and the HTTP server's close waits for
 * open responses; this bounds their sum. The orchestrators' stop timeouts (Kubernetes'
 * terminationGracePeriodSeconds beyond the preStop sleep, compose's stop_grace_period, the
 * Dockerfile's advice) are longer, and a test checks they are, so the process always ends by
 * itself, with a log line naming what was cut short, rather than by a SIGKILL.
 */
export const SHUTDOWN_DEADLINE_MS = 50_000;

/**
 * Arms the bound once the first stop signal arrives: after `ms`, `onExpired` runs (main.ts logs and
 * exits non-zero). The timer is unref'd: a shutdown that finishes in time exits as it would have.
 */
export function armShutdownDeadline(
  ms: number,
  onExpired: () => void,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
  target: Pick<NodeJS.Process, 'once' | 'removeListener'> = process,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer ??= setTimeout(onExpired, ms).unref();
  };
  for (const signal of signals) target.once(signal, arm);
  return () => {
    if (timer) clearTimeout(timer);
    for (const signal of signals) target.removeListener(signal, arm);
  };
}
