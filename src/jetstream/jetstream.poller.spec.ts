import { SchedulerRegistry } from '@nestjs/schedule';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { JobFailures } from '../jobs/job-failures.js';
import type { RedisLock } from '../redis/redis-lock.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { EARLY_POLL_DELAY_MS, EARLY_POLL_GAP_MS, earlyPollGap, JetStreamPoller } from './jetstream.poller.js';
import type { JetStreamStore } from './jetstream.store.js';

/** The poller's private pass and reconcile, for driving a failing poll. */
interface PollerInternals {
  poll(now: number): Promise<unknown>;
  reconcile(now: number, polledAt: string): Promise<unknown>;
}

/** A poller whose passes are counted, not run (no NATS, no Redis). */
function poller(enabled = true) {
  const options = defaultPulseOptions();
  options.jetstream = { ...options.jetstream!, enabled, pollIntervalMs: 3_600_000 };
  const p = new JetStreamPoller(
    options,
    {} as NatsConnection,
    {} as TenantDirectory,
    { writeStatus: () => Promise.resolve() } as unknown as JetStreamStore,
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

  it('runs one poll after the delay for a burst of requests, the next one no sooner than the gap', async () => {
    const { p, run } = poller();
    for (let i = 0; i < 50; i++) p.requestPoll();
    await vi.advanceTimersByTimeAsync(EARLY_POLL_DELAY_MS - 1);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    // Right after: the next early poll waits for the gap since the last one ended.
    p.requestPoll();
    p.requestPoll();
    await vi.advanceTimersByTimeAsync(EARLY_POLL_GAP_MS - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    // Long after: the delay only.
    await vi.advanceTimersByTimeAsync(10_000);
    p.requestPoll();
    await vi.advanceTimersByTimeAsync(EARLY_POLL_DELAY_MS);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('spaces early polls by 10 times the last poll when a poll is slow (constant churn costs ≤ ~10 %)', () => {
    expect(earlyPollGap(0)).toBe(EARLY_POLL_GAP_MS);
    expect(earlyPollGap(150)).toBe(EARLY_POLL_GAP_MS);
    expect(earlyPollGap(500)).toBe(5000);
  });

  it('spaces early polls by a slow FAILING poll too, and counts the gap from the end of the last early poll', async () => {
    const { p, run } = poller();
    const internals = p as unknown as PollerInternals;
    // A failing poll that took 500 ms: the gap is 5 s.
    vi.spyOn(performance, 'now').mockReturnValueOnce(1000).mockReturnValueOnce(1500);
    vi.spyOn(internals, 'reconcile').mockRejectedValue(new Error('timeout'));
    await expect(internals.poll(Date.now())).rejects.toThrow('timeout');
    // An early poll that runs 3 s.
    run.mockImplementation(() => new Promise((r) => setTimeout(() => r(null), 3000)));
    p.requestPoll();
    await vi.advanceTimersByTimeAsync(EARLY_POLL_DELAY_MS);
    expect(run).toHaveBeenCalledTimes(1);
    p.requestPoll(); // asked while it runs: scheduled when it ends
    await vi.advanceTimersByTimeAsync(3000 + 5000 - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('asks for no early poll while the permission-refusal back-off lasts (early polls do not use it up)', async () => {
    const { p, run } = poller();
    const internals = p as unknown as PollerInternals;
    vi.spyOn(internals, 'reconcile').mockRejectedValue(
      new Error("Permissions Violation for Publish to '$JS.API.STREAM.LIST'"),
    );
    vi.spyOn(p['logger'], 'warn').mockImplementation(() => undefined);
    await expect(internals.poll(Date.now())).resolves.toMatchObject({ state: 'error' });
    for (let i = 0; i < 30; i++) {
      p.requestPoll();
      await vi.advanceTimersByTimeAsync(60_000);
    }
    expect(run).not.toHaveBeenCalled();
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
