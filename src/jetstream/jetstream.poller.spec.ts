import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { JobFailures } from '../jobs/job-failures.js';
import type { RedisLock } from '../redis/redis-lock.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { EARLY_POLL_DELAY_MS, EARLY_POLL_GAP_MS, earlyPollGap, JetStreamPoller } from './jetstream.poller.js';
import type { JetStreamStore } from './jetstream.store.js';

/** A poller whose passes are counted, not run (no NATS, no Redis). */
function poller(enabled = true) {
  const options = defaultPulseOptions();
  options.jetstream = { ...options.jetstream!, enabled, pollIntervalMs: 3_600_000 };
  const p = new JetStreamPoller(
    options,
    {} as NatsConnection,
    {} as TenantDirectory,
    {} as JetStreamStore,
    {} as RedisLock,
    new SchedulerRegistry(),
    {} as JobFailures,
  );
  const run = vi.spyOn(p, 'run').mockResolvedValue(null);
  return { p, run };
}

describe('JetStreamPoller.requestPoll (an advisory asks for an early poll)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs one poll after the delay for a burst of requests, the next one no sooner than the gap', () => {
    const { p, run } = poller();
    for (let i = 0; i < 50; i++) p.requestPoll();
    vi.advanceTimersByTime(EARLY_POLL_DELAY_MS - 1);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    // Right after: the next early poll waits for the gap since the last one started.
    p.requestPoll();
    p.requestPoll();
    vi.advanceTimersByTime(EARLY_POLL_GAP_MS - 1);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(2);
    // Long after: the delay only.
    vi.advanceTimersByTime(10_000);
    p.requestPoll();
    vi.advanceTimersByTime(EARLY_POLL_DELAY_MS);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('spaces early polls by 10 times the last poll when a poll is slow (constant churn costs ≤ ~10 %)', () => {
    expect(earlyPollGap(0)).toBe(EARLY_POLL_GAP_MS);
    expect(earlyPollGap(150)).toBe(EARLY_POLL_GAP_MS);
    expect(earlyPollGap(500)).toBe(5000);
  });

  it('asks nothing when JetStream monitoring is off, or after shutdown (a scheduled one is dropped)', () => {
    const off = poller(false);
    off.p.requestPoll();
    vi.advanceTimersByTime(10_000);
    expect(off.run).not.toHaveBeenCalled();
    const { p, run } = poller();
    p.requestPoll();
    p.beforeApplicationShutdown();
    p.requestPoll();
    vi.advanceTimersByTime(10_000);
    expect(run).not.toHaveBeenCalled();
  });
});
