import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveJob } from '../../src/history/archive.job.js';
import { HistoryStore } from '../../src/history/history-store.js';
import { HistoryReader } from '../../src/history/history-reader.js';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { ColdPartitions } from '../../src/coldstore/cold-partitions.js';
import { COLD_STORE, type ColdStore } from '../../src/coldstore/cold-store.js';
import { RETENTION } from '../../src/common/retention.js';
import { dayOf } from '../../src/common/time.js';
import { AuditRepository } from '../../src/compliance/audit.repository.js';
import { AuditService } from '../../src/compliance/audit.service.js';
import type { AuditEntry } from '../../src/compliance/audit.js';
import { TenantDelta } from '../../src/monitoring/tenant-delta.js';
import { HistoryWriter } from '../../src/history/history-writer.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { TenantRepository } from '../../src/tenants/tenant.repository.js';
import { generateApiKey, hashApiKey } from '../../src/tenants/api-key.service.js';
import { REDIS_CLIENT } from '../../src/redis/redis-client.js';
import { AnomalyRepository } from '../../src/anomalies/anomaly.repository.js';
import { AlertingRepository } from '../../src/alerting/alerting.repository.js';
import { CustomMetricRepository } from '../../src/monitoring/custom/custom-metric.repository.js';
import { PresenceRepository } from '../../src/heartbeat/presence.repository.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { startDynalite, startHoldingProxy } from '../support/processes.js';
import { tenantRecord } from '../support/tenants.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';

const HOUR = 3600;

interface Receipt {
  tenantId: string;
  removed: { redisKeys: number; coldItems: number };
  remaining: number;
}

/**
 * An erasure fences every writer (issue #31 item 2): two Pulse instances sharing one prefix (a
 * answers the DELETE, b runs the writers), real NATS, Redis and dynalite (b reaches it through a
 * proxy the test can hold, to keep a cold write in flight across the erasure).
 */
