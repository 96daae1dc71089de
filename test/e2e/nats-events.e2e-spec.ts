import { connect, type NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import { createUser } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnomalyDetectionJob } from '../../src/anomalies/anomaly-detection.job.js';
import { NatsEventsService } from '../../src/nats-events/nats-events.service.js';
import { RedisKeys } from '../../src/redis/redis-keys.js';
import { HistoryKeys } from '../../src/history/history-keys.js';
import { Redis } from 'ioredis';
import { pulseConnectionName } from '../../src/sdk/index.js';
import { heartbeat, sendHeartbeat } from '../support/heartbeats.js';
import { type CreatedTenant, createTenant, request } from '../support/http.js';
import { SYSTEM_USER_PERMISSIONS } from '../support/nats-system.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
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

interface Connection {
  key: string;
  clientId: string | null;
  by: string;
  verified: boolean;
  name: string | null;
  state: string;
  reason?: string;
  sent?: { msgs: number; bytes: number };
}
interface ConnectionsBody {
  enabled: boolean;
  summary: { connected: number; withoutSdk: number; connectedSilent: number; unverified: number } | null;
  connections: Connection[];
}
interface ClientRow {
  clientId: string;
  status: string;
  connection: {
    state: string;
    silent: boolean;
    reason: string | null;
    sent: { msgs: number } | null;
    lang: string | null;
  };
}

/**
 * A private nats-server with a system account and two tenants' identities (an nkey and a user for
 * one, a user for the other), written by the test; Pulse joins the server's view to presence.
 */
