import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PulseOptions } from '../../src/config/pulse-options.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { NatsStatus } from '../../src/nats/nats-status.js';
import { PulseClient } from '../../src/sdk/index.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
import {
  type ConfigAccountsServer,
  type NatsAccount,
  type NatsUser,
  OperatorNats,
  PULSE_INBOX_PREFIX,
  startConfigAccountsServer,
  UNLIMITED_LIMITS,
} from '../support/operator-nats.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';

/** One account's figures in `$SYS.REQ.ACCOUNT.PING.STATZ`'s answer (2.9.10: no subscription count). */
interface AccountStatz {
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  sent: { msgs: number; bytes: number };
  received: { msgs: number; bytes: number };
  slow_consumers: number;
}

/** A `$SYS.ACCOUNT.<id>.CONNECT|DISCONNECT|SERVER.CONNS` event, the fields the tests read. */
interface SysEvent {
  subject: string;
  type: string;
  acc?: string;
  conns?: number;
  client?: { name?: string; acc?: string };
  sent?: { msgs: number; bytes: number };
  received?: { msgs: number; bytes: number };
  reason?: string;
}

interface AccountDetail {
  account_name: string;
  name_tag: string;
  jetstream_enabled: boolean;
  client_connections: number;
  exports: { subject: string; type: string }[];
  decoded_jwt: { name: string; iss: string; sub: string; nats: { limits: Record<string, number | boolean> } };
}

interface JszAccount {
  name: string;
  id: string;
  memory: number;
  storage: number;
  reserved_memory: number;
  reserved_storage: number;
  stream_detail?: { name: string; state: { messages: number; bytes: number; consumer_count: number } }[];
}

/** Polls `probe` until `done` or 5 s; returns the last value. */
async function until<T>(probe: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await probe();
  }
  return value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue #34: what nats-server 2.9.10 in operator/JWT mode (MEMORY resolver) says per account, as
 * Pulse's least-privileged system user sees it. Every fact asserted here is written down in README
 * "Deployment shapes" and relied on by nats-events and usage/. No Pulse yet: the harness' server,
 * the system account, Pulse's account and two tenant accounts.
 */
