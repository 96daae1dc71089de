import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveJob } from '../../src/history/archive.job.js';
import { OperatorAlerts } from '../../src/alerting/operator-alerts.job.js';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { COLD_STORE, type ColdStore } from '../../src/coldstore/cold-store.js';
import { RETENTION } from '../../src/common/retention.js';
import { dayOf } from '../../src/common/time.js';
import { TenantDelta } from '../../src/monitoring/tenant-delta.js';
import { HistoryWriter } from '../../src/history/history-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { type CreatedTenant, request } from '../support/http.js';
import { type ColdPulse, startColdPulse } from '../support/cold-pulse.js';
import { ADMIN_KEY, type RunningPulse } from '../support/pulse-app.js';

const HOUR = 3600;

interface Analytics {
  series: { timestamp: string; messages: number; bytes: number }[];
  totals: Record<string, unknown>;
  subjects: { top: { subject: string }[] };
  clients?: { items: { clientId: string }[] };
}

/**
 * Tiered storage on a real DynamoDB-compatible server (dynalite, started here on a free port):
 * history written through the real flush and rollup for hours in the past, archived by the real
 * archiver, then read back from the cold store.
 */
describe('cold store (dynalite, real Redis and NATS)', () => {
  let started: ColdPulse;
  let dynamo: ColdPulse['dynamo'];
  let pulse: RunningPulse;
  let redis: Redis;
  let keys: RedisKeys;
  let historyKeys: HistoryKeys;
  let tenant: CreatedTenant;
  /** The tenant incarnation's partition of the table. */
  let partition: string;
  let table: string;
  let seq = 0;
  const nowHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  const old = nowHour - 60 * HOUR; // before the 48-hour hot window (and its 2-hour margin)
  const recent = nowHour - 10 * HOUR; // inside it

  beforeAll(async () => {
    started = await startColdPulse('cold');
    ({ dynamo, pulse, redis, tenant, partition, table } = started);
    keys = new RedisKeys(pulse.options.redis.keyPrefix);
    historyKeys = new HistoryKeys(pulse.options.redis.keyPrefix);
  });

  afterAll(async () => {
    await started?.close();
  });

  /** Messages in an hour, with subjects (`subject` names them), as a delta. */
  function deltaAt(hour: number, messages: number, subject = (i: number) => `orders.${i % 4}`): TenantDelta {
    const d = new TenantDelta(tenant.id, 100);
    d.seq = ++seq;
    for (let m = 0; m < 3; m++) d.addSecond(hour + 600 * m + 7, messages, messages * 120);
    const subjects = d.subjectsOf(dayOf(hour * 1000));
    for (let i = 0; i < 3 * messages; i++) subjects.add(`tenant.${tenant.id}.${subject(i)}`, 120);
    return d;
  }

  /**
   * Messages in an hour of the past, through the flush script as it ran then (its clock at the
   * hour's end), then that hour's rollup pass.
   */
  async function trafficAt(hour: number, messages: number): Promise<void> {
    const repository = pulse.app.get(HistoryWriter);
    const at = (hour + HOUR - 30) * 1000;
    expect(await repository.apply(deltaAt(hour, messages), 'cold-test', 100, RETENTION.enterprise, at)).toBe('applied');
    expect(await pulse.app.get(RollupJob).run((hour + HOUR + 60) * 1000)).not.toBeNull();
  }

  const analytics = async (period: string) => {
    const res = await request<Analytics>(pulse.url, 'GET', `/api/v1/metrics/analytics?period=${period}`, {
      key: tenant.apiKey,
    });
    return res;
  };

  const archiveAll = () => started.archiveAll();

  it('hours, days, subjects and client behaviour older than the hot window read identically from the cold store; Redis forgets them', async () => {
    await trafficAt(old, 40);
    // The old day's client behaviour, as the heartbeat scripts keep it (they write today's only).
    const oldDay = dayOf(old * 1000);
    for (const [client, sent] of [
      ['c1', 30],
      ['c2', 12],
    ] as const) {
      await redis.hset(
        historyKeys.clientDay(tenant.id, oldDay),
        `${client}|s`,
        sent,
        `${client}|ss`,
        1,
        `${client}|on`,
        600,
      );
      await redis.zadd(historyKeys.clientTraffic(tenant.id, oldDay), sent, client);
      await redis.pfadd(historyKeys.clientsSeenDay(tenant.id, oldDay), client);
    }
    await trafficAt(recent, 25);
    const [week, month] = [await analytics('7d'), await analytics('30d')];
    expect(week.status).toBe(200);
    expect(week.body.series.reduce((n, p) => n + p.messages, 0)).toBe(3 * 40 + 3 * 25);

    expect(await archiveAll()).toBeGreaterThanOrEqual(3); // two hours and at least one day
    // The old hour left Redis; the recent one stays hot (it expires when it leaves the window).
    expect(await redis.exists(historyKeys.hour(tenant.id, old))).toBe(0);
    expect(await redis.exists(historyKeys.hour(tenant.id, recent))).toBe(1);
    const ttl = await redis.ttl(historyKeys.hour(tenant.id, recent));
    expect(Math.abs(ttl - (recent + HOUR + 50 * HOUR - Date.now() / 1000))).toBeLessThan(120);

    expect(
      await redis.exists(historyKeys.subjectMessages(tenant.id, oldDay), historyKeys.clientDay(tenant.id, oldDay)),
    ).toBe(0);
    expect(week.body.subjects.top.length).toBeGreaterThan(0);
    expect(month.body.clients?.items.map((c) => c.clientId)).toEqual(['c1', 'c2']);
    expect((await analytics('7d')).body).toEqual(week.body);
    expect((await analytics('30d')).body).toEqual(month.body);
    // A pass with nothing changed writes nothing again.
    expect(await archiveAll()).toBe(0);

    // The tenant export (GDPR) reads the cold part too: the old hour, its day's subjects and clients.
    const res = await fetch(`${pulse.url}/api/v1/admin/tenants/${tenant.id}/export`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    const records = (await res.text())
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { type: string; data: { at?: string; day?: string; fields?: Record<string, string> } },
      );
    const oldHour = records.find((r) => r.type === 'hour' && r.data.at === new Date(old * 1000).toISOString());
    expect(oldHour?.data.fields?.m).toBe('120');
    expect(records.some((r) => r.type === 'subjects' && r.data.day === oldDay)).toBe(true);
    const clients = records.filter((r) => r.type === 'clientDay' && r.data.day === oldDay);
    expect(clients.map((r) => r.data.fields?.['c1|s'])).toContain('30');
  });

  it('items carry the tier retention as their TTL attribute', async () => {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const { Item } = await client.send(
      new GetCommand({ TableName: table, Key: { pk: partition, sk: `h#${String(old).padStart(10, '0')}` } }),
    );
    // Keyed by the deployment's namespace, the tenant id and its incarnation.
    expect(partition).toMatch(new RegExp(`^${pulse.options.redis.keyPrefix}/${tenant.id}/[0-9a-f]{16}$`));
    expect(Item).toMatchObject({ pk: partition, expiresAt: old + RETENTION.enterprise.hourSeconds });
    expect(Number((Item!.f as Record<string, string>).m)).toBe(120);
    client.destroy();
  });

  it("a query with a limit answers the partition's first items only (the compliance report's oldest day)", async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    const other = `${pulse.options.redis.keyPrefix}/limit-${tenant.id}/0`;
    const days = ['d#20261101', 'd#20261102', 'd#20261103'];
    await cold.put(
      days.map((sk) => ({ partition: other, sk, attributes: { f: { m: '1' } }, expiresAt: 2_000_000_000 })),
    );
    expect((await cold.query(other, 'd#', 'd#~', 1)).map((i) => i.sk)).toEqual(['d#20261101']);
    expect((await cold.query(other, 'd#', 'd#~', 2)).map((i) => i.sk)).toEqual(days.slice(0, 2));
    expect((await cold.query(other, 'd#', 'd#~')).map((i) => i.sk)).toEqual(days);
    expect(await cold.deletePartition(other)).toBe(3);
  });

  it('the cold store stopped while archiving loses nothing: Redis keeps the hour, reads say 503, all is archived on return', async () => {
    // 19:00 the UTC day before the old hour's: a day no other traffic here touches. trafficAt
    // runs the flush with that hour's clock, but Redis is as today left it: the first test
    // archived the old hour's day with today's clock, and when this runs from 02:00 to 11:59 UTC
    // that day's hash has expired since. A flush into that day would start its hash afresh (an
    // order of events that cannot happen), and its re-archive would write that part over the
    // whole day's item (the 1d read of the late-data test then missed the old hour's messages).
    const outage = old - (old % (24 * HOUR)) - 5 * HOUR;
    await trafficAt(outage, 10);
    await dynamo.stop();
    try {
      expect(await pulse.app.get(ArchiveJob).run(Date.now())).toBeNull(); // the pass failed (counted, retried)
      expect(await redis.exists(historyKeys.hour(tenant.id, outage))).toBe(1);
      expect(await redis.ttl(historyKeys.hour(tenant.id, outage))).toBeGreaterThan(20 * 86_400);
      const refused = await analytics('7d');
      expect(refused.status).toBe(503);
      expect(String((refused.body as { message?: string }).message)).toMatch(/cold store/);
      // Health says so, and the operator alert fires once it lasts.
      const ready = await request<{ info?: Record<string, { status: string }> }>(pulse.url, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info?.coldStore?.status).toBe('degraded');
      const tenantHealth = await request<{ status: string; pulse: { coldStore: { state: string } } }>(
        pulse.url,
        'GET',
        '/api/v1/metrics/health-check',
        { key: tenant.apiKey },
      );
      expect(tenantHealth.body).toMatchObject({ status: 'degraded', pulse: { coldStore: { state: 'degraded' } } });
      const operator = pulse.app.get(OperatorAlerts);
      await operator.check(Date.now());
      await operator.check(Date.now() + pulse.options.alerting.operatorIncidentAfterMs + 1);
      await operator.check(Date.now() + pulse.options.alerting.operatorIncidentAfterMs + 2);
      expect((await operator.recent()).some((i) => i.incident === 'cold_store_degraded' && i.event === 'opened')).toBe(
        true,
      );
    } finally {
      await dynamo.start();
    }
    expect(await archiveAll()).toBeGreaterThanOrEqual(1);
    expect(await redis.exists(historyKeys.hour(tenant.id, outage))).toBe(0);
    const ready = await request<{ info?: Record<string, { status: string }> }>(pulse.url, 'GET', '/health/ready');
    expect(ready.body.info?.coldStore?.status).toBe('up');
    const week = await analytics('7d');
    expect(week.body.series.reduce((n, p) => n + p.messages, 0)).toBe(3 * 40 + 3 * 25 + 3 * 10);
  });

  it('late data for archived history (flushed now, after a long outage) is added to the cold items once, never recomputed', async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    const before = await analytics('7d');
    const total = (a: typeof before) => a.body.series.reduce((n, p) => n + p.messages, 0);
    const oldDay = dayOf(old * 1000);
    // Held back since the old hour (60 h ago), flushed now: 3 × 5 messages, on a subject new to the day.
    const minuteBefore = await redis.hget(historyKeys.minute(tenant.id, old), 'm');
    const late = deltaAt(old, 5, () => 'refunds.late');
    expect(await pulse.app.get(HistoryWriter).apply(late, 'cold-late', 100, RETENTION.enterprise)).toBe('applied');
    // Nothing was written where the old period used to be in Redis; the late keys wait.
    expect(await redis.exists(historyKeys.hour(tenant.id, old))).toBe(0);
    expect(await redis.hget(historyKeys.minute(tenant.id, old), 'm')).toBe(minuteBefore);
    // The day may still be read from Redis (then added to its hash), depending on the hour.
    expect(await redis.smembers(historyKeys.latePeriods(tenant.id))).toEqual(
      expect.arrayContaining([`h${old}`, `s${oldDay}`]),
    );
    expect(await archiveAll()).toBeGreaterThanOrEqual(3);
    expect(await redis.exists(historyKeys.latePeriods(tenant.id))).toBe(0);
    const after = await analytics('7d');
    expect(total(after)).toBe(total(before) + 15);
    const oldPoint = after.body.series.find((p) => Date.parse(p.timestamp) / 1000 === old);
    expect(oldPoint?.messages).toBe(3 * 40 + 15);
    expect(after.body.subjects.top.map((x) => x.subject)).toContain(`tenant.${tenant.id}.refunds.late`);
    // The day's item got the same late messages (30 days at one-day resolution read days).
    const days = await analytics('30d&resolution=1d');
    expect(days.status).toBe(200);
    expect(total(days)).toBe(total(after));

    // A pass that failed after writing (its claim and token left behind) does not add twice.
    const [item] = await cold.query(
      partition,
      `h#${String(old).padStart(10, '0')}`,
      `h#${String(old).padStart(10, '0')}`,
    );
    const token = String(item.attributes.lt);
    const lateKey = historyKeys.late(tenant.id, `h${old}`);
    await redis.hset(`${lateKey}:claimed`, 'm', 15);
    await redis.set(`${lateKey}:tok`, token);
    await redis.sadd(historyKeys.latePeriods(tenant.id), `h${old}`);
    await archiveAll();
    expect(await redis.exists(`${lateKey}:claimed`, `${lateKey}:tok`, historyKeys.latePeriods(tenant.id))).toBe(0);
    expect(total(await analytics('7d'))).toBe(total(after));
  });

  it("a deleted tenant's cold items are gone", async () => {
    const cold = pulse.app.get<ColdStore>(COLD_STORE);
    expect(await cold.count(partition)).toBeGreaterThan(0);
    // The cold store down: Redis is cleared, the answer says the cold part is left; a repeat finishes it.
    await dynamo.stop();
    try {
      const refused = await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`, { key: ADMIN_KEY });
      expect(refused.status).toBe(503);
      expect(String(refused.body.message)).toMatch(/cold history could not be deleted yet/);
      expect(await redis.exists(keys.tenant(tenant.id))).toBe(0);
    } finally {
      await dynamo.start();
    }
    expect(await cold.count(partition)).toBeGreaterThan(0);
    const before = await cold.count(partition);
    const res = await request<{ removed: { coldItems: number }; remaining: number }>(
      pulse.url,
      'DELETE',
      `/api/v1/admin/tenants/${tenant.id}`,
      { key: ADMIN_KEY },
    );
    expect(res.status).toBe(200);
    // The receipt counts the cold items this DELETE removed, and finds none left.
    expect(res.body.removed.coldItems).toBe(before);
    expect(res.body.remaining).toBe(0);
    expect(await cold.count(partition)).toBe(0);
    // Nothing left anywhere: a third DELETE is a 404.
    expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`, { key: ADMIN_KEY })).status).toBe(
      404,
    );
  });
});