describe('What the NATS server knows: connections, failed logins, per tenant (private nats-server)', () => {
  const appNkey = createUser();
  let server: ServerProcess;
  let url: string;
  let pulse: RunningPulse;
  let a: CreatedTenant;
  let b: CreatedTenant;
  const open: NatsConnection[] = [];
  const HOUR = 3_600_000;
  let clock = Date.now();

  beforeAll(async () => {
    server = await startNatsServer(`
accounts {
  # The least privilege the README documents for Pulse's system user.
  SYS {
    users = [
      {
        user: sys, password: sys-secret
        ${SYSTEM_USER_PERMISSIONS}
      }
    ]
  }
  APP {
    users = [
      { user: pulse, password: pulse-secret }
      { user: alice, password: alice-secret }
      { user: bob, password: bob-secret }
      # Any NATS user, registered by no tenant.
      { user: mallory, password: mallory-secret }
      { nkey: ${appNkey.getPublicKey()} }
    ]
  }
}
system_account: SYS
`);
    url = `nats://127.0.0.1:${server.port}`;
    pulse = await startPulse(
      testOptions({
        nats: { servers: [url], user: 'pulse', password: 'pulse-secret', queueGroup: 'pulse', connectTimeoutMs: 3000 },
        natsSystem: { user: 'sys', password: 'sys-secret', pollIntervalMs: 1000 },
        heartbeatTimeoutMs: 1500,
        offlineCheckIntervalMs: 250,
        anomalyWindowMs: HOUR,
      }),
    );
    a = await createTenant(pulse.url, uniqueTenantId('sys-a'), 'enterprise');
    b = await createTenant(pulse.url, uniqueTenantId('sys-b'), 'enterprise');
    const identities = async (id: string, natsIdentities: object) =>
      expect(
        (await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY, body: { natsIdentities } }))
          .status,
      ).toBe(200);
    await identities(a.id, { users: ['alice'], nkeys: [appNkey.getPublicKey()] });
    await identities(b.id, { users: ['bob'] });
    // An identity names one tenant.
    const taken = await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${b.id}`, {
      key: ADMIN_KEY,
      body: { natsIdentities: { users: ['bob', 'alice'] } },
    });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).toContain('user alice');
    expect(taken.body).toMatchObject({ code: 'NATS_IDENTITY_TAKEN' });
    const invalid = await request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${b.id}`, {
      key: ADMIN_KEY,
      body: { natsIdentities: { nkeys: ['not-a-key'] } },
    });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain('natsIdentities.nkeys');
    // The detector's first window for each tenant (it records where counting starts).
    await pulse.app.get(AnomalyDetectionJob).run((clock += HOUR));
  });

  afterAll(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await pulse?.close();
    await server?.kill();
    if (pulse) await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  const connections = async (t: CreatedTenant, state = 'open') =>
    (await request<ConnectionsBody>(pulse.url, 'GET', `/api/v1/metrics/connections?state=${state}`, { key: t.apiKey }))
      .body;
  const clients = async (t: CreatedTenant) =>
    (await request<{ clients: ClientRow[] }>(pulse.url, 'GET', '/api/v1/metrics/presence', { key: t.apiKey })).body
      .clients;

  it('a connection that never heartbeats shows as connected without the SDK, for its tenant only', async () => {
    const seed = appNkey.getSeed();
    const bare = await connect({ servers: url, authenticator: nkeyAuthenticator(seed) });
    open.push(bare);
    const mine = await waitFor(
      () => connections(a),
      (c) => c.connections.some((x) => x.by === 'nkey'),
    );
    expect(mine.enabled).toBe(true);
    expect(mine.connections.find((x) => x.by === 'nkey')).toMatchObject({ clientId: null, state: 'connected' });
    expect(mine.summary!.withoutSdk).toBeGreaterThanOrEqual(1);
    expect((await connections(b)).connections, JSON.stringify(await connections(b))).toEqual([]);
    // What the events missed (here: forgotten), the poll of the server's connections fills in.
    const keys = new RedisKeys(pulse.options.redis.keyPrefix);
    const redis = new Redis(SHARED_REDIS);
    try {
      const k = (p: Parameters<RedisKeys['connections']>[1]) => keys.connections(a.id, p);
      await redis.del(k(''), k('open'), k('nosdk'));
      expect((await connections(a)).connections).toEqual([]);
      expect(await pulse.app.get(NatsEventsService).run()).not.toBeNull();
      // The poll's writes may ride on a timer flush already under way: waited for, bounded.
      const restored = await waitFor(
        () => connections(a),
        (body) => body.connections.length > 0,
        { timeoutMs: 5000 },
      );
      expect(restored.connections.filter((x) => x.by === 'nkey')).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
    // The basic tier's summary counts connections too (presence summary, all tiers).
    const presence = await request<{ connections: { connected: number } }>(
      pulse.url,
      'GET',
      '/api/v1/metrics/presence',
      {
        key: a.apiKey,
      },
    );
    expect(presence.body.connections.connected).toBeGreaterThanOrEqual(1);
  });

  it('a client that heartbeats then hangs becomes connected-but-silent; its disconnect shows the reason and counts', async () => {
    const events: { type: string; clientId: string | null }[] = [];
    const watcher = await connect({ servers: url, user: 'pulse', pass: 'pulse-secret' });
    open.push(watcher);
    watcher.subscribe(`_PULSE.tenant.${a.id}.presence`, {
      callback: (_e, m) => void events.push(m.json<{ type: string; clientId: string | null }>()),
    });
    await watcher.flush();
    // A connection named as a client the tenant never had (no heartbeat, no presence row): it
    // opens and closes, and must leave no timeline key behind.
    const madeUp = await connect({
      servers: url,
      user: 'alice',
      pass: 'alice-secret',
      name: pulseConnectionName(a.id, 'made-up-7'),
    });
    await madeUp.close();
    const app = await connect({
      servers: url,
      user: 'alice',
      pass: 'alice-secret',
      name: pulseConnectionName(a.id, 'app-1'),
    });
    for (let i = 0; i < 3; i++) {
      sendHeartbeat(app, a.id, 'app-1', heartbeat(a.id, 'app-1'));
      await app.flush();
      await new Promise((r) => setTimeout(r, 200));
    }
    const online = await waitFor(
      () => clients(a),
      (cs) => cs.some((c) => c.clientId === 'app-1' && c.status === 'healthy' && c.connection.state === 'connected'),
    );
    expect(online.find((c) => c.clientId === 'app-1')!.connection).toMatchObject({ silent: false, lang: 'nats.js' });
    // It hangs: the connection stays open, heartbeats stop; after the timeout it is offline and connected.
    const silent = await waitFor(
      () => clients(a),
      (cs) => cs.some((c) => c.clientId === 'app-1' && c.status === 'offline'),
      { timeoutMs: 10_000 },
    );
    expect(silent.find((c) => c.clientId === 'app-1')!.connection, JSON.stringify(silent)).toMatchObject({
      state: 'connected',
      silent: true,
    });
    expect((await connections(a)).summary!.connectedSilent).toBe(1);
    await app.close();
    const closed = await waitFor(
      () => clients(a),
      (cs) => cs.some((c) => c.clientId === 'app-1' && c.connection.state === 'disconnected'),
    );
    const gone = closed.find((c) => c.clientId === 'app-1')!.connection;
    // The server's word for a client that closed: `Client Closed`, or `Read Error` when the socket
    // went before the server read the close (seen on a loaded CI machine).
    expect(['Client Closed', 'Read Error']).toContain(gone.reason);
    expect(gone.sent!.msgs).toBeGreaterThanOrEqual(3);
    expect((await connections(a)).summary!.connectedSilent).toBe(0);
    expect(
      (await connections(a, 'closed')).connections.some((c) => c.clientId === 'app-1' && c.reason === gone.reason),
    ).toBe(true);
    await waitFor(
      async () => events.map((e) => `${e.type}:${e.clientId}`),
      (seen) => seen.includes('connected:app-1') && seen.includes('disconnected:app-1'),
    );
    // The client's page shows its connection opening and closing in its timeline (it has a presence row)...
    await waitFor(
      async () =>
        (
          await request<{ timeline: { type: string }[] }>(pulse.url, 'GET', '/api/v1/metrics/clients/app-1', {
            key: a.apiKey,
          })
        ).body.timeline.map((e) => e.type),
      (types) => types.includes('disconnected') && types.includes('connected'),
    );
    // ...written after the made-up name's events, which left no key.
    const redis = new Redis(SHARED_REDIS);
    try {
      const keys = new RedisKeys(pulse.options.redis.keyPrefix);
      expect(await redis.exists(keys.clientTimeline(a.id, 'made-up-7'))).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it("a name is only a hint by default: any NATS user naming itself as an unregistered tenant's client is listed unverified, takes no client row, feeds no churn", async () => {
    const c = await createTenant(pulse.url, uniqueTenantId('sys-c'), 'enterprise');
    const events: { type: string }[] = [];
    const watcher = await connect({ servers: url, user: 'pulse', pass: 'pulse-secret' });
    open.push(watcher);
    watcher.subscribe(`_PULSE.tenant.${c.id}.presence`, { callback: (_e, m) => void events.push(m.json()) });
    // The tenant's own client heartbeats (over Pulse's connection here): it has a presence row.
    await waitFor(
      async () => {
        sendHeartbeat(watcher, c.id, 'app-9', heartbeat(c.id, 'app-9'));
        await watcher.flush();
        return clients(c);
      },
      (cs) => cs.some((x) => x.clientId === 'app-9'),
    );
    // Five connections of a user no tenant registered, named as that client.
    for (let i = 0; i < 5; i++) {
      open.push(
        await connect({
          servers: url,
          user: 'mallory',
          pass: 'mallory-secret',
          name: pulseConnectionName(c.id, 'app-9'),
        }),
      );
    }
    const listed = await waitFor(
      () => connections(c),
      (body) => body.connections.length >= 5,
    );
    expect(listed.connections).toHaveLength(5);
    for (const x of listed.connections)
      expect(x).toMatchObject({ by: 'name', verified: false, clientId: null, name: `pulse:${c.id}:app-9` });
    expect(listed.summary).toEqual({ connected: 0, withoutSdk: 0, connectedSilent: 0, unverified: 5 });
    // The client's row is not taken over, and no counter the anomaly rules read moved.
    expect((await clients(c)).find((x) => x.clientId === 'app-9')!.connection.state).toBe('unknown');
    await pulse.app.get(NatsEventsService).flush();
    const redis = new Redis(SHARED_REDIS);
    try {
      const totals = await redis.hgetall(new HistoryKeys(pulse.options.redis.keyPrefix).totals(c.id));
      expect(Number(totals.na_cn ?? 0)).toBe(0);
    } finally {
      redis.disconnect();
    }
    await watcher.flush();
    expect(events.filter((e) => e.type === 'connected' || e.type === 'disconnected')).toEqual([]);
    // Verified connections say so.
    expect((await connections(a)).connections.every((x) => x.verified)).toBe(true);
  });

  it("five failed logins with a tenant's identity open one security anomaly for that tenant only", async () => {
    for (let i = 0; i < 5; i++) {
      await expect(
        connect({ servers: url, user: 'alice', pass: 'wrong', maxReconnectAttempts: 0, reconnect: false }),
      ).rejects.toThrow();
    }
    const service = pulse.app.get(NatsEventsService);
    const totals = async () => {
      await service.flush();
      return (
        await request<{ pulse: { natsSystem: { state: string } } }>(pulse.url, 'GET', '/api/v1/metrics/health-check', {
          key: a.apiKey,
        })
      ).body;
    };
    expect((await totals()).pulse.natsSystem.state).toBe('connected');
    // The five advisories arrive (counted on the tenant's totals), then the window closes.
    const redis = new Redis(SHARED_REDIS);
    try {
      const totalsKey = new HistoryKeys(pulse.options.redis.keyPrefix).totals(a.id);
      await waitFor(
        async () => {
          await service.flush();
          return Number(await redis.hget(totalsKey, 'na_af'));
        },
        (n) => n >= 5,
      );
    } finally {
      redis.disconnect();
    }
    await pulse.app.get(AnomalyDetectionJob).run((clock += HOUR));
    const anomalies = async (t: CreatedTenant) =>
      (
        await request<{
          anomalies: { type: string; details: { authFailures?: number; lastHourBySource?: unknown } }[];
        }>(pulse.url, 'GET', '/api/v1/metrics/anomalies?hours=720', { key: t.apiKey })
      ).body.anomalies;
    const security = (await anomalies(a)).filter((x) => x.type === 'security');
    expect(security).toHaveLength(1);
    expect(security[0].details.authFailures).toBe(5);
    // Broken down by identity and source.
    expect(security[0].details.lastHourBySource).toEqual([{ identity: 'alice', source: '127.0.0.1', count: 5 }]);
    expect((await anomalies(b)).filter((x) => x.type === 'security')).toEqual([]);
    // The operator sees the system connection and what matched no tenant (Pulse's own connections).
    const metrics = await (
      await fetch(`${pulse.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();
    expect(metrics).toContain('pulse_nats_system_connected 1');
    expect(Number(/pulse_nats_system_events_total\{outcome="unmatched"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
});

describe('without a system account', () => {
  it('is off, says so, and errs nowhere', async () => {
    const pulse = await startPulse(testOptions());
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('sys-off'), 'professional');
      const c = await request<ConnectionsBody>(pulse.url, 'GET', '/api/v1/metrics/connections', { key: t.apiKey });
      expect(c.body).toMatchObject({ enabled: false, summary: null, connections: [] });
      const health = await request<{ pulse: { natsSystem: { state: string; detail: string } } }>(
        pulse.url,
        'GET',
        '/api/v1/metrics/health-check',
        { key: t.apiKey },
      );
      expect(health.body.pulse.natsSystem.state).toBe('off');
      expect(health.body.pulse.natsSystem.detail).toContain('NATS_SYSTEM');
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });
});

describe('an identity names one tenant, under concurrency (real Redis)', () => {
  it('of 12 tenants registering one identity at once exactly one wins; dropping or deleting frees it', async () => {
    const pulse = await startPulse(testOptions());
    try {
      const tenants = await Promise.all(
        Array.from({ length: 12 }, (_, i) => createTenant(pulse.url, uniqueTenantId(`ident-${i}`), 'enterprise')),
      );
      const user = `shared-${uniqueTenantId('user')}`;
      const patch = (id: string, natsIdentities: object) =>
        request(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY, body: { natsIdentities } });
      const answers = await Promise.all(tenants.map((t) => patch(t.id, { users: [user] })));
      const winners = tenants.filter((_, i) => answers[i].status === 200);
      expect(winners).toHaveLength(1);
      expect(answers.filter((r) => r.status === 409)).toHaveLength(11);
      expect(answers.find((r) => r.status === 409)?.body.message).toContain(`user ${user} already belongs to tenant`);
      // Concurrent creates of new tenants with one nkey: one.
      const nkey = createUser().getPublicKey();
      const created = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          request(pulse.url, 'POST', '/api/v1/admin/tenants', {
            key: ADMIN_KEY,
            body: { id: uniqueTenantId(`ident-new-${i}`), tier: 'enterprise', natsIdentities: { nkeys: [nkey] } },
          }),
        ),
      );
      expect(created.filter((r) => r.status === 201)).toHaveLength(1);
      expect(created.filter((r) => r.status === 409)).toHaveLength(7);
      // The winner drops the user: another tenant can take it; deleting that one frees it again.
      const [winner] = winners;
      const other = tenants.find((t) => t.id !== winner.id)!;
      const third = tenants.find((t) => t.id !== winner.id && t.id !== other.id)!;
      expect((await patch(winner.id, { users: [] })).status).toBe(200);
      expect((await patch(other.id, { users: [user] })).status).toBe(200);
      expect((await patch(third.id, { users: [user] })).status).toBe(409);
      expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${other.id}`, { key: ADMIN_KEY })).status).toBe(
        200,
      );
      expect((await patch(third.id, { users: [user] })).status).toBe(200);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });
});

describe("a tenant's own NATS account and limits (admin, real Redis)", () => {
  it('an account names one tenant, as natsAccount or in natsIdentities.accounts; limits merge field by field', async () => {
    const pulse = await startPulse(testOptions());
    try {
      const [a, b] = await Promise.all([
        createTenant(pulse.url, uniqueTenantId('acct-a'), 'enterprise'),
        createTenant(pulse.url, uniqueTenantId('acct-b'), 'enterprise'),
      ]);
      const patch = (id: string, body: object) =>
        request<Record<string, unknown>>(pulse.url, 'PATCH', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY, body });
      const account = `A${createUser().getPublicKey().slice(1)}`;
      const mine = await patch(a.id, { natsAccount: account, limits: { connections: 5, payload: 1024 } });
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ natsAccount: account, limits: { connections: 5, payload: 1024, data: null } });
      // Neither as another tenant's natsAccount nor among its natsIdentities.accounts.
      const taken = await patch(b.id, { natsAccount: account });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ code: 'NATS_IDENTITY_TAKEN' });
      expect(String(taken.body.message)).toContain(`natsAccount: account ${account} already belongs to tenant ${a.id}`);
      const listed = await patch(b.id, { natsIdentities: { accounts: [account] } });
      expect(listed.status).toBe(409);
      expect(String(listed.body.message)).toContain(`natsIdentities: account ${account}`);
      // Nor the other way round: a's natsAccount may not be an account b lists.
      expect((await patch(b.id, { natsIdentities: { accounts: ['SHARED_B'] } })).status).toBe(200);
      expect((await patch(a.id, { natsAccount: 'SHARED_B' })).status).toBe(409);
      // Limits merge: absent unchanged, null cleared.
      const merged = await patch(a.id, { limits: { payload: null, jetstreamStreams: 3 } });
      expect(merged.body.limits).toMatchObject({ connections: 5, payload: null, jetstreamStreams: 3 });
      const read = await request<Record<string, unknown>>(pulse.url, 'GET', `/api/v1/admin/tenants/${a.id}`, {
        key: ADMIN_KEY,
      });
      expect(read.body).toMatchObject({ natsAccount: account, limits: { connections: 5, jetstreamStreams: 3 } });
      const bad = await patch(a.id, { limits: { connections: 0 } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('limits.connections');
      // Clearing the account frees it; so does deleting its tenant.
      expect((await patch(a.id, { natsAccount: null })).status).toBe(200);
      expect((await patch(b.id, { natsAccount: account })).status).toBe(200);
      expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${b.id}`, { key: ADMIN_KEY })).status).toBe(
        200,
      );
      expect((await patch(a.id, { natsAccount: account })).status).toBe(200);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    }
  });
});
