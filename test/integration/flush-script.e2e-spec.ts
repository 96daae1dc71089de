import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETENTION } from '../../src/common/retention.js';
import { CustomAggregate } from '../../src/monitoring/custom/custom-metric-set.js';
import { TenantDelta } from '../../src/monitoring/tenant-delta.js';
import { HistoryWriter } from '../../src/history/history-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { dayOf } from '../../src/common/time.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

/** The flush Lua script against the real Redis: at most once, never for a deleted tenant, trimmed. */
describe('flush script (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  const historyKeys = new HistoryKeys(prefix);
  let redis: Redis;
  let repository: HistoryWriter;
  const minute = Math.floor(Date.now() / 60_000) * 60;

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS);
    repository = new HistoryWriter(redis, historyKeys);
    await redis.hset(keys.tenant('acme'), { id: 'acme', tier: 'basic' });
  });

  afterAll(async () => {
    redis.disconnect();
    await deletePrefix(SHARED_REDIS, prefix);
  });

  function delta(seq: number, messages: number): TenantDelta {
    const d = new TenantDelta('acme', 100);
    d.seq = seq;
    d.addSecond(minute + 1, messages, messages * 10);
    d.subjectsOf(dayOf(minute * 1000)).add('tenant.acme.a', 10);
    return d;
  }

  it('applies a delta once: a retry with the same sequence changes nothing', async () => {
    expect(await repository.apply(delta(1, 5), 'i1', 100, RETENTION.professional)).toBe('applied');
    expect(await repository.apply(delta(1, 5), 'i1', 100, RETENTION.professional)).toBe('duplicate');
    expect(await redis.hget(historyKeys.totals('acme'), 'm')).toBe('5');
    expect(await repository.apply(delta(2, 3), 'i1', 100, RETENTION.professional)).toBe('applied');
    // Another instance has its own sequence.
    expect(await repository.apply(delta(1, 4), 'i2', 100, RETENTION.professional)).toBe('applied');
    expect(await redis.hget(historyKeys.totals('acme'), 'm')).toBe('12');
    expect(await redis.hget(historyKeys.minute('acme', minute), 'm:1')).toBe('12');
    expect(await redis.ttl(historyKeys.minute('acme', minute))).toBeGreaterThan(0);
  });

  it('keeps the latest message time as a maximum, whichever instance flushes last', async () => {
    const at = (seq: number, ms: number) => {
      const d = delta(seq, 1);
      d.lastActivityMs = ms;
      return d;
    };
    // Instances of their own: their sequences do not interfere with the other cases'.
    await repository.apply(at(1, 1_700_000_002_000), 'la1', 100, RETENTION.professional);
    await repository.apply(at(1, 1_700_000_001_000), 'la2', 100, RETENTION.professional);
    expect(await redis.hget(historyKeys.totals('acme'), 'la')).toBe('1700000002000');
    await repository.apply(at(2, 1_700_000_003_000), 'la2', 100, RETENTION.professional);
    expect(await redis.hget(historyKeys.totals('acme'), 'la')).toBe('1700000003000');
  });

  it("keeps a minute's largest message at the maximum, whichever instance flushes it", async () => {
    const largest = (seq: number, bytes: number) => {
      const d = delta(seq, 1);
      d.addCount('largestMessage', minute, bytes);
      return d;
    };
    await repository.apply(largest(1, 300), 'pl1', 100, RETENTION.professional);
    await repository.apply(largest(1, 700), 'pl2', 100, RETENTION.professional);
    await repository.apply(largest(2, 500), 'pl1', 100, RETENTION.professional);
    expect(await redis.hget(historyKeys.minute('acme', minute), 'pl_max')).toBe('700');
  });

  it('writes custom figures only for definitions that still exist (a deletion racing a flush leaves nothing)', async () => {
    await redis.hset(keys.customMetrics('acme'), 'cm_live', '{}');
    const d = delta(1, 2);
    const agg = new CustomAggregate();
    agg.add(2.5);
    agg.add(4);
    d.custom = new Map([
      [
        minute,
        new Map([
          ['cm_live', agg],
          ['cm_gone', agg],
        ]),
      ],
    ]);
    expect(await repository.apply(d, 'cm1', 100, RETENTION.enterprise)).toBe('applied');
    expect(await redis.hgetall(keys.customFigures('acme', 'cm_live', minute))).toMatchObject({
      c: '2',
      s: '6.5',
      mn: '2.5',
      mx: '4',
    });
    expect(
      await redis.exists(keys.customFigures('acme', 'cm_gone', minute), keys.customFigureKeys('acme', 'cm_gone')),
    ).toBe(0);
    // What follows the guarded ops is applied as usual.
    expect(await redis.hget(historyKeys.totals('acme'), 'm')).not.toBeNull();
  });

  it('writes custom figures per minute, hour and day, each given its expiry once and indexed until it expires', async () => {
    await redis.hset(keys.customMetrics('acme'), 'cm_idx', '{}');
    const index = keys.customFigureKeys('acme', 'cm_idx');
    // An entry whose key has expired long ago: indexing a new key trims it.
    await redis.zadd(index, Math.floor(Date.now() / 1000) - 10, 'stale-key');
    const hour = Math.floor(minute / 3600) * 3600;
    const day = new Date(minute * 1000).toISOString().slice(0, 10).replaceAll('-', '');
    const periods = [minute, `h${hour}`, `d${day}`] as const;
    const ttls = [
      RETENTION.enterprise.minuteSeconds,
      RETENTION.enterprise.hourSeconds,
      RETENTION.enterprise.daySeconds,
    ];
    const flush = async (seq: number) => {
      const d = delta(seq, 1);
      const agg = new CustomAggregate();
      agg.add(3);
      d.custom = new Map([[minute, new Map([['cm_idx', agg]])]]);
      expect(await repository.apply(d, 'idx', 100, RETENTION.enterprise)).toBe('applied');
    };
    await flush(1);
    const written = periods.map((p) => keys.customFigures('acme', 'cm_idx', p));
    for (const [i, key] of written.entries()) {
      expect(await redis.hget(key, 'c')).toBe('1');
      expect(await redis.ttl(key)).toBeGreaterThan(ttls[i] - 60);
      const score = Number(await redis.zscore(index, key));
      expect(Math.abs(score - (Date.now() / 1000 + ttls[i]))).toBeLessThan(60);
    }
    expect(await redis.zscore(index, 'stale-key')).toBeNull();
    // The expiry is set when a key is new, not again on every flush.
    await redis.expire(written[0], 1000);
    await flush(2);
    expect(await redis.hget(written[0], 'c')).toBe('2');
    expect(await redis.ttl(written[0])).toBeLessThanOrEqual(1000);
    expect(await redis.zcard(index)).toBe(3);
  });

  it('a custom sum past the largest double saturates and the flush never stops half-way; a retry skips nothing', async () => {
    await redis.hset(keys.customMetrics('acme'), 'cm_huge', '{}', 'cm_after', '{}');
    const withFigures = (seq: number, huge: number[]) => {
      const d = delta(seq, 1);
      const big = new CustomAggregate();
      for (const v of huge) big.add(v);
      const after = new CustomAggregate();
      after.add(1);
      d.custom = new Map([
        [
          minute,
          new Map([
            ['cm_huge', big],
            ['cm_after', after],
          ]),
        ],
      ]);
      return d;
    };
    const read = async (id: string) => redis.hgetall(keys.customFigures('acme', id, minute));
    // 1e308 + 1e308 is Infinity in memory.
    expect(await repository.apply(withFigures(1, [1e308, 1e308]), 'inf1', 100, RETENTION.enterprise)).toBe('applied');
    expect(Number((await read('cm_huge')).s)).toBe(Number.MAX_VALUE);
    expect(await read('cm_after')).toMatchObject({ c: '1', s: '1' });
    // Finite in memory, but past the largest double once added to what is stored.
    expect(await repository.apply(withFigures(2, [1e308]), 'inf1', 100, RETENTION.enterprise)).toBe('applied');
    expect(Number((await read('cm_huge')).s)).toBe(Number.MAX_VALUE);
    expect(await read('cm_huge')).toMatchObject({ c: '3' });
    expect(Number((await read('cm_huge')).mx)).toBe(1e308);
    expect(await read('cm_after')).toMatchObject({ c: '2', s: '2' });
    // The retry of an applied delta is a duplicate and changes nothing.
    expect(await repository.apply(withFigures(2, [1e308]), 'inf1', 100, RETENTION.enterprise)).toBe('duplicate');
    expect(await read('cm_after')).toMatchObject({ c: '2', s: '2' });
  });

  it('writes nothing for a tenant that no longer exists', async () => {
    const d = new TenantDelta('ghost', 100);
    d.seq = 1;
    d.addSecond(minute, 1, 1);
    expect(await repository.apply(d, 'i1', 100, RETENTION.professional)).toBe('tenant_gone');
    expect(await redis.exists(historyKeys.totals('ghost'), historyKeys.minute('ghost', minute))).toBe(0);
  });

  it('keeps only the top subjects per day, with their bytes, and raises sketch registers', async () => {
    const d = new TenantDelta('acme', 1000);
    d.seq = 10;
    d.addSecond(minute, 30, 30);
    const today = dayOf(minute * 1000);
    const table = d.subjectsOf(today);
    for (let i = 0; i < 20; i++) for (let n = 0; n <= i; n++) table.add(`s${i}`, 1);
    expect(await repository.apply(d, 'i1', 5, RETENTION.professional)).toBe('applied');
    const top = await redis.zrevrange(historyKeys.subjectMessages('acme', today), 0, -1);
    expect(top).toEqual(['s19', 's18', 's17', 's16', 's15']);
    expect(Object.keys(await redis.hgetall(historyKeys.subjectBytes('acme', today))).sort()).toEqual([...top].sort());
    expect(await redis.hget(historyKeys.subjectBytes('acme', today), 's19')).toBe('20');
    expect(await redis.strlen(historyKeys.subjectSketch('acme', today))).toBeGreaterThan(0);
  });
});
