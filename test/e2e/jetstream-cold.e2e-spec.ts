import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLD_STORE, type ColdStore } from '../../src/coldstore/cold-store.js';
import { RETENTION } from '../../src/common/retention.js';
import { ArchiveJob } from '../../src/history/archive.job.js';
import { jetStreamSortKey } from '../../src/jetstream/jetstream-archive.js';
import { JetStreamKeys } from '../../src/jetstream/jetstream-keys.js';
import { JetStreamStore } from '../../src/jetstream/jetstream.store.js';
import type { ConsumerFigures, StreamFigures, TenantJetStream } from '../../src/jetstream/jetstream.types.js';
import { type CreatedTenant, request } from '../support/http.js';
import { type ColdPulse, startColdPulse } from '../support/cold-pulse.js';
import { ADMIN_KEY, type RunningPulse } from '../support/pulse-app.js';

const HOUR = 3600;

interface History {
  points: {
    timestamp: string;
    streams: { name: string; messages: number; bytes: number; fill: number | null }[];
    consumers: { stream: string; consumer: string; pending: number; maxPending: number }[];
  }[];
}

function stream(name: string, messages: number): StreamFigures {
  return {
    name,
    subjects: [`tenant.x.${name}`],
    subjectsOmitted: 0,
    messages,
    bytes: messages * 100,
    firstSeq: 1,
    lastSeq: messages,
    consumers: 1,
    limits: { maxMessages: 1000, maxBytes: null, maxAgeMs: null, maxConsumers: null },
    fill: { messages: messages / 1000, bytes: null, worst: messages / 1000 },
    created: '2026-01-01T00:00:00.000Z',
  };
}

function consumer(streamName: string, name: string, pending: number): ConsumerFigures {
  return {
    stream: streamName,
    name,
    kind: 'pull',
    durable: true,
    pending,
    ackPending: 1,
    redelivered: 0,
    waiting: 0,
    deliveredSeq: 10,
    ackFloorSeq: 9,
    lastDeliveredAt: null,
    lastAckedAt: null,
    ackRate: null,
    pendingGrowth: null,
    drain: { state: 'unknown' },
  };
}

/**
 * JetStream history in the cold store (dynalite started here): hours written by the store with a
 * past clock, as the poll wrote them then, archived by the archiver's pass, then read back by the
 * history route from the cold store; with the store stopped, the route says 503 and nothing is lost.
 */
describe('JetStream history in the cold store (dynalite, real Redis)', () => {
  let started: ColdPulse;
  let dynamo: ColdPulse['dynamo'];
  let pulse: RunningPulse;
  let redis: Redis;
  let keys: JetStreamKeys;
  let tenant: CreatedTenant;
  let partition: string;
  const nowHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  const old = [nowHour - 60 * HOUR, nowHour - 59 * HOUR]; // before the 48-hour hot window
  const recent = nowHour - 10 * HOUR; // inside it

  beforeAll(async () => {
    started = await startColdPulse('jscold');
    ({ dynamo, pulse, redis, tenant, partition } = started);
    keys = new JetStreamKeys(pulse.options.redis.keyPrefix);
  });

  afterAll(async () => {
    await started?.close();
  });

  /** A poll of the tenant at a past moment of `hour`, through the store as the poller calls it. */
  async function pollAt(hour: number, pending: number): Promise<void> {
    const at = (hour + 1800) * 1000;
    const view: TenantJetStream = {
      tenantId: tenant.id,
      polledAt: new Date(at).toISOString(),
      streams: [stream('ORDERS', 100 + pending), stream('LOGS', 7)],
      consumers: [consumer('ORDERS', 'pull', pending), consumer('ORDERS', 'push', 0)],
      omitted: { streams: 0, consumers: 0 },
    };
    await pulse.app
      .get(JetStreamStore)
      .write(
        [{ view, samples: new Map(), retention: RETENTION.enterprise, history: true }],
        new Map([['ORDERS', tenant.id]]),
        { polledAt: view.polledAt, streams: [], omitted: 0 },
        { state: 'ok', lastPollAt: view.polledAt, unowned: 0 },
        at,
      );
  }

  const history = (period: string) =>
    request<History>(pulse.url, 'GET', `/api/v1/metrics/jetstream/history?period=${period}&resolution=hour`, {
      key: tenant.apiKey,
    });

  const archiveAll = () => started.archiveAll();

  it('hours before the hot window are archived, forgotten by Redis and read identically from the cold store; 503 while it is down, nothing lost', async () => {
    await pollAt(old[0], 40);
    await pollAt(old[1], 55);
    await pollAt(recent, 12);
    const before = await history('7d');
    expect(before.status).toBe(200);
    const at = (p: History['points'][number]) => Date.parse(p.timestamp) / 1000;
    expect(before.body.points.filter((p) => [...old, recent].includes(at(p))).length).toBe(3);
    expect(before.body.points.find((p) => at(p) === old[1])!.consumers).toContainEqual(
      expect.objectContaining({ stream: 'ORDERS', consumer: 'pull', pending: 55, maxPending: 55 }),
    );

    // The cold store stopped: the pass fails, Redis keeps every hour with its tier expiry.
    await dynamo.stop();
    try {
      expect(await pulse.app.get(ArchiveJob).run(Date.now())).toBeNull();
      for (const h of old) {
        expect(await redis.exists(keys.history(tenant.id, 'hour', h))).toBe(1);
        expect(await redis.ttl(keys.history(tenant.id, 'hour', h))).toBeGreaterThan(20 * 86_400);
      }
      const refused = await history('7d');
      expect(refused.status).toBe(503);
      expect(String((refused.body as { message?: string }).message)).toMatch(/cold store/);
      // Hours inside the hot window are read from Redis alone.
      const hot = await history('24h');
      expect(hot.status).toBe(200);
      expect(hot.body.points.some((p) => at(p) === recent)).toBe(true);
    } finally {
      await dynamo.start();
    }

    // On return: archived (the recent hour too), the old hours gone from Redis, the recent kept.
    expect(await archiveAll()).toBeGreaterThanOrEqual(3);
    for (const h of old) expect(await redis.exists(keys.history(tenant.id, 'hour', h))).toBe(0);
    expect(await redis.exists(keys.history(tenant.id, 'hour', recent))).toBe(1);
    const ttl = await redis.ttl(keys.history(tenant.id, 'hour', recent));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(recent + HOUR + 50 * HOUR - Math.floor(Date.now() / 1000));
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    const items = await cold.query(partition, jetStreamSortKey(old[0]), jetStreamSortKey(recent));
    expect(items.map((i) => i.sk)).toEqual([...old, recent].map(jetStreamSortKey));

    const after = await history('7d');
    expect(after.status).toBe(200);
    expect(after.body.points.filter((p) => [...old, recent].includes(at(p)))).toEqual(
      before.body.points.filter((p) => [...old, recent].includes(at(p))),
    );
    // A second pass writes nothing again.
    expect(await archiveAll()).toBe(0);
  });

  it("a deleted tenant's JetStream items and archive mark are gone with its partition", async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    expect(await cold.count(partition)).toBeGreaterThanOrEqual(3);
    expect(await redis.exists(keys.archived(tenant.id))).toBe(1);
    const res = await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`, { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(await cold.count(partition)).toBe(0);
    expect(await redis.exists(keys.archived(tenant.id))).toBe(0);
  });
});
