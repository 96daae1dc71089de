import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { describe, expect, it } from 'vitest';
import type { HeldLock, RedisLock } from '../redis/redis-lock.js';
import { JobFailures } from './job-failures.js';
import { LockedJob } from './locked-job.js';

/** A lock that grants or refuses as told and records what its holder asked of it. */
function lockThat(grants: boolean) {
  const calls: string[] = [];
  const held: HeldLock = {
    extend: async (ms) => {
      calls.push(`extend ${ms}`);
      return true;
    },
    release: async () => {
      calls.push('release');
    },
  };
  const lock = { acquire: async () => (grants ? held : null) } as unknown as RedisLock;
  return { lock, calls };
}

const deps = (lock: RedisLock) => ({
  lock,
  scheduler: new SchedulerRegistry(),
  failures: new JobFailures(),
  logger: new Logger('test'),
});

describe('LockedJob', () => {
  it('renews its lock every third of the TTL while the work runs, and stops once it is done', async () => {
    const { lock, calls } = lockThat(true);
    const job = new LockedJob(deps(lock), {
      name: 'renewing',
      intervalMs: 60_000,
      lockTtlMs: 150,
      work: () => new Promise((resolve) => setTimeout(() => resolve('done'), 400)),
    });
    expect(await job.run()).toBe('done');
    const renewals = calls.filter((c) => c === 'extend 150').length;
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(calls.at(-1)).toBe('release');
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.filter((c) => c === 'extend 150').length).toBe(renewals);
  });

  it('tells of a pass not run because another instance holds the lock', async () => {
    const { lock } = lockThat(false);
    const busy: number[] = [];
    const job = new LockedJob(deps(lock), {
      name: 'busy',
      intervalMs: 60_000,
      lockTtlMs: 1000,
      onBusy: (now) => busy.push(now),
      work: async () => 'ran',
    });
    expect(await job.run(1234)).toBeNull();
    expect(busy).toEqual([1234]);
  });
});
