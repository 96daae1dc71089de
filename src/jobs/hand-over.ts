import type { Logger } from '@nestjs/common';
import { withTimeout } from '../common/with-timeout.js';

/**
 * A worker's shutdown handover: the work under way (`held()`, read again after the wait) gets
 * `graceMs` to finish; what is left is handed back by `handBack` (within `timeoutMs`; past it the
 * leases run out instead). Resolves with how many were handed back.
 */
export async function handOver<T extends { done: Promise<unknown> }>(
  held: () => T[],
  graceMs: number,
  handBack: (left: T[]) => Promise<unknown>,
  timeoutMs: number,
  what: string,
  logger: Logger,
): Promise<number> {
  if (held().length === 0) return 0;
  const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([Promise.allSettled(held().map((h) => h.done)), deadline]);
  const left = held();
  if (left.length === 0) return 0;
  await withTimeout(handBack(left), timeoutMs, `${what} handed back`).catch((err: Error) =>
    logger.warn(`${err.message}: their leases will run out instead`),
  );
  logger.warn(`${left.length} ${what} handed back to the other instances`);
  return left.length;
}