describe('operator mode: per-account figures, claims, limits and the cross-account tap (nats-server 2.9.10)', () => {
  const fanId = uniqueTenantId('fan');
  const limId = uniqueTenantId('lim');
  const LIMITS = {
    conn: 5,
    subs: 3,
    payload: 1000,
    data: 1_000_000,
    mem_storage: 1_000_000,
    disk_storage: 2_000_000,
    streams: 2,
    consumer: 3,
  };
  let nats: OperatorNats;
  let fan: NatsAccount;
  let lim: NatsAccount;
  /** Pulse's system-account connection (PULSE_SYSTEM_PERMISSIONS, replies on `_PULSE_INBOX`). */
  let sys: NatsConnection;
  const events: SysEvent[] = [];

  const request = async <T>(subject: string, body: unknown, timeout = 2000): Promise<T> =>
    (await sys.request(subject, JSON.stringify(body), { timeout })).json<T>();
  const statz = async (...accounts: NatsAccount[]): Promise<Map<string, AccountStatz>> => {
    const answer = await request<{ data: { account_statz: AccountStatz[] } }>('$SYS.REQ.ACCOUNT.PING.STATZ', {
      accounts: accounts.map((a) => a.publicKey),
      include_unused: true,
    });
    return new Map(answer.data.account_statz.map((s) => [s.acc, s]));
  };
  const accountz = async (account: NatsAccount): Promise<AccountDetail> =>
    (
      await request<{ data: { account_detail: AccountDetail } }>('$SYS.REQ.SERVER.PING.ACCOUNTZ', {
        account: account.publicKey,
      })
    ).data.account_detail;
  /** Connections a test opens, closed after it (a failed test must not leave the account at its limit). */
  const opened: NatsConnection[] = [];
  const open = async (user: NatsUser, extra: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> => {
    const nc = await nats.connect(user, extra);
    opened.push(nc);
    return nc;
  };
  const eventsOf = (type: string, name: string) =>
    events.filter((e) => e.type.endsWith(type) && e.client?.name === name);

  beforeAll(async () => {
    nats = await OperatorNats.start({
      tenants: [
        { tenantId: fanId, mapped: ['orders.>'] },
        { tenantId: limId, limits: LIMITS },
      ],
    });
    fan = nats.tenant(fanId);
    lim = nats.tenant(limId);
    sys = await nats.connect(await nats.systemUser(), { inboxPrefix: PULSE_INBOX_PREFIX, reconnectTimeWait: 250 });
    for (const subject of ['$SYS.ACCOUNT.*.CONNECT', '$SYS.ACCOUNT.*.DISCONNECT', '$SYS.ACCOUNT.*.SERVER.CONNS']) {
      sys.subscribe(subject, {
        callback: (_, m) => {
          events.push({ ...m.json<SysEvent>(), subject: m.subject });
        },
      });
    }
    await sys.flush();
  });

  afterEach(async () => {
    for (const nc of opened.splice(0)) if (!nc.isClosed()) await nc.close();
  });

  afterAll(async () => {
    await nats?.close();
  });

  it('STATZ answers for an account the server has loaded; without include_unused one with no connection is left out, and no answer comes when none has one', async () => {
    // Not loaded yet (nobody connected to it or to an account importing from it): not listed at all.
    expect((await statz(lim)).has(lim.publicKey)).toBe(false);
    const nc = await open(await nats.user(lim, uniqueTenantId('lim-load')));
    await nc.close();
    await expect(
      sys.request('$SYS.REQ.ACCOUNT.PING.STATZ', JSON.stringify({ accounts: [lim.publicKey] }), { timeout: 500 }),
    ).rejects.toThrow(/timeout/i);
    const unused = (await statz(lim)).get(lim.publicKey);
    expect(unused).toEqual({
      acc: lim.publicKey,
      conns: 0,
      leafnodes: 0,
      total_conns: 0,
      sent: { msgs: 0, bytes: 0 },
      received: { msgs: 0, bytes: 0 },
      slow_consumers: 0,
    });
  });

  it('(a) 1 publisher → 5 subscribers: received is the ingress (M), sent the deliveries (5M, plus Pulse’s tap); bytes are payload + headers', async () => {
    const M = 20;
    const SIZE = 100;
    const tapConnection = await open(await nats.pulseUser('tap-a'));
    let tapped = 0;
    const tap = tapConnection.subscribe(`tenant.${fanId}.>`, {
      queue: 'pulse',
      callback: () => {
        tapped++;
      },
    });
    await tapConnection.flush();
    const pubName = uniqueTenantId('fan-pub');
    const pub = await open(await nats.user(fan, pubName));
    const subNames = [0, 1, 2, 3, 4].map((i) => uniqueTenantId(`fan-sub${i}`));
    let delivered = 0;
    const subscribers: NatsConnection[] = [];
    for (const name of subNames) {
      const nc = await open(await nats.user(fan, name));
      nc.subscribe(`tenant.${fanId}.fanout`, {
        callback: () => {
          delivered++;
        },
      });
      await nc.flush();
      subscribers.push(nc);
    }

    const before = await statz(fan, nats.pulse);
    for (let i = 0; i < M; i++) pub.publish(`tenant.${fanId}.fanout`, new Uint8Array(SIZE));
    await pub.flush();
    await until(
      () => delivered + tapped,
      (n) => n >= 6 * M,
    );
    expect({ delivered, tapped }).toEqual({ delivered: 5 * M, tapped: M });
    const withTap = await statz(fan, nats.pulse);
    const delta = (after: Map<string, AccountStatz>, from: Map<string, AccountStatz>, account: NatsAccount) => {
      const a = after.get(account.publicKey)!;
      const b = from.get(account.publicKey)!;
      return {
        sent: { msgs: a.sent.msgs - b.sent.msgs, bytes: a.sent.bytes - b.sent.bytes },
        received: { msgs: a.received.msgs - b.received.msgs, bytes: a.received.bytes - b.received.bytes },
      };
    };
    // Ingress M; egress 5M to the tenant's subscribers + M to Pulse's tap through the import.
    expect(delta(withTap, before, fan)).toEqual({
      received: { msgs: M, bytes: M * SIZE },
      sent: { msgs: 6 * M, bytes: 6 * M * SIZE },
    });
    expect(withTap.get(fan.publicKey)!.conns).toBe(6);
    // The importing account counts nothing, though its client received M messages.
    expect(delta(withTap, before, nats.pulse)).toEqual({
      received: { msgs: 0, bytes: 0 },
      sent: { msgs: 0, bytes: 0 },
    });

    // Without Pulse's tap: exactly 5M.
    tap.unsubscribe();
    await tapConnection.flush();
    delivered = 0;
    for (let i = 0; i < M; i++) pub.publish(`tenant.${fanId}.fanout`, new Uint8Array(SIZE));
    await pub.flush();
    await until(
      () => delivered,
      (n) => n >= 5 * M,
    );
    const withoutTap = await statz(fan);
    expect(delta(withoutTap, withTap, fan)).toEqual({
      received: { msgs: M, bytes: M * SIZE },
      sent: { msgs: 5 * M, bytes: 5 * M * SIZE },
    });

    // A message with headers counts its header block too (the HPUB's total size), no framing.
    const h = headers();
    h.set('X-Test', '1');
    const HEADER_BYTES = 'NATS/1.0\r\nX-Test: 1\r\n\r\n'.length;
    delivered = 0;
    pub.publish(`tenant.${fanId}.fanout`, new Uint8Array(SIZE), { headers: h });
    // And one nobody subscribes: ingress, no egress.
    pub.publish(`tenant.${fanId}.nobody`, new Uint8Array(SIZE));
    await pub.flush();
    await until(
      () => delivered,
      (n) => n >= 5,
    );
    const withHeaders = await statz(fan);
    expect(delta(withHeaders, withoutTap, fan)).toEqual({
      received: { msgs: 2, bytes: SIZE + HEADER_BYTES + SIZE },
      sent: { msgs: 5, bytes: 5 * (SIZE + HEADER_BYTES) },
    });

    // Disconnect events count from the client's side: the publisher's `sent`, a subscriber's `received`.
    await pub.close();
    await subscribers[0].close();
    const pubGone = await until(
      () => eventsOf('client_disconnect', pubName),
      (e) => e.length > 0,
    );
    const subGone = await until(
      () => eventsOf('client_disconnect', subNames[0]),
      (e) => e.length > 0,
    );
    const published = withHeaders.get(fan.publicKey)!.received;
    expect(pubGone[0]).toMatchObject({ sent: published, received: { msgs: 0, bytes: 0 }, reason: 'Client Closed' });
    expect(subGone[0]).toMatchObject({
      sent: { msgs: 0, bytes: 0 },
      received: { msgs: 2 * M + 1, bytes: (2 * M + 1) * SIZE + HEADER_BYTES },
    });
    for (const nc of [tapConnection, ...subscribers.slice(1)]) await nc.close();
  });

  it('(b) ACCOUNTZ {"account": id} carries the account JWT decoded, its limits under the JWT’s names', async () => {
    const detail = await accountz(lim);
    expect(detail.account_name).toBe(lim.publicKey);
    expect(detail.name_tag).toBe(limId);
    expect(detail.jetstream_enabled).toBe(true);
    expect(detail.decoded_jwt.name).toBe(limId);
    expect(detail.decoded_jwt.iss).toBe(nats.operator.keyPair.getPublicKey());
    expect(detail.decoded_jwt.nats.limits).toEqual({
      ...LIMITS,
      imports: -1,
      exports: -1,
      wildcards: true,
      leaf: -1,
    });
    expect(detail.exports.map((e) => `${e.type} ${e.subject}`).sort()).toEqual([
      `stream _HEARTBEAT.tenant.${limId}.client.*`,
      `stream tenant.${limId}.>`,
    ]);
    // An account without JetStream: no JetStream limits in its claims, -1 for the unlimited ones.
    const plain = await accountz(fan);
    expect(plain.jetstream_enabled).toBe(false);
    expect(plain.decoded_jwt.nats.limits).toEqual(UNLIMITED_LIMITS);
  });

  it('(b) a new account JWT pushed on $SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE shows at once ($SYS.REQ.CLAIMS.UPDATE has no responder with the MEMORY resolver)', async () => {
    await expect(nats.sysRequest('$SYS.REQ.CLAIMS.UPDATE', lim.jwt, 500)).rejects.toThrow(/no responders/i);
    await nats.setLimits(lim, { conn: 6 });
    expect((await accountz(lim)).decoded_jwt.nats.limits.conn).toBe(6);
    await nats.setLimits(lim, { conn: LIMITS.conn });
    expect((await accountz(lim)).decoded_jwt.nats.limits.conn).toBe(LIMITS.conn);
  });

  it('(c) conn 5: the 6th connection is refused with one DISCONNECT event "Maximum Account Connections Exceeded" (no CONNECT)', async () => {
    const names = [0, 1, 2, 3, 4].map((i) => uniqueTenantId(`lim-c${i}`));
    for (const name of names.slice(0, 4)) await open(await nats.user(lim, name));
    // 4 of 5: the account-connections event says so.
    const atFour = await until(
      () => events.filter((e) => e.type.endsWith('account_connections') && e.acc === lim.publicKey && e.conns === 4),
      (e) => e.length > 0,
    );
    expect(atFour.length).toBeGreaterThan(0);
    expect((await statz(lim)).get(lim.publicKey)!.conns).toBe(4);
    await open(await nats.user(lim, names[4]));

    // The server answers -ERR 'maximum account active connections exceeded' and closes; nats.js
    // reports that, or EPIPE when the close won the race with its CONNECT.
    const sixth = uniqueTenantId('lim-c6');
    const refusal = await open(await nats.user(lim, sixth), { reconnect: false, timeout: 3000 }).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(refusal).toMatch(/maximum account active connections exceeded|EPIPE|ECONNRESET/);
    const refused = await until(
      () => eventsOf('client_disconnect', sixth),
      (e) => e.length > 0,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      subject: `$SYS.ACCOUNT.${lim.publicKey}.DISCONNECT`,
      reason: 'Maximum Account Connections Exceeded',
      client: { acc: lim.publicKey },
      sent: { msgs: 0, bytes: 0 },
      received: { msgs: 0, bytes: 0 },
    });
    expect(eventsOf('client_connect', sixth)).toEqual([]);
    expect(eventsOf('client_connect', names[4])).toHaveLength(1);
    expect((await statz(lim)).get(lim.publicKey)!.conns).toBe(5);
  });

  it('(c) payload 1000: announced as max_payload (nats.js refuses locally); a client that sends more is cut off, "Maximum Message Payload Exceeded"', async () => {
    const nc = await open(await nats.user(lim, uniqueTenantId('lim-pay')));
    expect(nc.info?.max_payload).toBe(LIMITS.payload);
    expect(() => nc.publish(`tenant.${limId}.big`, new Uint8Array(LIMITS.payload + 1))).toThrow(/max_payload/);
    await nc.close();

    const atLimit = await nats.rawPublish(
      await nats.user(lim, uniqueTenantId('lim-raw-ok')),
      `tenant.${limId}.ok`,
      LIMITS.payload,
      300,
    );
    expect(atLimit.closed).toBe(false);
    expect(atLimit.received).not.toContain('-ERR');

    const rawName = uniqueTenantId('lim-raw');
    const over = await nats.rawPublish(await nats.user(lim, rawName), `tenant.${limId}.big`, LIMITS.payload + 1);
    expect(over.closed).toBe(true);
    expect(over.received).toContain("-ERR 'Maximum Payload Violation'");
    const gone = await until(
      () => eventsOf('client_disconnect', rawName),
      (e) => e.length > 0,
    );
    expect(gone[0]).toMatchObject({
      reason: 'Maximum Message Payload Exceeded',
      sent: { msgs: 0, bytes: 0 },
    });
  });

  it('(c) subs 3 caps each connection (not the account); the 4th is refused with -ERR, the connection stays, no event', async () => {
    const names = [uniqueTenantId('lim-s0'), uniqueTenantId('lim-s1')];
    const [a, b] = [await open(await nats.user(lim, names[0])), await open(await nats.user(lim, names[1]))];
    const errors: string[][] = [[], []];
    [a, b].forEach((nc, i) => {
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors[i].push(s.error.message);
      })();
    });
    for (const nc of [a, b]) {
      for (let i = 0; i < 3; i++) nc.subscribe(`tenant.${limId}.s${i}`);
      await nc.flush();
    }
    await sleep(200);
    expect(errors).toEqual([[], []]);
    b.subscribe(`tenant.${limId}.s3`);
    await b.flush();
    const refused = await until(
      () => errors[1],
      (e) => e.length > 0,
    );
    expect(refused).toEqual(['maximum subscriptions exceeded']);
    expect(errors[0]).toEqual([]);
    await sleep(200);
    expect(b.isClosed()).toBe(false);
    expect(eventsOf('client_disconnect', names[1])).toEqual([]);
    await a.close();
    await b.close();
  });

  it('(d) JSZ {"accounts":true}: memory and storage per account, no stream or consumer count; {"account","streams":true} has them', async () => {
    const nc = await open(await nats.user(lim, uniqueTenantId('lim-js')));
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORD', subjects: [`tenant.${limId}.ord.>`], storage: 'file', max_bytes: 100_000 });
    await jsm.streams.add({ name: 'MEM', subjects: [`tenant.${limId}.mem.>`], storage: 'memory', max_bytes: 100_000 });
    await jsm.consumers.add('ORD', { durable_name: 'worker', ack_policy: 'explicit' });
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) {
      await js.publish(`tenant.${limId}.ord.x`, new Uint8Array(100));
      await js.publish(`tenant.${limId}.mem.x`, new Uint8Array(50));
    }
    const ordBytes = (await jsm.streams.info('ORD')).state.bytes;
    const memBytes = (await jsm.streams.info('MEM')).state.bytes;

    const all = await request<{ data: { account_details: JszAccount[] } }>('$SYS.REQ.SERVER.PING.JSZ', {
      accounts: true,
    });
    const mine = all.data.account_details.find((a) => a.id === lim.publicKey)!;
    expect(mine).toMatchObject({
      name: limId,
      memory: memBytes,
      storage: ordBytes,
      reserved_memory: LIMITS.mem_storage,
      reserved_storage: LIMITS.disk_storage,
    });
    expect(mine).not.toHaveProperty('streams');
    expect(mine).not.toHaveProperty('consumers');
    expect(mine).not.toHaveProperty('stream_detail');
    // An account without JetStream is not listed.
    expect(all.data.account_details.some((a) => a.id === fan.publicKey)).toBe(false);

    const one = await request<{ data: { account_details: JszAccount[] } }>('$SYS.REQ.SERVER.PING.JSZ', {
      account: lim.publicKey,
      streams: true,
    });
    expect(one.data.account_details).toHaveLength(1);
    const streams = one.data.account_details[0].stream_detail!;
    expect(streams.map((s) => s.name).sort()).toEqual(['MEM', 'ORD']);
    expect(streams.reduce((n, s) => n + s.state.consumer_count, 0)).toBe(1);

    await expect(
      jsm.streams.add({ name: 'THIRD', subjects: [`tenant.${limId}.third`], storage: 'file', max_bytes: 1000 }),
    ).rejects.toThrow('maximum number of streams reached');
    await jsm.streams.delete('ORD');
    await jsm.streams.delete('MEM');
    await nc.close();
  });

  it('(e) Pulse’s account receives the tenant’s messages and heartbeats through the imports, and nothing else', async () => {
    const tap = await open(await nats.pulseUser('tap-e'));
    const seen: string[] = [];
    const beats: { subject: string; body: { tenant_id: string; client_id: string } }[] = [];
    tap.subscribe('tenant.*.>', {
      queue: 'pulse',
      callback: (_, m) => {
        seen.push(m.subject);
      },
    });
    tap.subscribe('_HEARTBEAT.tenant.*.client.*', {
      queue: 'pulse',
      callback: (_, m) => {
        beats.push({ subject: m.subject, body: m.json() });
      },
    });
    await tap.flush();

    const app = await open(await nats.user(fan, uniqueTenantId('fan-app')));
    const before = (await statz(fan)).get(fan.publicKey)!;
    const client = new PulseClient({ connection: app, tenantId: fanId, clientId: 'c1' });
    client.start(); // a heartbeat now
    client.publish('orders.created', '{}'); // tenant.<fan>.orders.created
    app.publish('orders.paid', 'x'); // exported orders.> → tenant.<fan>.orders.paid in Pulse's account
    app.publish('billing.x', 'x'); // not exported
    await client.stop();

    const other = await open(await nats.user(lim, uniqueTenantId('lim-app')));
    other.publish(`tenant.${fanId}.forged`, 'x'); // lim exports only its own namespace
    other.publish(`tenant.${limId}.ok`, 'x');
    await other.flush();

    await until(
      () => seen.length + beats.length,
      (n) => n >= 4,
    );
    await sleep(200); // anything that should not arrive has had its chance
    expect(seen.sort()).toEqual(
      [`tenant.${fanId}.orders.created`, `tenant.${fanId}.orders.paid`, `tenant.${limId}.ok`].sort(),
    );
    expect(beats).toHaveLength(1);
    expect(beats[0]).toMatchObject({
      subject: `_HEARTBEAT.tenant.${fanId}.client.c1`,
      body: { tenant_id: fanId, client_id: 'c1' },
    });
    // The tenant has no subscriber of its own here: its egress is exactly what Pulse's account took
    // from it (2 messages + 1 heartbeat); its ingress all 4 it published. lim's forged message is lim's.
    const after = (await statz(fan)).get(fan.publicKey)!;
    expect(after.sent.msgs - before.sent.msgs).toBe(3);
    expect(after.received.msgs - before.received.msgs).toBe(4);
    await tap.close();
    await app.close();
    await other.close();
  });

  it('a restart keeps the claims last pushed (written to the preload), loads accounts again only when used, and starts the counters from zero', async () => {
    const nc = await open(await nats.user(fan, uniqueTenantId('fan-restart')));
    nc.publish(`tenant.${fanId}.x`, 'x');
    await nc.flush();
    expect((await statz(fan)).get(fan.publicKey)!.received.msgs).toBeGreaterThan(0);
    await nc.close();
    await nats.setLimits(lim, { conn: 7 });
    const reconnected = (async () => {
      for await (const s of sys.status()) if (s.type === 'reconnect') return;
    })();
    await nats.restart();
    await reconnected;
    await sys.flush();
    // Preloaded is not loaded: until a client of the account, or of an account importing from it,
    // connects, ACCOUNTZ answers an error and STATZ leaves it out.
    const unloaded = await request<{ data: null; error: { code: number; description: string } }>(
      '$SYS.REQ.SERVER.PING.ACCOUNTZ',
      { account: lim.publicKey },
    );
    expect(unloaded).toMatchObject({
      data: null,
      error: { code: 500, description: `Account ${lim.publicKey} does not exist` },
    });
    expect((await statz(lim)).has(lim.publicKey)).toBe(false);
    // Pulse's tap connecting loads its account, whose imports load every tenant's.
    await open(await nats.pulseUser('tap-restart'));
    expect((await accountz(lim)).decoded_jwt.nats.limits.conn).toBe(7);
    const after = (await statz(fan)).get(fan.publicKey)!;
    expect(after.received.msgs).toBe(0);
    expect(after.sent.msgs).toBe(0);
  });
});

