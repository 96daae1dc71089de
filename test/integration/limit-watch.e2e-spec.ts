import type { NatsConnection } from '@nats-io/transport-node';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobFailures } from '../../src/jobs/job-failures.js';
import { Timings } from '../../src/jobs/timings.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { RedisLock } from '../../src/redis/redis-lock.js';
import type { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { LimitEvents, limitsSubject } from '../../src/usage/limit-events.js';
import { LimitWatchKeys } from '../../src/usage/limit-watch-keys.js';
import { LimitWatch } from '../../src/usage/limit-watch.job.js';
import { LimitWatchRepository } from '../../src/usage/limit-watch.repository.js';
import type { LimitCrossing } from '../../src/usage/usage.types.js';
import { deletePrefix, SHARED_REDIS, testOptions } from '../support/pulse-app.js';
import { FakeUtilisationSource } from '../support/utilisation.js';

/** The limit watch's Lua on real Redis: the state and its outbox in one fenced compare-and-set call. */
describe('LimitWatch (real Redis)', () => {
  const options = testOptions({ usageLimitsIntervalMs: 3_600_000 });
  const prefix = options.redis.keyPrefix;
  const keys = new RedisKeys(prefix);
  const watchKeys = new LimitWatchKeys(prefix);
  const tenants = ['lw-a', 'lw-b'];
  const source = new FakeUtilisationSource();
  const heard: LimitCrossing[] = [];
  const published: { subject: string; crossing: LimitCrossing }[] = [];
  let failing = false;
  let redis: Redis;
  let repository: LimitWatchRepository;
  let watch: LimitWatch;

  const said = (tenantId: string) =>
    heard.filter((c) => c.tenantId === tenantId).map((c) => `${c.event} ${c.level} ${c.id.split(':').pop()}`);

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    for (const t of tenants) await redis.hset(keys.tenant(t), 'id', t);
    const events = new LimitEvents();
    events.subscribe({
      crossed: (crossing) => {
        heard.push(crossing);
        return failing ? Promise.reject(new Error('listener down')) : Promise.resolve();
      },
    });
    const nats = {
      publish: (subject: string, data: string) =>
        published.push({ subject, crossing: JSON.parse(data) as LimitCrossing }),
    } as unknown as NatsConnection;
    const directory = { list: () => tenants.map((id) => ({ id })) } as unknown as TenantDirectory;
    repository = new LimitWatchRepository(redis, options);
    watch = new LimitWatch(
      repository,
      directory,
      events,
      new RedisLock(redis, keys),
      new SchedulerRegistry(),
      new JobFailures(),
      new Timings(),
      nats,
      options,
      source,
    );
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  it('a crossing is stored with its outbox in one call, handed out, published, then taken off the outbox', async () => {
    source.utilisation.set('lw-a', 0.85);
    expect(await watch.run(1_000)).toEqual({ tenants: 2, crossings: 1 });
    expect(said('lw-a')).toEqual(['opened warning 1000']);
    expect(heard[0]).toMatchObject({ id: 'lw-a:connections:warning:1000', used: 85, max: 100, utilisation: 0.85 });
    expect(published).toEqual([{ subject: limitsSubject('lw-a'), crossing: heard[0] }]);
    const stored = await redis.hgetall(watchKeys.state('lw-a'));
    // Version 1: the state and its outbox; version 2: the outbox emptied once the listeners took it.
    expect(stored).toEqual({
      v: '2',
      outbox: '[]',
      connections: JSON.stringify({ level: 'warning', opened: { warning: 1000 }, max: 100 }),
    });
    // The tenant at 0 % stored nothing: no level moved.
    expect(await redis.exists(watchKeys.state('lw-b'))).toBe(0);
  });

  it('a pass at the same levels says nothing and writes nothing', async () => {
    source.utilisation.set('lw-a', 0.9);
    const before = heard.length;
    expect(await watch.run(2_000)).toEqual({ tenants: 2, crossings: 0 });
    expect(heard.length).toBe(before);
    expect(await redis.hget(watchKeys.state('lw-a'), 'v')).toBe('2');
  });

  it('a listener that fails leaves the crossing in the outbox: the next pass hands it out again (same id), first', async () => {
    source.utilisation.set('lw-a', 0.96);
    failing = true;
    expect(await watch.run(3_000)).toBeNull(); // the pass failed (logged, counted)
    expect(said('lw-a').slice(-1)).toEqual(['opened critical 3000']);
    const outbox = JSON.parse((await redis.hget(watchKeys.state('lw-a'), 'outbox'))!) as LimitCrossing[];
    expect(outbox.map((c) => c.id)).toEqual(['lw-a:connections:critical:3000']);
    // Meanwhile back to 50 %: the pass first hands out the critical opening, then reads the new level.
    failing = false;
    source.utilisation.set('lw-a', 0.5);
    expect(await watch.run(4_000)).toEqual({ tenants: 2, crossings: 3 });
    expect(said('lw-a')).toEqual([
      'opened warning 1000',
      'opened critical 3000',
      'opened critical 3000',
      'resolved critical 3000',
      'resolved warning 1000',
    ]);
    expect(await redis.hget(watchKeys.state('lw-a'), 'outbox')).toBe('[]');
    expect(await watch.run(5_000)).toEqual({ tenants: 2, crossings: 0 });
  });

  it('a deleted tenant is never written (its state went with its keys)', async () => {
    await redis.del(keys.tenant('lw-b'));
    source.utilisation.set('lw-b', 0.99);
    const before = heard.length;
    expect(await watch.run(6_000)).toEqual({ tenants: 2, crossings: 0 });
    expect(heard.length).toBe(before);
    expect(await redis.exists(watchKeys.state('lw-b'))).toBe(0);
    expect(await repository.save('lw-b', 0, new Map(), [])).toBe('gone');
  });

  it("tenants watched at once each count their crossings in the pass's result", async () => {
    for (const t of ['lw-c', 'lw-d', 'lw-e']) {
      await redis.hset(keys.tenant(t), 'id', t);
      tenants.push(t);
      source.utilisation.set(t, 0.99);
    }
    expect(await watch.run(7_000)).toEqual({ tenants: 5, crossings: 6 });
    for (const t of ['lw-c', 'lw-d', 'lw-e']) expect(said(t)).toEqual(['opened warning 7000', 'opened critical 7000']);
  });

  it('a write from a stale read is refused (compare-and-set on the version)', async () => {
    const state = await repository.load('lw-a');
    expect(await repository.save('lw-a', state.version - 1, new Map(), [])).toBe('conflict');
    expect(await repository.save('lw-a', state.version, new Map(), [])).toBe('saved');
    expect((await repository.load('lw-a')).version).toBe(state.version + 1);
  });
});
