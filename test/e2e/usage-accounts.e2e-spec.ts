import { headers, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupJob } from '../../src/analytics/rollup.job.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { type Notification, signWebhook } from '../../src/alerting/notification.js';
import type { LimitName } from '../../src/common/limits.js';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { NatsEventsService } from '../../src/nats-events/nats-events.service.js';
import { LimitWatch } from '../../src/usage/limit-watch.job.js';
import { UsageMinuteJob } from '../../src/usage/usage-minute.job.js';
import type { LimitUtilisation, UsageAnswer, UsageFigures } from '../../src/usage/usage.types.js';
import { type CreatedTenant, request } from '../support/http.js';
import { type AccountLimits, type NatsAccount, OperatorNats } from '../support/operator-nats.js';
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
import { HttpReceiver } from '../support/receivers.js';

/**
 * Tenant A's account JWT. `conn` is 10 while the fan-out needs 6 connections; the operator then
 * pushes a JWT with `conn: 5` (CLAIMS.UPDATE) for the connection limit. `subs` caps each
 * connection (nats-server 2.9.10).
 */
const A_LIMITS = {
  conn: 10,
  subs: 3,
  payload: 1000,
  data: 10_000_000,
  mem_storage: 1_000_000,
  disk_storage: 2_000_000,
  streams: 2,
  consumer: 3,
} satisfies AccountLimits;
/** Tenant B's: every value different from A's. */
const B_LIMITS = {
  conn: 20,
  subs: 7,
  payload: 2000,
  data: 5_000_000,
  mem_storage: 500_000,
  disk_storage: 700_000,
  streams: 4,
  consumer: 6,
} satisfies AccountLimits;

/** The JWT's limit names → Pulse's. */
const CLAIM_NAMES: [LimitName, keyof typeof A_LIMITS][] = [
  ['connections', 'conn'],
  ['subscriptions', 'subs'],
  ['payload', 'payload'],
  ['data', 'data'],
  ['jetstreamMemory', 'mem_storage'],
  ['jetstreamStorage', 'disk_storage'],
  ['jetstreamStreams', 'streams'],
  ['jetstreamConsumers', 'consumer'],
];

/** A's messages: 100 payload bytes and one header; the server counts both, no framing (NATS-FACTS). */
const PAYLOAD = 100;
const HEADER_BLOCK = 'NATS/1.0\r\nX-Order: 1\r\n\r\n';
const WIRE = PAYLOAD + HEADER_BLOCK.length;
const M = 20;
/** B's: 1 → 2 subscribers, N messages of 50 bytes, no header. */
const N = 7;
const B_PAYLOAD = 50;

interface WebhookBody {
  type: string;
  data: Notification;
}

/**
 * Issue #34's acceptance in the accounts shape: a private nats-server in operator/JWT mode
 * (operator, system account, Pulse's account, two tenant accounts with limits in their JWTs, a
 * MEMORY resolver: test/support/operator-nats.ts), real Pulse in-process on it with the harness'
 * least-privileged users, real Redis. Pulse runs its own polls and jobs at short intervals; the
 * test waits for what they publish through the API (and runs a job itself only to be sure one more
 * pass happened). The hourly export of a past hour (identical twice, totals equal to the history's)
 * needs an hour that has ended: usage-export.e2e-spec.ts covers it on seeded hours.
 */