/**
 * The accounts shape without JWTs (accounts in the server's configuration file, README
 * "Deployment shapes"): the same exports and imports, accounts named by their configured name, no
 * claims for Pulse to read.
 */
describe('config-file accounts: the same tap and per-account figures, no claims (nats-server 2.9.10)', () => {
  const id = uniqueTenantId('cfg');
  let started: ConfigAccountsServer;
  const connections: NatsConnection[] = [];
  const as = async (role: string) => {
    const { user, pass } = started.users.get(role)!;
    const nc = await connect({ servers: started.url, user, pass });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    started = await startConfigAccountsServer([
      {
        tenantId: id,
        mapped: ['orders.>'],
        jetstream: { max_mem: '1M', max_file: '2M', max_streams: 3, max_consumers: 4 },
      },
    ]);
  });

  afterAll(async () => {
    for (const nc of connections) await nc.close();
    await started?.server.kill();
  });

  it('Pulse’s account gets the tenant’s subjects, heartbeats and mapped subjects; STATZ/JSZ name the account by its configured name; ACCOUNTZ has no decoded_jwt', async () => {
    const sys = await as('sys');
    const pulse = await as('pulse');
    const seen: string[] = [];
    for (const subject of ['tenant.*.>', '_HEARTBEAT.tenant.*.client.*']) {
      pulse.subscribe(subject, {
        queue: 'pulse',
        callback: (_, m) => {
          seen.push(m.subject);
        },
      });
    }
    await pulse.flush();
    const app = await as(id);
    app.publish(`tenant.${id}.x`, 'x');
    app.publish(`_HEARTBEAT.tenant.${id}.client.c1`, '{}');
    app.publish('orders.new', 'o');
    await app.flush();
    await until(
      () => seen.length,
      (n) => n >= 3,
    );
    expect(seen.sort()).toEqual(
      [`tenant.${id}.x`, `_HEARTBEAT.tenant.${id}.client.c1`, `tenant.${id}.orders.new`].sort(),
    );

    const statz = (
      await sys.request('$SYS.REQ.ACCOUNT.PING.STATZ', JSON.stringify({ accounts: [id], include_unused: true }), {
        timeout: 2000,
      })
    ).json<{ data: { account_statz: AccountStatz[] } }>().data.account_statz;
    expect(statz).toHaveLength(1);
    expect(statz[0]).toMatchObject({ acc: id, conns: 1, received: { msgs: 3, bytes: 4 }, sent: { msgs: 3, bytes: 4 } });

    const detail = (
      await sys.request('$SYS.REQ.SERVER.PING.ACCOUNTZ', JSON.stringify({ account: id }), { timeout: 2000 })
    ).json<{ data: { account_detail: Partial<AccountDetail> } }>().data.account_detail;
    expect(detail).toMatchObject({ account_name: id, jetstream_enabled: true });
    expect(detail).not.toHaveProperty('decoded_jwt');

    const jsz = (
      await sys.request('$SYS.REQ.SERVER.PING.JSZ', JSON.stringify({ accounts: true }), { timeout: 2000 })
    ).json<{ data: { account_details: JszAccount[] } }>().data.account_details;
    // The configuration's `1M` is 10^6 bytes.
    expect(jsz.find((a) => a.id === id)).toMatchObject({
      name: id,
      reserved_memory: 1_000_000,
      reserved_storage: 2_000_000,
    });
  });
});

