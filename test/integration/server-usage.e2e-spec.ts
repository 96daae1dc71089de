import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { minuteEpochOf } from '../../src/common/time.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import type { ServerCounts } from '../../src/nats-events/server-figures.js';
import { ServerUsageKeys } from '../../src/nats-events/server-usage-keys.js';
import {
  BASELINE_TTL_SECONDS,
  ServerUsageRepository,
  SOURCES_PER_CALL,
} from '../../src/nats-events/server-usage.repository.js';
import { accountSource, staleWindowSeconds, UsageBatch } from '../../src/nats-events/usage-batch.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix } from '../support/pulse-app.js';

const counts = (inM: number, inB: number, outM: number, outB: number): ServerCounts => ({
  ingress: { msgs: inM, bytes: inB },
  egress: { msgs: outM, bytes: outB },
});

/** The usage writer's Lua against the real Redis: cumulative server counters become history once. */
describe('server usage write (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new RedisKeys(prefix);
  const history = new HistoryKeys(prefix);
  const usage = new ServerUsageKeys(prefix);
  const redis = new Redis(SHARED_REDIS);
  const repository = new ServerUsageRepository(redis, keys);
  afterAll(() => redis.quit().then(() => deletePrefix(SHARED_REDIS, prefix)));

  const now = Date.now();
  const tombstoneSeconds = staleWindowSeconds(30_000);
  const opts = { now, minuteSeconds: 3 * 3600, snapshotSeconds: 600, tombstoneSeconds };
  const tenant = async (id: string) => redis.hset(keys.tenant(id), { id, tier: 'professional' });
  const write = (id: string, fill: (b: UsageBatch) => void) => {
    const batch = new UsageBatch();
    fill(batch);
    return repository.apply(id, batch, opts);
  };
  const fields = ['sv_in_m', 'sv_in_b', 'sv_out_m', 'sv_out_b', 'rf_cn', 'rf_pl', 'rf_sub'];
  const read = async (key: string) => {
    const h = await redis.hgetall(key);
    return Object.fromEntries(fields.map((f) => [f, Number(h[f] ?? 0)]));
  };
  const totals = (id: string) => read(history.totals(id));
  const minute = (id: string) => read(history.minute(id, minuteEpochOf(now)));

  it('counts the same figures once, a lower figure not at all, and only what a figure adds', async () => {
    await tenant('t1');
    expect(await write('t1', (b) => b.figures('S1:7', counts(10, 1000, 0, 0)))).toEqual({
      ingress: { msgs: 10, bytes: 1000 },
      egress: { msgs: 0, bytes: 0 },
      refusals: 0,
    });
    // The same figures again (another poll, a retried write): nothing.
    expect((await write('t1', (b) => b.figures('S1:7', counts(10, 1000, 0, 0))))?.ingress).toEqual({
      msgs: 0,
      bytes: 0,
    });
    // A lower figure (a page read earlier, written later) counts nothing and lowers no baseline.
    await write('t1', (b) => b.figures('S1:7', counts(4, 400, 0, 0)));
    // Per counter: only what each adds over its own baseline.
    await write('t1', (b) => b.figures('S1:7', counts(12, 900, 5, 50)));
    expect(await totals('t1')).toMatchObject({ sv_in_m: 12, sv_in_b: 1000, sv_out_m: 5, sv_out_b: 50 });
    expect(await minute('t1')).toMatchObject({ sv_in_m: 12, sv_in_b: 1000, sv_out_m: 5, sv_out_b: 50 });
    expect(await redis.get(usage.baseline('t1', 'S1:7'))).toBe('12 1000 5 50');
    const ttl = await redis.ttl(usage.baseline('t1', 'S1:7'));
    expect(ttl).toBeGreaterThan(BASELINE_TTL_SECONDS - 60);
    // The minute expires with the tenant's minute retention.
    expect(await redis.ttl(history.minute('t1', minuteEpochOf(now)))).toBeGreaterThan(3 * 3600 - 60);
  });

  it("counts a closed connection's final counts once; figures of it written after its close count nothing", async () => {
    await tenant('t2');
    await write('t2', (b) => b.figures('S1:8', counts(0, 0, 10, 100)));
    // Closed: the final counts add what came since the last figures, and leave a tombstone.
    await write('t2', (b) => b.final('S1:8', counts(0, 0, 15, 150), null));
    expect(await redis.get(usage.baseline('t2', 'S1:8'))).toBe('x');
    // Kept only as long as a stale page or a retried write can come: the stale window, not a day.
    const tombstoneTtl = await redis.ttl(usage.baseline('t2', 'S1:8'));
    expect(tombstoneTtl).toBeGreaterThan(tombstoneSeconds - 60);
    expect(tombstoneTtl).toBeLessThanOrEqual(tombstoneSeconds);
    // A CONNZ page read before the close, written after: no baseline comes back, nothing counts again.
    await write('t2', (b) => b.figures('S1:8', counts(0, 0, 12, 120)));
    // The final counts again (a retried write): nothing.
    await write('t2', (b) => b.final('S1:8', counts(0, 0, 15, 150), null));
    expect(await redis.get(usage.baseline('t2', 'S1:8'))).toBe('x');
    // A connection that opened, published and closed between polls: its final counts, whole.
    await write('t2', (b) => b.final('S1:9', counts(3, 30, 0, 0), null));
    expect(await totals('t2')).toMatchObject({ sv_in_m: 3, sv_in_b: 30, sv_out_m: 15, sv_out_b: 150 });
  });

  it('writes a large batch in Lua calls of at most SOURCES_PER_CALL sources, each counted once', async () => {
    await tenant('t7');
    const n = 2 * SOURCES_PER_CALL + 7;
    // The sources (baseline keys) each Lua call names.
    const calls: number[] = [];
    const spied = repository as unknown as { script: (k: string[], a: unknown[]) => Promise<unknown> };
    const script = spied.script;
    spied.script = (k, a) => {
      calls.push(k.filter((key) => key.includes('svb:')).length);
      return script(k, a);
    };
    const written = await write('t7', (b) => {
      for (let i = 0; i < n; i++) b.final(`S9:${i}`, counts(1, 10, 2, 20), null);
    }).finally(() => (spied.script = script));
    expect(written?.ingress).toEqual({ msgs: n, bytes: 10 * n });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...calls)).toBeLessThanOrEqual(SOURCES_PER_CALL);
    expect(await totals('t7')).toMatchObject({ sv_in_m: n, sv_out_m: 2 * n });
  });

  it('counts refusals once per connection, with or without its figures', async () => {
    await tenant('t3');
    expect((await write('t3', (b) => b.final('S1:20', counts(0, 0, 0, 0), 'payload')))?.refusals).toBe(1);
    expect((await write('t3', (b) => b.final('S1:20', counts(0, 0, 0, 0), 'payload')))?.refusals).toBe(0);
    // The accounts shape: the close counts the refusal, never the connection's figures.
    await write('t3', (b) => {
      b.refused('S1:21', 'connections');
      b.refused('S1:22', 'connections');
      b.refused('S1:21', 'connections');
    });
    await write('t3', (b) => b.refused('S1:23', 'subscriptions'));
    expect(await totals('t3')).toMatchObject({ rf_cn: 2, rf_pl: 1, rf_sub: 1, sv_in_m: 0 });
    expect(await minute('t3')).toMatchObject({ rf_cn: 2, rf_pl: 1, rf_sub: 1 });
  });

  it('counts an account per server, each server from its own baseline (a restarted server: a new id)', async () => {
    await tenant('t4');
    await write('t4', (b) => {
      b.figures('ACC@S1', counts(10, 100, 50, 500));
      b.figures('ACC@S2', counts(1, 10, 5, 50));
    });
    await write('t4', (b) => {
      b.figures('ACC@S1', counts(20, 200, 100, 1000));
      b.figures('ACC@S2', counts(1, 10, 5, 50));
      // S1 restarted: its new id starts from zero.
      b.figures('ACC@S1b', counts(2, 20, 10, 100));
    });
    expect(await totals('t4')).toMatchObject({ sv_in_m: 23, sv_in_b: 230, sv_out_m: 115, sv_out_b: 1150 });
  });

  it('accounts shape: a first sighting sets the baseline and counts nothing; an account moved between tenants bills each only its own time', async () => {
    await tenant('ta');
    await tenant('tb');
    const acc = (id: string, since: number, c: ServerCounts) =>
      write(id, (b) => b.accountFigures(accountSource('ACCM', 'S1', since), c));
    // Pulse first sees the account (deployed, or the tenant just given it) after 700 messages: not billed.
    await acc('ta', 1, counts(700, 7000, 0, 0));
    expect((await totals('ta')).sv_in_m).toBe(0);
    await acc('ta', 1, counts(1700, 17000, 0, 0));
    expect((await totals('ta')).sv_in_m).toBe(1000);
    // Moved to tb (its natsAccount set at epoch 2): its first sighting counts nothing of ta's time …
    await acc('tb', 2, counts(1700, 17000, 0, 0));
    // … then 50 new messages are tb's.
    await acc('tb', 2, counts(1750, 17500, 0, 0));
    expect((await totals('tb')).sv_in_m).toBe(50);
    expect((await totals('ta')).sv_in_m + (await totals('tb')).sv_in_m).toBe(1050);
    // Back to ta later (epoch 3): ta's baseline of before is not reused, only new traffic counts.
    await acc('ta', 3, counts(1750, 17500, 0, 0));
    await acc('ta', 3, counts(1760, 17600, 0, 0));
    expect((await totals('ta')).sv_in_m).toBe(1010);
    expect((await totals('tb')).sv_in_m).toBe(50);
  });

  it('accounts shape: a first sighting and later figures in one batch count what came after the first figure', async () => {
    await tenant('tc');
    // The account's first connection (its CONNS advisory, figures 0) and a poll after 40 messages
    // land in the same flush: the baseline is the first figure, the 40 are the tenant's.
    await write('tc', (b) => {
      b.accountFigures(accountSource('ACCF', 'S1', 1), counts(0, 0, 0, 0));
      b.accountFigures(accountSource('ACCF', 'S1', 1), counts(40, 400, 200, 2000));
    });
    expect(await totals('tc')).toMatchObject({ sv_in_m: 40, sv_in_b: 400, sv_out_m: 200, sv_out_b: 2000 });
    // A batch whose only figure is a first sighting still counts nothing (the account's past).
    await write('tc', (b) => b.accountFigures(accountSource('ACCG', 'S1', 1), counts(900, 9000, 0, 0)));
    expect((await totals('tc')).sv_in_m).toBe(40);
  });

  it('keeps counts exact past 1e14 (Lua numbers written without an exponent)', async () => {
    await tenant('t5');
    const big = 123_456_789_012_345;
    await write('t5', (b) => b.figures('ACC@S1', counts(1, big, 0, 0)));
    await write('t5', (b) => b.figures('ACC@S1', counts(2, big + 7, 0, 0)));
    expect(await redis.get(usage.baseline('t5', 'ACC@S1'))).toBe(`2 ${big + 7} 0 0`);
    expect((await totals('t5')).sv_in_b).toBe(big + 7);
  });

  it('writes nothing for a tenant that does not exist (deleted, or erased while the batch waited)', async () => {
    expect(
      await write('gone', (b) => {
        b.figures('S1:1', counts(5, 5, 5, 5));
        b.final('S1:2', counts(5, 5, 5, 5), 'payload');
        b.snapshot = {
          tenantId: 'gone',
          shape: 'subjects',
          at: now,
          connections: 1,
          subscriptions: 1,
          leafnodes: 0,
          slowConsumers: 0,
          jetstream: null,
          claims: null,
        };
      }),
    ).toBeNull();
    expect(await redis.keys(`${keys.tenantScope('gone')}*`)).toEqual([]);
  });

  it('stores the snapshot with its TTL; the reader fills the subjects shape’s slow consumers from na_sc', async () => {
    await tenant('t6');
    await redis.hset(history.totals('t6'), 'na_sc', 3);
    const snapshot = {
      tenantId: 't6',
      shape: 'subjects' as const,
      at: now,
      connections: 2,
      subscriptions: 5,
      leafnodes: 0,
      slowConsumers: 0,
      jetstream: null,
      claims: null,
    };
    await write('t6', (b) => (b.snapshot = snapshot));
    expect(await repository.snapshot('t6')).toEqual({ ...snapshot, slowConsumers: 3 });
    expect(await redis.ttl(usage.snapshot('t6'))).toBeGreaterThan(500);
    expect(await repository.snapshot('t1')).toBeNull();
  });
});
