import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartbeatService } from '../../src/heartbeat/heartbeat.service.js';
import { HeartbeatSubscriber } from '../../src/heartbeat/heartbeat-subscriber.js';
import { OfflineDetector } from '../../src/heartbeat/offline-detector.job.js';
import type { PresenceEvent } from '../../src/heartbeat/presence-events.publisher.js';
import type { ClientPresence, PresenceSummary } from '../../src/heartbeat/presence.repository.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';

/** The JSON form of ClientPresence. */
type Client = ClientPresence & { lastSeen: string };
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { publisher } from '../support/traffic.js';

interface Presence {
  summary: PresenceSummary;
  clients?: Client[];
  nextCursor?: string | null;
}

const TIMEOUT_MS = 1500;

describe('heartbeats and presence (real NATS and Redis)', () => {
  const options = testOptions({ heartbeatTimeoutMs: TIMEOUT_MS, offlineCheckIntervalMs: 250 });
  let a: RunningPulse;
  let b: RunningPulse;
  let nc: NatsConnection;
  let redis: Redis;
  const keys = new RedisKeys(options.redis.keyPrefix);

  const presence = async (t: CreatedTenant, query = '') =>
    (await request<Presence>(a.url, 'GET', `/api/v1/metrics/presence${query}`, { key: t.apiKey })).body;
  /** The tenant's own heartbeat rejection counts, as its health-check shows them. */
  const rejectedOf = async (t: CreatedTenant) =>
    (
      await request<{ heartbeats: { rejected: Record<string, number> } }>(
        a.url,
        'GET',
        '/api/v1/metrics/health-check',
        { key: t.apiKey },
      )
    ).body.heartbeats.rejected;

  async function activeTenant(tier: 'basic' | 'professional' | 'enterprise', label: string): Promise<CreatedTenant> {
    const t = await createTenant(a.url, uniqueTenantId(label), tier);
    await waitFor(async () => [a, b].every((p) => !p || p.app.get(TenantDirectory).get(t.id)), Boolean);
    return t;
  }

  function collectEvents(tenantId: string): { events: PresenceEvent[]; sub: Subscription } {
    const events: PresenceEvent[] = [];
    const sub = nc.subscribe(`_PULSE.tenant.${tenantId}.presence`, {
      callback: (_e, m) => void events.push(m.json<PresenceEvent>()),
    });
    return { events, sub };
  }

  beforeAll(async () => {
    a = await startPulse(options);
    b = await startPulse(options);
    nc = await publisher();
    redis = new Redis(SHARED_REDIS);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await nc?.close();
    redis?.disconnect();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('clients appear online with their metrics; two instances process each heartbeat once', async () => {
    const t = await activeTenant('professional', 'online');
    const before = [a, b].map((p) => p.app.get(HeartbeatService).stats().accepted);
    for (let i = 0; i < 40; i++) {
      sendHeartbeat(
        nc,
        t.id,
        `c${i % 4}`,
        heartbeat(t.id, `c${i % 4}`, {
          metrics: { messages_sent: i, messages_received: 2 * i, errors: 0, uptime_seconds: i },
        }),
      );
    }
    await nc.flush();
    // Heartbeats of one client come 30 s apart in real life; the last one, sent later, wins.
    await new Promise((r) => setTimeout(r, 50));
    sendHeartbeat(
      nc,
      t.id,
      'c3',
      heartbeat(t.id, 'c3', { metrics: { messages_sent: 99, messages_received: 198, errors: 1, uptime_seconds: 60 } }),
    );
    await nc.flush();
    const p = await waitFor(
      () => presence(t),
      (r) => r.summary.online === 4 && r.clients!.find((c) => c.clientId === 'c3')?.metrics.messagesSent === 99,
    );
    expect(p.summary).toEqual({ online: 4, healthy: 4, degraded: 0, unhealthy: 0, offline: 0, total: 4 });
    const c3 = p.clients!.find((c) => c.clientId === 'c3')!;
    expect(c3.metrics).toEqual({ messagesSent: 99, messagesReceived: 198, errors: 1, uptimeSeconds: 60 });
    const after = [a, b].map((x) => x.app.get(HeartbeatService).stats().accepted);
    expect(after[0] - before[0] + (after[1] - before[1])).toBe(41);
    // They came through the one door (HeartbeatSubscriber hands them to HeartbeatService), not through Nest's handler chain.
    const received = [a, b].map((x) => x.app.get(HeartbeatSubscriber).receivedCount());
    expect(received[0] + received[1]).toBeGreaterThanOrEqual(41);
    expect(c3).toMatchObject({ clientId: 'c3', status: 'healthy', online: true });
    expect(Date.parse(c3.lastSeen)).toBeGreaterThan(Date.now() - 10_000);
    expect(c3.connectedSince).not.toBeNull();
    const realtime = await request<{ clients: { active: number; total: number } }>(
      a.url,
      'GET',
      '/api/v1/metrics/realtime',
      { key: t.apiKey },
    );
    expect(realtime.body.clients).toEqual({ active: 4, total: 4 });
  });

  it('a silent client goes offline after the timeout while a live one stays; transitions are published once', async () => {
    const t = await activeTenant('enterprise', 'offline');
    const { events, sub } = collectEvents(t.id);
    await nc.flush();
    sendHeartbeat(nc, t.id, 'silent');
    sendHeartbeat(nc, t.id, 'live');
    const keepAlive = setInterval(() => sendHeartbeat(nc, t.id, 'live'), 300);
    let keepSilent: NodeJS.Timeout | undefined;
    try {
      await waitFor(
        () => presence(t),
        (r) => r.summary.online === 2,
      );
      const offline = await waitFor(
        () => presence(t),
        (r) => r.summary.offline === 1,
        { timeoutMs: 6000 },
      );
      expect(offline.summary).toMatchObject({ online: 1, offline: 1, total: 2 });
      const silent = offline.clients!.find((c) => c.clientId === 'silent')!;
      expect(silent).toMatchObject({ status: 'offline', online: false, connectedSince: null });
      expect(offline.clients!.find((c) => c.clientId === 'live')).toMatchObject({ status: 'healthy', online: true });

      // Back online, then a status change. It keeps heartbeating from now on, so that a slow
      // machine (or the 250 ms shared presence read) cannot let it time out again in between.
      let status: 'degraded' | 'unhealthy' = 'degraded';
      const beat = () => sendHeartbeat(nc, t.id, 'silent', heartbeat(t.id, 'silent', { status }));
      beat();
      keepSilent = setInterval(beat, 300);
      await waitFor(
        () => presence(t),
        (r) => r.summary.offline === 0 && r.summary.degraded === 1,
      );
      status = 'unhealthy';
      beat();
      await waitFor(
        async () => events.length,
        (n) => n >= 5,
      );
      // Give a duplicate the chance to show up.
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      clearInterval(keepAlive);
      clearInterval(keepSilent);
      sub.unsubscribe();
    }
    const forSilent = events.filter((e) => e.clientId === 'silent').map((e) => [e.type, e.status, e.previousStatus]);
    expect(forSilent).toEqual([
      ['online', 'healthy', null],
      ['offline', 'offline', 'healthy'],
      ['online', 'degraded', 'offline'],
      ['status_changed', 'unhealthy', 'degraded'],
    ]);
    expect(events.filter((e) => e.clientId === 'live').map((e) => e.type)).toEqual(['online']);
    for (const e of events) {
      expect(e.tenantId).toBe(t.id);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
  });

  it('rejects spoofed, malformed, negative, far-future and unknown-tenant heartbeats, changing nothing', async () => {
    const t = await activeTenant('professional', 'reject');
    const other = await activeTenant('professional', 'victim');
    const ghost = uniqueTenantId('ghost');
    const unknownBefore = [a, b].reduce(
      (n, p) => n + (p.app.get(HeartbeatService).stats().rejected.unknown_tenant ?? 0),
      0,
    );
    const bad: [string, string, unknown][] = [
      [t.id, 'c1', heartbeat(other.id, 'c1')], // body claims another tenant
      [t.id, 'c1', heartbeat(t.id, 'c2')], // body claims another client
      [t.id, 'c1', '{not json'],
      [t.id, 'c1', '[1,2,3]'],
      [
        t.id,
        'c1',
        heartbeat(t.id, 'c1', { metrics: { messages_sent: -1, messages_received: 0, errors: 0, uptime_seconds: 0 } }),
      ],
      [
        t.id,
        'c1',
        heartbeat(t.id, 'c1', { metrics: { messages_sent: 1.5, messages_received: 0, errors: 0, uptime_seconds: 0 } }),
      ],
      [t.id, 'c1', heartbeat(t.id, 'c1', { status: 'sleepy' })],
      [t.id, 'c1', heartbeat(t.id, 'c1', { timestamp: 'yesterday' })],
      // Both passed HeartbeatDto and reached Redis as non-numbers (an array's Lua call failed).
      [t.id, 'c1', { ...heartbeat(t.id, 'c1'), metrics: [] }],
      [t.id, 'c1', heartbeat(t.id, 'c1', { timestamp: '2026-W48-6' })],
      [t.id, 'c1', heartbeat(t.id, 'c1', { timestamp: new Date(Date.now() + 3_600_000).toISOString() })],
      [ghost, 'c1', heartbeat(ghost, 'c1')],
      [ghost, 'c2', heartbeat(ghost, 'c2')],
    ];
    for (const [tenantId, clientId, body] of bad) sendHeartbeat(nc, tenantId, clientId, body);
    nc.publish(`_HEARTBEAT.tenant.${t.id}.client.c1`, new Uint8Array([0xff, 0xfe, 0x00]));
    await nc.flush();

    const expected = { subject_mismatch: 2, invalid_json: 3, schema: 6, future_timestamp: 1 };
    const health = await waitFor(
      async () =>
        (
          await request<{ heartbeats: { rejected: Record<string, number> } }>(
            a.url,
            'GET',
            '/api/v1/metrics/health-check',
            { key: t.apiKey },
          )
        ).body,
      (h) =>
        JSON.stringify(h.heartbeats.rejected) === JSON.stringify({ ...h.heartbeats.rejected, ...expected }) &&
        Object.values(h.heartbeats.rejected).reduce((x, y) => x + y, 0) === 12,
    );
    expect(health.heartbeats.rejected).toEqual(expected);
    // The rejection counters expire with the tenant's history (they had no expiry).
    expect(await redis.ttl(keys.heartbeatRejections(t.id))).toBeGreaterThan(0);
    const unknownAfter = [a, b].reduce(
      (n, p) => n + (p.app.get(HeartbeatService).stats().rejected.unknown_tenant ?? 0),
      0,
    );
    // At least the ghost's two: test files running beside this one on the shared NATS publish
    // heartbeats for tenants these instances do not know, and those count here too.
    expect(unknownAfter - unknownBefore).toBeGreaterThanOrEqual(2);
    // Nothing changed: no client for either tenant, no state for the made-up tenant.
    expect((await presence(t)).summary.total).toBe(0);
    expect((await presence(other)).summary.total).toBe(0);
    expect(await redis.keys(`${options.redis.keyPrefix}:{t:${ghost}}*`.replace(/[{}]/g, '\\$&'))).toEqual([]);
    // The victim's health shows nothing of the attacker's attempts on the other subject.
    const victim = await request<{ heartbeats: { rejected: Record<string, number> } }>(
      a.url,
      'GET',
      '/api/v1/metrics/health-check',
      { key: other.apiKey },
    );
    expect(victim.body.heartbeats.rejected).toEqual({});
  });

  it('counts a bad client id on a known tenant’s own subject as that tenant’s invalid_subject', async () => {
    const t = await activeTenant('professional', 'badclient');
    const other = await activeTenant('professional', 'bystander');
    // (`a.b` is not here: two tokens never match the subscription's `client.*`, so it never arrives.)
    const clients = ['a+b', 'x'.repeat(65), 'é', 'a$b'];
    for (const c of clients) sendHeartbeat(nc, t.id, c, heartbeat(t.id, 'c1'));
    await nc.flush();
    const rejected = await waitFor(
      () => rejectedOf(t),
      (r) => (r.invalid_subject ?? 0) >= clients.length,
      { timeoutMs: 5000 },
    );
    expect(rejected).toEqual({ invalid_subject: clients.length });
    expect(await rejectedOf(other)).toEqual({});
    expect((await presence(t)).summary.total).toBe(0);
  });

  it('only one instance runs the detector at a time', async () => {
    const results = await Promise.all([a, b].map((p) => p.app.get(OfflineDetector).run()));
    expect(results.filter((r) => r !== null).length).toBeLessThanOrEqual(1);
    // Runs are serialised, never concurrent: retrying until one gets the lock works.
    const ran = await waitFor(
      () => a.app.get(OfflineDetector).run(),
      (r) => r !== null,
    );
    expect(ran).not.toBeNull();
  });

  it('forgets offline clients after the tenant retention (basic: 1 day), keeps them before', async () => {
    const t = await activeTenant('basic', 'retention');
    sendHeartbeat(nc, t.id, 'old');
    await nc.flush();
    await waitFor(
      () => presence(t),
      (r) => r.summary.total === 1,
    );
    const detector = a.app.get(OfflineDetector);
    const runAt = async (now: number) =>
      waitFor(
        () => detector.run(now),
        (r) => r !== null,
      );
    await runAt(Date.now() + 12 * 3_600_000); // half a day later: offline, still retained
    // Presence reads are shared for SHARED_VIEW_MS: the change shows within that.
    const offline = await waitFor(
      () => presence(t),
      (r) => r.summary.offline === 1,
    );
    expect(offline.summary).toMatchObject({ offline: 1, total: 1 });
    const pass = await runAt(Date.now() + 25 * 3_600_000); // past a day: forgotten
    expect(pass!.forgotten).toBeGreaterThanOrEqual(1);
    const forgotten = await waitFor(
      () => presence(t),
      (r) => r.summary.total === 0,
    );
    expect(forgotten.summary).toMatchObject({ offline: 0, total: 0 });
    expect(await redis.exists(keys.client(t.id, 'old'))).toBe(0);
  });

  it('a client clock minutes ahead, then stepped back, does not freeze the client: later heartbeats still count', async () => {
    const t = await activeTenant('basic', 'clock');
    const status = () => redis.hget(keys.client(t.id, 'app'), 'status');
    sendHeartbeat(
      nc,
      t.id,
      'app',
      heartbeat(t.id, 'app', { timestamp: new Date(Date.now() + 4 * 60_000).toISOString() }),
    );
    await nc.flush();
    expect(await waitFor(status, (v) => v === 'healthy')).toBe('healthy');
    // Past the reordering window, a heartbeat stamped by a clock 4 minutes behind the last one is newer.
    await new Promise((r) => setTimeout(r, 5500));
    sendHeartbeat(nc, t.id, 'app', heartbeat(t.id, 'app', { status: 'degraded' }));
    await nc.flush();
    expect(await waitFor(status, (v) => v === 'degraded')).toBe('degraded');
  }, 20_000);

  it('computes deltas from cumulative metrics, treating a decrease as a restart', async () => {
    const t = await activeTenant('basic', 'deltas');
    const send = async (sent: number, received: number, errors: number) => {
      sendHeartbeat(
        nc,
        t.id,
        'app',
        heartbeat(t.id, 'app', {
          metrics: { messages_sent: sent, messages_received: received, errors, uptime_seconds: 1 },
        }),
      );
      await nc.flush();
      await waitFor(
        async () => redis.hget(keys.client(t.id, 'app'), 'sent'),
        (v) => v === String(sent),
      );
      return redis.hmget(keys.client(t.id, 'app'), 'd_sent', 'd_received', 'd_errors');
    };
    expect(await send(10, 20, 1)).toEqual(['10', '20', '1']);
    expect(await send(15, 26, 1)).toEqual(['5', '6', '0']);
    expect(await send(3, 4, 2)).toEqual(['3', '4', '2']); // restarted: counters began again
  });

  it('pages through every client exactly once with an opaque cursor, with status and online filters', async () => {
    const t = await activeTenant('enterprise', 'pages');
    const ids = Array.from({ length: 250 }, (_, i) => `client-${String(i).padStart(3, '0')}`);
    for (const [i, id] of ids.entries()) {
      sendHeartbeat(nc, t.id, id, heartbeat(t.id, id, { status: i % 5 === 0 ? 'degraded' : 'healthy' }));
    }
    await nc.flush();
    await waitFor(
      () => presence(t),
      (r) => r.summary.total === 250,
    );

    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await presence(t, `?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.clients!.map((c) => c.clientId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const degraded = await presence(t, '?status=degraded&limit=1000');
    expect(degraded.clients!.map((c) => c.clientId)).toEqual(ids.filter((_, i) => i % 5 === 0));
    expect(degraded.nextCursor).toBeNull();
    const online = await presence(t, '?online=true&limit=1000');
    expect(online.clients).toHaveLength(250);
    const offline = await presence(t, '?online=false');
    expect(offline.clients).toEqual([]);
    const contradiction = await presence(t, '?online=false&status=healthy');
    expect(contradiction.clients).toEqual([]);

    const bad = await request(a.url, 'GET', '/api/v1/metrics/presence?cursor=bm90LW91cnM', { key: t.apiKey });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('cursor');
  });

  it('basic sees the summary only and gets 403 for the client list', async () => {
    const t = await activeTenant('basic', 'basicpresence');
    sendHeartbeat(nc, t.id, 'x');
    await nc.flush();
    const p = await waitFor(
      () => presence(t),
      (r) => r.summary.total === 1,
    );
    expect(p).not.toHaveProperty('clients');
    const list = await request(a.url, 'GET', '/api/v1/metrics/presence?status=healthy', { key: t.apiKey });
    expect(list.status).toBe(403);
    expect(list.body).toMatchObject({ requiredTier: 'professional', currentTier: 'basic' });
  });
});