/**
 * Pulse itself on the operator-mode server, with the harness' options (creds files, least
 * privilege): what already works for an account-per-tenant deployment through the imports — the
 * tap's counts, presence from heartbeats, and the system-account connection.
 */
describe('Pulse on an operator-mode server: tap and presence through the imports, system user connected', () => {
  const tenantId = uniqueTenantId('op');
  let nats: OperatorNats;
  let pulse: RunningPulse;
  let options: PulseOptions;

  beforeAll(async () => {
    nats = await OperatorNats.start({ tenants: [{ tenantId, limits: { conn: 5 } }] });
    options = testOptions(await nats.pulseOptions());
    pulse = await startPulse(options);
  });

  afterAll(async () => {
    await pulse?.close();
    if (options) await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    await nats?.close();
  });

  it('counts the messages the tenant publishes in its own account and sees its client online', async () => {
    const t = await createTenant(pulse.url, tenantId, 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    const app = await nats.connect(await nats.user(nats.tenant(tenantId), 'app'));
    const client = new PulseClient({ connection: app, tenantId, clientId: 'c1' });
    client.start();
    for (let i = 0; i < 50; i++) client.publish('orders.created', 'x');
    await client.stop();
    const total = await waitFor(
      () => realtimeTotal(pulse.url, t.apiKey),
      (n) => n === 50,
    );
    expect(total).toBe(50);
    const online = await waitFor(
      async () =>
        (
          await request<{ summary: { online: number } }>(pulse.url, 'GET', '/api/v1/metrics/presence', {
            key: t.apiKey,
          })
        ).body.summary.online,
      (n) => n === 1,
    );
    expect(online).toBe(1);
    const health = await request<{ pulse: { natsSystem: { state: string } } }>(
      pulse.url,
      'GET',
      '/api/v1/metrics/health-check',
      { key: t.apiKey },
    );
    expect(health.body.pulse.natsSystem.state).toBe('connected');
    // Nothing Pulse did was refused by the least-privileged users.
    expect(pulse.app.get(NatsStatus).current().lastError).toBeNull();
  });
});