describe('usage and limits per NATS account (operator/JWT mode): egress, fan-out, limits, alerts', () => {
  const aId = uniqueTenantId('acc-a');
  const bId = uniqueTenantId('acc-b');
  let nats: OperatorNats;
  let accountA: NatsAccount;
  let accountB: NatsAccount;
  let pulse: RunningPulse;
  let options: PulseOptions;
  let http: HttpReceiver;
  let a: CreatedTenant;
  let b: CreatedTenant;
  let secret = '';

  const usage = async (t: CreatedTenant): Promise<UsageAnswer> => {
    const res = await request<UsageAnswer>(pulse.url, 'GET', '/api/v1/metrics/usage', { key: t.apiKey });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const limitOf = (u: UsageAnswer, name: LimitName): LimitUtilisation => u.limits.find((l) => l.limit === name)!;
  /** Waits until the usage answer satisfies `done` (the polls, flushes and rollups run every second). */
  const usageWhen = (t: CreatedTenant, done: (u: UsageAnswer) => boolean) =>
    waitFor(() => usage(t), done, { timeoutMs: 20_000, intervalMs: 200 });
  /** One more server poll and rollup, certainly after everything before (a pass under way is waited for). */
  const pollAndRollUp = async () => {
    expect(await pulse.app.get(NatsEventsService).run()).not.toBeNull();
    expect(await pulse.app.get(RollupJob).run()).not.toBeNull();
  };
  /** `passes` more limit-watch passes, their alerts delivered. */
  const watch = async (passes = 3) => {
    for (let i = 0; i < passes; i++) expect(await pulse.app.get(LimitWatch).run()).not.toBeNull();
    await pulse.app.get(AlertingService).settle([a.id, b.id]);
  };
  const hooks = () => http.on('/hook').map((r) => JSON.parse(r.body) as WebhookBody);
  const said = (bodies: WebhookBody[]) => bodies.map((h) => `${h.type} ${String(h.data.details.level)}`);
  /** The operator's Slack messages about limits (not Pulse's own incidents). */
  const operator = () =>
    http
      .on('/operator')
      .map((r) => (JSON.parse(r.body) as { text: string }).text)
      .filter((t) => t.includes(' limit '));
  const figures = (messages: number, bytes: number) => ({ messages, bytes });

  /** 1 publisher → `subscribers` subscriber connections of `account` on `subject`; what each received. */
  const fanOut = async (account: NatsAccount, subject: string, subscribers: number) => {
    const pub = await nats.connect(await nats.user(account, 'pub'));
    const subs: NatsConnection[] = [];
    const received: number[] = [];
    for (let i = 0; i < subscribers; i++) {
      const s = await nats.connect(await nats.user(account, `sub-${i}`));
      received.push(0);
      s.subscribe(subject, { callback: () => void received[i]++ });
      await s.flush();
      subs.push(s);
    }
    return { pub, subs, received, all: [pub, ...subs] };
  };

  beforeAll(async () => {
    nats = await OperatorNats.start({
      tenants: [
        { tenantId: aId, limits: A_LIMITS },
        { tenantId: bId, limits: B_LIMITS },
      ],
    });
    accountA = nats.tenant(aId);
    accountB = nats.tenant(bId);
    http = await new HttpReceiver().start();
    options = testOptions({
      // The tap on Pulse's account, the system user, the server's figures polled every second.
      ...(await nats.pulseOptions(1000)),
      rollupIntervalMs: 1000,
      usageLimitsIntervalMs: 1000,
      alerting: {
        allowPrivateTargets: true,
        retryBaseMs: 50,
        timeoutMs: 2000,
        operatorSlackWebhookUrl: `${http.url}/operator`,
        // The operator hears of critical crossings only (ALERT_OPERATOR_LIMITS=critical).
        operatorLimits: 'critical',
      },
    });
    pulse = await startPulse(options);
    const create = async (id: string, tier: string, natsAccount: string) => {
      const res = await request<CreatedTenant>(pulse.url, 'POST', '/api/v1/admin/tenants', {
        key: ADMIN_KEY,
        body: { id, tier, natsAccount },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };
    a = await create(aId, 'enterprise', accountA.publicKey);
    b = await create(bId, 'professional', accountB.publicKey);
    const channel = await request<{ signingSecret: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: a.apiKey,
      body: { type: 'webhook', name: 'limits', config: { url: `${http.url}/hook` } },
    });
    expect(channel.status, JSON.stringify(channel.body)).toBe(201);
    secret = channel.body.signingSecret;
    await waitFor(
      async () => pulse.app.get(MessageTap).subscribedTenants(),
      (ids) => ids.includes(aId) && ids.includes(bId),
    );
  }, 30_000);

  afterAll(async () => {
    await pulse?.close();
    await http?.stop();
    if (options) await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    await nats?.close();
  });

  it("1 → 5 subscribers, M messages: ingress M, egress 5M without Pulse's own tap, fan-out 5, the tap's published M; each account's own", async () => {
    const fanA = await fanOut(accountA, `tenant.${aId}.orders`, 5);
    const fanB = await fanOut(accountB, `tenant.${bId}.orders`, 2);
    const h = headers();
    h.set('X-Order', '1');
    for (let i = 0; i < M; i++) fanA.pub.publish(`tenant.${aId}.orders`, new Uint8Array(PAYLOAD), { headers: h });
    for (let i = 0; i < N; i++) fanB.pub.publish(`tenant.${bId}.orders`, new Uint8Array(B_PAYLOAD));
    await fanA.pub.flush();
    await fanB.pub.flush();
    const delivered = await waitFor(
      async () => [...fanA.received, ...fanB.received],
      (r) => r.every((n, i) => n >= (i < 5 ? M : N)),
    );
    expect(delivered).toEqual([M, M, M, M, M, N, N]);

    // What the server counted for each account, less what it delivered to Pulse's tap (1 per message).
    const expectedA: Partial<UsageFigures> = {
      published: figures(M, M * PAYLOAD),
      ingress: figures(M, M * WIRE),
      egress: figures(5 * M, 5 * M * WIRE),
      fanout: 5,
    };
    const expectedB: Partial<UsageFigures> = {
      published: figures(N, N * B_PAYLOAD),
      ingress: figures(N, N * B_PAYLOAD),
      egress: figures(2 * N, 2 * N * B_PAYLOAD),
      fanout: 2,
    };
    const matches = (u: UsageAnswer, expected: Partial<UsageFigures>) =>
      JSON.stringify(u.today.ingress) === JSON.stringify(expected.ingress) &&
      JSON.stringify(u.today.egress) === JSON.stringify(expected.egress) &&
      u.today.published.messages === expected.published!.messages;
    // The snapshot of the polls: 6 connections of A, each subscriber with 1 subscription.
    await usageWhen(
      a,
      (u) =>
        matches(u, expectedA) &&
        limitOf(u, 'connections').used === 6 &&
        limitOf(u, 'subscriptions').used === 1 &&
        limitOf(u, 'connections').source === 'account',
    );
    await usageWhen(b, (u) => matches(u, expectedB) && limitOf(u, 'connections').used === 3);
    // The usage minute samples the day's peak (6 connections) from a fresh snapshot.
    await waitFor(
      async () => (await pulse.app.get(UsageMinuteJob).run())?.fresh ?? 0,
      (fresh) => fresh === 2,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // One more poll and rollup count nothing again.
    await pollAndRollUp();
    const [ua, ub] = [await usage(a), await usage(b)];
    expect(ua.today).toMatchObject({ ...expectedA, refused: { connections: 0, payloads: 0, subscriptions: 0 } });
    expect(ub.today).toMatchObject({ ...expectedB, refused: { connections: 0, payloads: 0, subscriptions: 0 } });
    expect(ua.month).toMatchObject(expectedA);
    // The hour tier holds the same (the history's last two points: the hour may have turned meanwhile).
    expect(ua.history.granularity).toBe('hour');
    const [before, current] = ua.history.points.slice(-2);
    const sum = (f: 'ingress' | 'egress') =>
      figures(before[f].messages + current[f].messages, before[f].bytes + current[f].bytes);
    expect({ ingress: sum('ingress'), egress: sum('egress') }).toEqual({
      ingress: expectedA.ingress,
      egress: expectedA.egress,
    });
    expect(ua).toMatchObject({ tenantId: aId, shape: 'account', natsAccount: accountA.publicKey });
    expect(ua.serverFigures).toBe('connected');
    // Utilisation: 6 of 10 connections; subscriptions the busiest connection's (1) against `subs: 3`,
    // which nats-server enforces per connection (the account's sublist holds more: imports, JetStream).
    expect(limitOf(ua, 'connections')).toMatchObject({ max: 10, used: 6, utilisation: 0.6, level: 'ok' });
    expect(limitOf(ua, 'subscriptions')).toMatchObject({ max: 3, used: 1, utilisation: 0.3333, level: 'ok' });
    expect(limitOf(ua, 'payload')).toMatchObject({ max: 1000, used: PAYLOAD, utilisation: 0.1, level: 'ok' });
    expect(limitOf(ua, 'data')).toMatchObject({ used: 6 * M * WIRE, level: 'ok' });
    expect(limitOf(ub, 'connections')).toMatchObject({ max: 20, used: 3, utilisation: 0.15 });
    for (const c of [...fanA.all, ...fanB.all]) await c.close();
    // Closed: none used now, the day's peak kept.
    const closed = await usageWhen(
      a,
      (u) => limitOf(u, 'connections').used === 0 && limitOf(u, 'connections').peakToday === 6,
    );
    expect(limitOf(closed, 'connections')).toMatchObject({ utilisation: 0, level: 'ok', peakUtilisation: 0.6 });
  });

  it("the tenant sees its own account's limits only: its claims' values, source account; never another tenant's", async () => {
    const [ua, ub] = [await usage(a), await usage(b)];
    for (const [u, claims, account, other] of [
      [ua, A_LIMITS, accountA, bId],
      [ub, B_LIMITS, accountB, aId],
    ] as const) {
      for (const [name, claim] of CLAIM_NAMES)
        expect(limitOf(u, name), name).toMatchObject({ max: claims[claim], source: 'account' });
      // The monthly quota is the tenant's (none set), never a claim.
      expect(limitOf(u, 'monthlyMessages')).toMatchObject({ max: null, source: 'none' });
      expect(u.natsAccount).toBe(account.publicKey);
      const text = JSON.stringify(u);
      expect(text).not.toContain(other);
      expect(text).not.toContain((other === aId ? accountA : accountB).publicKey);
    }
    // No JetStream used by either account yet.
    expect(limitOf(ub, 'jetstreamStreams')).toMatchObject({ used: 0, utilisation: 0 });
    // A key no tenant has gets nothing.
    const unknown = await request(pulse.url, 'GET', '/api/v1/metrics/usage', { key: 'pk_unknown_0123456789abcdef' });
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(unknown.body)).not.toContain(aId);
  });

  it('4 of 5 connections: 80 %, a warning told once; 5 of 5 critical; the refused 6th counted once; back below: each resolved once', async () => {
    // The operator lowers A's connection limit to 5: a new account JWT, read at the next poll.
    await nats.setLimits(accountA, { conn: 5 });
    await usageWhen(a, (u) => limitOf(u, 'connections').max === 5 && limitOf(u, 'connections').used === 0);

    const open: NatsConnection[] = [];
    for (let i = 0; i < 4; i++) open.push(await nats.connect(await nats.user(accountA, `app-${i}`)));
    const atFour = await usageWhen(a, (u) => limitOf(u, 'connections').used === 4);
    expect(limitOf(atFour, 'connections')).toMatchObject({
      max: 5,
      source: 'account',
      used: 4,
      utilisation: 0.8,
      level: 'warning',
    });
    await waitFor(
      async () => hooks().length,
      (n) => n >= 1,
    );
    await watch();
    expect(said(hooks())).toEqual(['alert.fired warning']);
    expect(hooks()[0].data).toMatchObject({
      tenantId: aId,
      severity: 'warning',
      title: 'connections limit warning',
      summary: 'connections at 80 % of the limit (4 of 5): past the warning threshold',
      details: { limit: 'connections', level: 'warning', used: 4, max: 5, utilisation: 0.8 },
    });
    // The operator hears of critical crossings only.
    expect(operator()).toEqual([]);

    // The 5th: 100 %, critical.
    open.push(await nats.connect(await nats.user(accountA, 'app-4')));
    const atFive = await usageWhen(a, (u) => limitOf(u, 'connections').used === 5);
    expect(limitOf(atFive, 'connections')).toMatchObject({ utilisation: 1, level: 'critical' });
    // The 6th is refused by the server (EPIPE when its close wins the race with the CONNECT).
    const refusal = await nats.connect(await nats.user(accountA, 'app-5'), { reconnect: false, timeout: 3000 }).then(
      (nc) => {
        open.push(nc);
        return 'connected';
      },
      (err: Error) => err.message,
    );
    expect(refusal).toMatch(/maximum account active connections exceeded|EPIPE|ECONNRESET/);
    await usageWhen(a, (u) => u.today.refused.connections >= 1);
    await waitFor(
      async () => hooks().length,
      (n) => n >= 2,
    );
    await watch();
    await pollAndRollUp();
    const refused = await usage(a);
    expect(refused.today.refused).toEqual({ connections: 1, payloads: 0, subscriptions: 0 });
    expect(limitOf(refused, 'connections').used).toBe(5);
    expect(said(hooks())).toEqual(['alert.fired warning', 'alert.fired critical']);

    // Back below: every crossing resolved, once.
    for (const c of open) await c.close();
    const closed = await usageWhen(a, (u) => limitOf(u, 'connections').used === 0);
    expect(limitOf(closed, 'connections')).toMatchObject({ utilisation: 0, level: 'ok' });
    await waitFor(
      async () => hooks().length,
      (n) => n >= 4,
    );
    await watch();
    const bodies = hooks();
    expect(said(bodies)).toEqual([
      'alert.fired warning',
      'alert.fired critical',
      'alert.resolved critical',
      'alert.resolved warning',
    ]);
    // Only A's connections limit was near: nothing else alerted (B, A's other limits).
    expect(bodies.every((h) => h.data.tenantId === aId && h.data.details.limit === 'connections')).toBe(true);
    const [warning, critical, criticalEnd, warningEnd] = bodies.map((h) => h.data.details.crossingId);
    expect(criticalEnd).toBe(critical);
    expect(warningEnd).toBe(warning);
    // Signed with the channel's secret.
    for (const r of http.on('/hook')) {
      const ts = Number(r.headers['webhook-timestamp']);
      expect(r.headers['webhook-signature']).toBe(signWebhook(secret, String(r.headers['webhook-id']), ts, r.body));
    }
    // The operator: A's critical crossing and its end, nothing else.
    const texts = operator();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^:rotating_light: Alert: /);
    expect(texts[1]).toMatch(/^:white_check_mark: Resolved: /);
    for (const t of texts) expect(t).toContain(`${aId}: connections limit critical`);
    // The refusal stays counted once.
    expect((await usage(a)).today.refused.connections).toBe(1);
  });
});