describe('erasure fences every writer (two instances, real NATS, Redis and dynalite)', () => {
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  let a: RunningPulse;
  let b: RunningPulse;
  let redis: Redis;
  let keys: RedisKeys;
  let historyKeys: HistoryKeys;
  let doc: DynamoDBDocumentClient;
  let seq = 0;
  const table = `pulse-erasure-${Date.now()}`;
  const nowHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  const old = nowHour - 60 * HOUR; // before the 48-hour hot window: archived at once

  beforeAll(async () => {
    dynamo = await startDynalite();
    proxy = await startHoldingProxy(Number(new URL(dynamo.endpoint).port));
    const coldStore = { table, endpoint: dynamo.endpoint, createTable: true, hotHistoryHours: 48 };
    const options = testOptions({
      rollupIntervalMs: 3_600_000, // passes are run by the test
      audit: { retentionDays: 400, flushIntervalMs: 3_600_000 },
      coldStore,
    });
    a = await startPulse(options);
    b = await startPulse({ ...options, coldStore: { ...coldStore, endpoint: proxy.endpoint } });
    redis = new Redis(SHARED_REDIS);
    keys = new RedisKeys(options.redis.keyPrefix);
    historyKeys = new HistoryKeys(options.redis.keyPrefix);
    doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    redis?.disconnect();
    doc?.destroy();
    await proxy?.close();
    await dynamo?.close();
    await deletePrefix(SHARED_REDIS, a.options.redis.keyPrefix);
  });

  async function tenantOnBoth(label: string): Promise<CreatedTenant> {
    const t = await createTenant(a.url, uniqueTenantId(label), 'enterprise');
    await waitFor(async () => b.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
    return t;
  }

  const erase = (pulse: RunningPulse, id: string) =>
    request<Receipt>(pulse.url, 'DELETE', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY });

  /**
   * Starts `call` on b with the proxy to the cold store holding, erases the tenant through a once
   * b's request waits in the proxy, then lets it through and waits for `call` to end.
   */
  async function eraseWhileHeld(id: string, call: () => Promise<unknown>): Promise<void> {
    proxy.hold();
    let pending: Promise<unknown> | undefined;
    try {
      pending = call();
      expect(
        await waitFor(
          async () => proxy.heldBytes(),
          (n) => n > 0,
          { timeoutMs: 15_000 },
        ),
      ).toBeGreaterThan(0);
      expect((await erase(a, id)).status).toBe(200);
    } finally {
      proxy.release();
    }
    await pending;
  }

  /** The tenant's keys left in Redis (its hash tag), by name. */
  async function redisLeft(prefix: string, id: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:{t:${id}}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  /** Cold items of any incarnation of the id, in any deployment (the whole test table). */
  async function coldLeft(id: string): Promise<string[]> {
    const found: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (pk === id || pk.split('/').includes(id)) found.push(`${pk} ${String(item.sk)}`);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Messages in an old hour through b's flush script and rollup, as the cold-store e2e does. */
  async function trafficAt(pulse: RunningPulse, tenantId: string, hour: number, messages: number): Promise<void> {
    const d = new TenantDelta(tenantId, 100);
    d.seq = ++seq;
    for (let m = 0; m < 3; m++) d.addSecond(hour + 600 * m + 7, messages, messages * 120);
    const subjects = d.subjectsOf(dayOf(hour * 1000));
    for (let i = 0; i < messages; i++) subjects.add(`tenant.${tenantId}.orders.${i % 4}`, 120);
    const at = (hour + HOUR - 30) * 1000;
    const applied = await pulse.app
      .get(HistoryWriter)
      .apply(d, `erasure-test-${pulse.url}`, 100, RETENTION.enterprise, at);
    expect(applied).toBe('applied');
    expect(await pulse.app.get(RollupJob).run((hour + HOUR + 60) * 1000)).not.toBeNull();
  }

  it('(a) a key used on one instance and flushed after the erasure on the other brings nothing back', async () => {
    const t = await tenantOnBoth('used');
    expect((await request(b.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).status).toBe(200);
    const receipt = await erase(a, t.id);
    expect(receipt.status).toBe(200);
    expect(receipt.body.remaining).toBe(0);
    // b's audit flush writes the key's last use it gathered before the erasure.
    await b.app.get(AuditService).flush();
    expect(await redis.exists(keys.keyUse(t.id))).toBe(0);
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
  });

  it('DELETE of an erased id removes what a late write left and answers a receipt; 404 only when nothing is left anywhere', async () => {
    const t = await tenantOnBoth('again');
    expect((await erase(a, t.id)).status).toBe(200);
    await redis.hset(historyKeys.totals(t.id), 'm', 1); // what a writer without a fence left
    await redis.sadd(keys.tenants(), t.id); // and a registry entry (outside its slot)
    const again = await erase(a, t.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ tenantId: t.id, removed: { redisKeys: 2, coldItems: 0 }, remaining: 0 });
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
    expect(await redis.sismember(keys.tenants(), t.id)).toBe(0);
    // A cold item its erased incarnation was left with (a writer that died before removing it).
    const [erased] = await a.app.get(ColdPartitions).erased(t.id);
    expect(erased).toContain(`/${t.id}/`);
    await a.app
      .get<ColdStore>(COLD_STORE)
      .put([{ partition: erased, sk: `h#${old}`, attributes: {}, expiresAt: old + 86_400 }]);
    const third = await erase(a, t.id);
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ removed: { redisKeys: 0, coldItems: 1 }, remaining: 0 });
    expect(await coldLeft(t.id)).toEqual([]);
    expect((await erase(a, t.id)).status).toBe(404);
  });

  it("(b) every writer's Redis write for a tenant erased since it looked is refused", async () => {
    const t = await tenantOnBoth('writers');
    await trafficAt(b, t.id, old, 5);
    expect((await erase(a, t.id)).status).toBe(200);
    // What a pass that read its tenant list before the DELETE does next, on b.
    const analytics = b.app.get(HistoryStore);
    const now = Date.now();
    await analytics.backfillArchive(t.id, RETENTION.enterprise, now);
    await analytics.queueArchive(t.id, [`h${old}`], now);
    await analytics.markDirty(t.id, [old]);
    await analytics.sampleClients(t.id, nowHour, 3, 1, 3600);
    await analytics.saveDigests(t.id, [[`h${old}`, 'digest']], now);
    await analytics.dayDataArchived(t.id, dayOf(old * 1000));
    await b.app.get(AuditRepository).keysUsed(t.id, new Map([['k_1', now]]));
    await b.app.get(TenantRepository).update(
      tenantRecord(t.id, {
        name: 'renamed while erased',
        tier: 'enterprise',
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
      }),
    );
    // The other writers that run apart from a request, or after one passed its key check.
    const at = new Date(now).toISOString();
    await b.app.get(AnomalyRepository).save(t.id, {
      id: 'an_late',
      type: 'rate_spike',
      severity: 'warning',
      status: 'open',
      summary: 'late',
      details: {},
      detectedAt: at,
      resolvedAt: null,
    });
    expect(await b.app.get(AnomalyRepository).saveDetection(t.id, null, 1, {})).toBe(false);
    await b.app.get(AlertingRepository).log(t.id, 'alerts', { at, alertKey: 'k', status: 'firing' });
    await b.app.get(AlertingRepository).saveRuleState(t.id, 'ru_1', { firing: true });
    await b.app.get(AlertingRepository).setNotified(t.id, 'k', now);
    await b.app.get(CustomMetricRepository).save(t.id, {
      id: 'cm_1',
      name: 'v',
      subject: 'orders.created',
      source: 'count',
      field: null,
      header: null,
      aggregation: 'count',
      unit: null,
      createdAt: at,
      updatedAt: at,
    });
    await b.app.get(PresenceRepository).addRejections(t.id, nowHour, new Map([['bad_json', 2]]), RETENTION.enterprise);
    const { record } = generateApiKey();
    expect(await b.app.get(TenantRepository).addApiKey(t.id, record)).toBe(false);
    expect(await redis.exists(keys.apiKey(record.sha256))).toBe(0);
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
    // Nothing to archive for it any more either.
    await b.app.get(ArchiveJob).run(now);
    expect(await coldLeft(t.id)).toEqual([]);
  });

  it('(b) rollup and archiver passes on one instance racing erasures on the other leave nothing of any tenant', async () => {
    const tenants = await Promise.all(Array.from({ length: 12 }, (_, i) => tenantOnBoth(`race${i}`)));
    for (const t of tenants) await trafficAt(b, t.id, old, 3);
    // b's passes read their tenant lists now; a erases every tenant meanwhile.
    const passes = Promise.all([b.app.get(RollupJob).run(Date.now()), b.app.get(ArchiveJob).run(Date.now())]);
    const receipts = await Promise.all(tenants.map((t) => erase(a, t.id)));
    await passes;
    expect(receipts.map((r) => r.status)).toEqual(tenants.map(() => 200));
    const left = await Promise.all(
      tenants.map(async (t) => [...(await redisLeft(keys.prefix, t.id)), ...(await coldLeft(t.id))]),
    );
    expect(left.flat()).toEqual([]);
  }, 60_000);

  it('(c) a cold write in flight during the erasure, landing after it, is removed by its writer', async () => {
    const t = await tenantOnBoth('inflight');
    await trafficAt(b, t.id, old, 4);
    // b's write has left for the store (held in the proxy) when a erases the tenant.
    await eraseWhileHeld(t.id, () => b.app.get(ArchiveJob).run(Date.now()));
    expect(await coldLeft(t.id)).toEqual([]);
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
  }, 60_000);

  it('(1) an index entry an erasure left does not authenticate, not even for a tenant re-created under the id', async () => {
    const t = await tenantOnBoth('orphan');
    // Used on both instances first: each remembers the key's owner.
    for (const pulse of [a, b])
      expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).status).toBe(200);
    const index = keys.apiKey(hashApiKey(t.apiKey));
    const entry = await redis.get(index);
    expect(entry).toBe(`${t.id} ${t.keyId}`);
    expect((await erase(a, t.id)).status).toBe(200);
    // What a key issued while the DELETE ran could leave: its index entry, listed nowhere.
    await redis.set(index, entry!);
    try {
      const again = await createTenant(a.url, t.id, 'enterprise');
      await waitFor(async () => b.app.get(TenantDirectory).get(t.id) !== undefined, Boolean);
      for (const pulse of [a, b]) {
        expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).status).toBe(401);
        expect((await request(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: again.apiKey })).status).toBe(200);
      }
    } finally {
      await redis.del(index);
      await erase(a, t.id);
    }
  });

  it("(8) an analytics read whose cold answer came before the erasure restores none of the tenant's registers after it", async () => {
    const t = await tenantOnBoth('registers');
    const oldDay = dayOf(old * 1000);
    await trafficAt(b, t.id, old, 3);
    for (const client of ['c1', 'c2']) {
      await redis.hset(historyKeys.clientDay(t.id, oldDay), `${client}|s`, 5);
      await redis.zadd(historyKeys.clientTraffic(t.id, oldDay), 5, client);
      await redis.pfadd(historyKeys.clientsSeenDay(t.id, oldDay), client);
    }
    for (let i = 0; i < 10; i++) if ((await b.app.get(ArchiveJob).run(Date.now()))?.archived === 0) break;
    const analytics = b.app.get(HistoryReader);
    // Each restored register of the tenant the reader deletes: whether it and the tenant were there.
    const client = b.app.get<Redis>(REDIS_CLIENT);
    const deleted: { key: string; present: boolean; tenant: boolean }[] = [];
    const del = client.del.bind(client);
    client.del = (async (...args: string[]) => {
      for (const key of args.filter((k) => k.includes(`{t:${t.id}}`) && k.includes(':restored:')))
        deleted.push({
          key,
          present: (await redis.exists(key)) === 1,
          tenant: (await redis.exists(keys.tenant(t.id))) === 1,
        });
      return del(...args);
    }) as typeof client.del;
    try {
      // Read from the cold store, the tenant present: its two clients' registers restored and counted.
      expect((await analytics.topClientDays(t.id, [oldDay], 10)).total).toBe(2);
      expect(deleted).toEqual([expect.objectContaining({ present: true, tenant: true })]);
      deleted.length = 0;
      // b's cold read has its answer when a erases the tenant; then b goes on.
      const store = b.app.get<ColdStore>(COLD_STORE);
      const query = store.query.bind(store);
      store.query = async (...args: Parameters<ColdStore['query']>) => {
        const items = await query(...args);
        store.query = query;
        expect((await erase(a, t.id)).status).toBe(200);
        return items;
      };
      try {
        await analytics.topClientDays(t.id, [oldDay], 10);
      } finally {
        store.query = query;
      }
    } finally {
      client.del = del;
    }
    // None restored after the erasure (a fenced write, refused); before: one, under the erased tenant's tag.
    expect(deleted.filter((d) => d.present && !d.tenant)).toEqual([]);
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
  }, 60_000);

  it("(10) an admin's request id and address stay out of the tenant's own trail; the tenant's request id is sealed and goes with the erasure", async () => {
    const t = await tenantOnBoth('trail');
    const adminRequest = `adm-${uniqueTenantId('r')}`;
    const tenantRequest = `ten-${uniqueTenantId('r')}`;
    const send = (method: string, path: string, key: string, requestId: string, body: unknown) =>
      fetch(`${a.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(body),
      });
    expect((await send('PATCH', `/api/v1/admin/tenants/${t.id}`, ADMIN_KEY, adminRequest, { name: 'n' })).status).toBe(
      200,
    );
    const metric = { name: 'v', subject: 'orders.created', source: 'json', field: 'amount', aggregation: 'sum' };
    expect((await send('POST', '/api/v1/metrics/custom', t.apiKey, tenantRequest, metric)).status).toBe(201);
    const own = await request<{ entries: AuditEntry[] }>(a.url, 'GET', '/api/v1/audit?limit=100', { key: t.apiKey });
    expect(own.status).toBe(200);
    const byAdmin = own.body.entries.find((e) => e.action === 'tenant.update')!;
    expect(byAdmin).toMatchObject({ actor: { type: 'admin' }, requestId: null, sourceIp: null });
    expect(own.body.entries.find((e) => e.action === 'custom_metric.create')?.requestId).toBe(tenantRequest);
    // The admin's view keeps both.
    const admin = await request<{ entries: AuditEntry[] }>(a.url, 'GET', `/api/v1/admin/audit?tenantId=${t.id}`, {
      key: ADMIN_KEY,
    });
    expect(admin.body.entries.map((e) => e.requestId)).toEqual(expect.arrayContaining([adminRequest, tenantRequest]));
    const rawGlobal = async () => JSON.stringify(await redis.xrange(keys.audit(), '-', '+'));
    expect(await rawGlobal()).not.toContain(tenantRequest);
    expect((await erase(a, t.id)).status).toBe(200);
    expect(await rawGlobal()).not.toContain(tenantRequest);
    const after = await request<{ entries: AuditEntry[] }>(a.url, 'GET', `/api/v1/admin/audit?tenantId=${t.id}`, {
      key: ADMIN_KEY,
    });
    expect(after.body.entries.find((e) => e.action === 'custom_metric.create')).toMatchObject({
      requestId: null,
      erased: true,
    });
  });

  it("(2) an audit entry written after its tenant's erasure (a request that raced it, or retried from memory) is stored without the tenant's fields; the admin's erasure entry as it is", async () => {
    const t = await tenantOnBoth('retried');
    expect((await erase(a, t.id)).status).toBe(200);
    const marker = uniqueTenantId('late');
    const secret = uniqueTenantId('secret');
    const entry: AuditEntry = {
      id: `au_${marker}`,
      at: new Date().toISOString(),
      actor: { type: 'tenant', keyId: t.keyId },
      tenantId: t.id,
      action: 'rule.create',
      target: `rule:${secret}`,
      requestId: `req-${secret}`,
      sourceIp: '10.9.8.7',
      outcome: 'success',
      status: 201,
      details: { name: secret },
    };
    await b.app.get(AuditRepository).append(entry, 86_400_000, Date.now());
    await a.app.get(AuditService).flush();
    const trail = (await redis.xrange(keys.audit(), '-', '+')).map(([, f]) => JSON.parse(f[1]) as AuditEntry);
    const stored = trail.find((e) => e.id === entry.id);
    expect(stored).toMatchObject({ tenantId: t.id, action: 'rule.create', actor: { type: 'tenant' }, target: null });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(stored)).not.toContain('10.9.8.7');
    expect(JSON.stringify(stored)).not.toContain(t.keyId);
    // The DELETE's own entry (written after the record went) keeps the admin's request id and receipt.
    const erasure = trail.find((e) => e.action === 'tenant.erase' && e.tenantId === t.id);
    expect(erasure).toMatchObject({ actor: { type: 'admin' }, details: { remaining: 0 } });
    expect(erasure?.requestId).toEqual(expect.any(String));
    expect(await redisLeft(keys.prefix, t.id)).toEqual([]);
  });

  it('a tenant created before incarnations keeps its items under its bare id: archived, read and erased there', async () => {
    const t = await tenantOnBoth('legacy');
    await redis.hdel(keys.tenant(t.id), 'inc'); // as a record written before the field existed
    await trafficAt(a, t.id, old, 9);
    expect((await a.app.get(ArchiveJob).run(Date.now()))?.archived).toBeGreaterThan(0);
    expect(await redis.exists(historyKeys.hour(t.id, old))).toBe(0); // read from the cold store now
    const left = await coldLeft(t.id);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((item) => item.startsWith(`${t.id} `))).toBe(true);
    const res = await request<{ series: { messages: number }[] }>(a.url, 'GET', '/api/v1/metrics/analytics?period=7d', {
      key: t.apiKey,
    });
    expect(res.body.series.reduce((n, p) => n + p.messages, 0)).toBe(3 * 9);
    const receipt = await erase(a, t.id);
    expect(receipt.body).toMatchObject({ removed: { coldItems: left.length }, remaining: 0 });
    expect(await coldLeft(t.id)).toEqual([]);
  });

  it('(10) two deployments sharing a table keep the same tenant id apart; a re-created id reads nothing of an erased one', async () => {
    const c = await startPulse(
      testOptions({
        rollupIntervalMs: 3_600_000,
        coldStore: { table, endpoint: dynamo.endpoint, createTable: true, hotHistoryHours: 48 },
      }),
    );
    try {
      const id = uniqueTenantId('shared');
      const ta = await createTenant(a.url, id, 'enterprise');
      const tc = await createTenant(c.url, id, 'enterprise');
      await trafficAt(a, id, old, 40);
      await trafficAt(c, id, old, 7);
      expect((await a.app.get(ArchiveJob).run(Date.now()))?.archived).toBeGreaterThan(0);
      expect((await c.app.get(ArchiveJob).run(Date.now()))?.archived).toBeGreaterThan(0);
      const week = async (pulse: RunningPulse, key: string) => {
        const res = await request<{ series: { messages: number }[] }>(
          pulse.url,
          'GET',
          '/api/v1/metrics/analytics?period=7d',
          {
            key,
          },
        );
        expect(res.status).toBe(200);
        return res.body.series.reduce((n, p) => n + p.messages, 0);
      };
      expect(await week(a, ta.apiKey)).toBe(3 * 40);
      expect(await week(c, tc.apiKey)).toBe(3 * 7);
      // Erasing c's tenant leaves a's items; c's id created again starts empty.
      expect((await erase(c, id)).status).toBe(200);
      expect(await week(a, ta.apiKey)).toBe(3 * 40);
      const again = await createTenant(c.url, id, 'enterprise');
      expect(await week(c, again.apiKey)).toBe(0);
      expect((await erase(c, id)).status).toBe(200);
      expect((await erase(a, id)).status).toBe(200);
      expect(await coldLeft(id)).toEqual([]);
    } finally {
      await c.close();
      await deletePrefix(SHARED_REDIS, c.options.redis.keyPrefix);
    }
  }, 60_000);
});
