import { describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../common/limits.js';
import {
  accountSnapshot,
  claimsOf,
  count,
  parseAccountConns,
  parseAccountStatz,
  parseAccountz,
  parseJsz,
  refusalOf,
  subjectsSnapshot,
} from './server-figures.js';
import { parseConnz } from './system-events.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const server = { name: 'NSERVER', host: '127.0.0.1', id: 'NSERVER', ver: '2.9.10', seq: 55 };
const KEY = `A${'B'.repeat(55)}`;

// Shapes as nats-server 2.9.10 sends them (captured from a private server, trimmed).
const conns = {
  type: 'io.nats.server.advisory.v1.account_connections',
  id: 'ybHNJBDDxPsgbZuWc1mu9O',
  timestamp: '2026-12-07T05:02:03.589437282Z',
  server,
  acc: 'APP',
  conns: 5,
  leafnodes: 0,
  total_conns: 5,
  sent: { msgs: 50, bytes: 5000 },
  received: { msgs: 10, bytes: 1000 },
  slow_consumers: 0,
};
const statz = {
  server,
  data: {
    server_id: 'NSERVER',
    now: '2026-12-07T05:01:59.58028123Z',
    account_statz: [
      { ...conns, type: undefined, server: undefined },
      { acc: 'LIM', conns: 0, leafnodes: 1, total_conns: 1, sent: {}, received: { msgs: 2 }, slow_consumers: 3 },
    ],
  },
};
const accountz = {
  server,
  data: {
    server_id: 'NSERVER',
    system_account: 'ASYS',
    account_detail: {
      account_name: KEY,
      expired: false,
      jetstream_enabled: true,
      leafnode_connections: 0,
      client_connections: 1,
      subscriptions: 8,
      name_tag: 'TENANT_A',
      decoded_jwt: {
        name: 'TENANT_A',
        sub: KEY,
        nats: {
          limits: {
            subs: 100,
            data: 1000000,
            payload: 4096,
            imports: -1,
            exports: -1,
            wildcards: true,
            conn: 5,
            leaf: -1,
            mem_storage: 1048576,
            disk_storage: 10485760,
            streams: 3,
            consumer: -1,
          },
          type: 'account',
          version: 2,
        },
      },
    },
  },
};
const jsz = {
  server,
  data: {
    server_id: 'NSERVER',
    memory: 70,
    storage: 670,
    account_details: [
      {
        name: 'TENANT_A',
        id: KEY,
        memory: 70,
        storage: 670,
        reserved_memory: 2 ** 64, // uint64 max, as the server sends it
        stream_detail: [
          { name: 'S2', state: { messages: 1, bytes: 70, consumer_count: 0 } },
          { name: 'S1', state: { messages: 5, bytes: 670, consumer_count: 2 } },
        ],
      },
      { name: 'APP', id: 'APP', memory: 0, storage: 0 },
    ],
  },
};

describe('what the NATS server counts per connection and per account (issue #34)', () => {
  it("reads a CONNZ connection's counters: in_* ingress, out_* egress, and its subscriptions", () => {
    const page = parseConnz(
      enc({
        server: { id: 'NSERVER' },
        data: {
          connections: [
            { cid: 7, in_msgs: 10, out_msgs: 0, in_bytes: 1000, out_bytes: 0, subscriptions: 0 },
            { cid: 8, in_msgs: 0, out_msgs: 10, in_bytes: 0, out_bytes: 1000, subscriptions: 1 },
            { cid: 9, in_msgs: -1, out_msgs: 'x', in_bytes: Infinity, out_bytes: 1.7, subscriptions: null },
            7,
          ],
        },
      }),
    );
    expect(page?.connections.map((c) => [c.key, c.counts, c.subscriptions])).toEqual([
      ['NSERVER:7', { ingress: { msgs: 10, bytes: 1000 }, egress: { msgs: 0, bytes: 0 } }, 0],
      ['NSERVER:8', { ingress: { msgs: 0, bytes: 0 }, egress: { msgs: 10, bytes: 1000 } }, 1],
      ['NSERVER:9', { ingress: { msgs: 0, bytes: 0 }, egress: { msgs: 0, bytes: 1 } }, 0],
    ]);
  });

  it('bounds counters: finite, ≥ 0, whole, at most 2^53 − 1', () => {
    expect([count(5), count(5.9), count(-1), count(NaN), count('5'), count(2 ** 60)]).toEqual([
      5,
      5,
      0,
      0,
      0,
      Number.MAX_SAFE_INTEGER,
    ]);
  });

  it("reads the account-connections advisory: received is the account's ingress, sent its egress", () => {
    expect(parseAccountConns(enc(conns))).toEqual({
      account: 'APP',
      server: 'NSERVER',
      connections: 5,
      leafnodes: 0,
      slowConsumers: 0,
      counts: { ingress: { msgs: 10, bytes: 1000 }, egress: { msgs: 50, bytes: 5000 } },
    });
    for (const bad of [
      enc({ ...conns, type: 'io.nats.server.advisory.v1.client_connect' }),
      enc({ ...conns, server: {} }),
      enc({ ...conns, acc: 'x'.repeat(257) }),
      enc({ ...conns, acc: 7 }),
      enc('[1]'),
      new Uint8Array([0xff]),
    ])
      expect(parseAccountConns(bad)).toBeNull();
  });

  it("reads one server's account STATZ reply: every account it reported", () => {
    const reply = parseAccountStatz(enc(statz));
    expect(reply?.server).toBe('NSERVER');
    expect(reply?.accounts).toEqual([
      {
        account: 'APP',
        server: 'NSERVER',
        connections: 5,
        leafnodes: 0,
        slowConsumers: 0,
        counts: { ingress: { msgs: 10, bytes: 1000 }, egress: { msgs: 50, bytes: 5000 } },
      },
      {
        account: 'LIM',
        server: 'NSERVER',
        connections: 0,
        leafnodes: 1,
        slowConsumers: 3,
        counts: { ingress: { msgs: 2, bytes: 0 }, egress: { msgs: 0, bytes: 0 } },
      },
    ]);
    expect(parseAccountStatz(enc({ server, data: {} }))).toBeNull();
    expect(parseAccountStatz(enc({ data: statz.data }))).toBeNull();
    // An entry that is no account is left out, the others kept.
    expect(parseAccountStatz(enc({ server, data: { account_statz: [{ conns: 1 }, 'x'] } }))?.accounts).toEqual([]);
  });

  it("reads ACCOUNTZ: the account's connections, subscriptions and its claims' limits (-1: none)", () => {
    expect(parseAccountz(enc(accountz))).toEqual({
      server: 'NSERVER',
      account: KEY,
      connections: 1,
      subscriptions: 8,
      leafnodes: 0,
      claims: {
        connections: 5,
        subscriptions: 100,
        payload: 4096,
        data: 1000000,
        jetstreamMemory: 1048576,
        jetstreamStorage: 10485760,
        jetstreamStreams: 3,
        jetstreamConsumers: null,
        monthlyMessages: null,
      },
    });
    // An account of a config file: no JWT, no claims.
    const plain = structuredClone(accountz);
    delete (plain.data.account_detail as Partial<typeof plain.data.account_detail>).decoded_jwt;
    expect(parseAccountz(enc(plain))?.claims).toBeNull();
    // A server that does not know the account answers an error, not a detail.
    expect(parseAccountz(enc({ server, error: { code: 500, description: 'not found' } }))).toBeNull();
  });

  it('sums JetStream limits given per tier; an unlimited tier makes the sum unlimited', () => {
    const tiered = (r3: number) => ({
      nats: {
        limits: {
          conn: -1,
          subs: -1,
          data: -1,
          payload: -1,
          tiered_limits: {
            R1: { mem_storage: 100, disk_storage: 1000, streams: 2, consumer: 4 },
            R3: { mem_storage: 300, disk_storage: r3, streams: 1, consumer: 1 },
          },
        },
      },
    });
    expect(claimsOf(tiered(3000))).toEqual({
      ...NO_LIMITS,
      jetstreamMemory: 400,
      jetstreamStorage: 4000,
      jetstreamStreams: 3,
      jetstreamConsumers: 5,
    });
    expect(claimsOf(tiered(-1))?.jetstreamStorage).toBeNull();
    // Not a whole number ≥ 0: none. Absent: 0, as the server reads it (nats-server 2.9.10 refuses
    // every connection of an account whose claims omit `conn`; omitted JetStream limits: none).
    expect(claimsOf({ nats: { limits: { conn: 1.5, subs: '5', payload: 2 ** 60 } } })).toEqual({
      ...NO_LIMITS,
      data: 0,
      jetstreamMemory: 0,
      jetstreamStorage: 0,
      jetstreamStreams: 0,
      jetstreamConsumers: 0,
    });
    expect(claimsOf(null)).toBeNull();
    expect(claimsOf({ nats: {} })).toBeNull();
  });

  it("reads JSZ: each account's memory, storage and streams with their consumers, by the account's id", () => {
    const reply = parseJsz(enc(jsz));
    expect(reply?.accounts.map((a) => [a.account, a.memory, a.storage, [...a.streams]])).toEqual([
      [
        KEY,
        70,
        670,
        [
          ['S2', 0],
          ['S1', 2],
        ],
      ],
      ['APP', 0, 0, []],
    ]);
    expect(parseJsz(enc({ server, data: { disabled: true } }))?.accounts).toEqual([]);
    expect(parseJsz(enc({ data: {} }))).toBeNull();
  });

  it('maps the disconnect reasons of a limit, verified on nats-server 2.9.10', () => {
    expect(refusalOf('Maximum Account Connections Exceeded')).toBe('connections');
    expect(refusalOf('Maximum Connections Exceeded')).toBe('connections');
    expect(refusalOf('Maximum Message Payload Exceeded')).toBe('payload');
    expect(refusalOf('Maximum Subscriptions Exceeded')).toBe('subscriptions');
    for (const r of [
      'Client Closed',
      'Slow Consumer (Write Deadline)',
      'maximum subscriptions exceeded',
      'constructor',
    ])
      expect(refusalOf(r)).toBeNull();
  });

  it("makes an account's snapshot from several servers: sums what each counts, dedupes what each sees", () => {
    const statzA = parseAccountStatz(enc(statz))!.accounts[0];
    const statzB = { ...statzA, server: 'NOTHER', connections: 2, slowConsumers: 1, leafnodes: 1 };
    const detail = parseAccountz(enc(accountz))!;
    const js = parseJsz(enc(jsz))!.accounts[0];
    const replica = { ...js, server: 'NOTHER', streams: new Map([['S1', 3]]) };
    expect(
      accountSnapshot(
        't1',
        1000,
        [statzA, statzB],
        [detail, { ...detail, subscriptions: 6 }],
        [js, replica],
        [{ subscriptions: 3 }, { subscriptions: 3 }, { subscriptions: 1 }],
      ),
    ).toEqual({
      tenantId: 't1',
      shape: 'account',
      at: 1000,
      connections: 7,
      // nats-server 2.9.10 caps `subs` per connection: the most on one connection (CONNZ), not
      // the account's total (ACCOUNTZ counts 8, Pulse's import subscriptions among them).
      subscriptions: 3,
      leafnodes: 1,
      slowConsumers: 1,
      jetstream: { memory: 140, storage: 1340, streams: 2, consumers: 3 },
      claims: detail.claims,
    });
    // No server reported the account: nothing open, no claims known.
    expect(accountSnapshot('t1', 1000, [], [], [], [])).toMatchObject({
      connections: 0,
      subscriptions: 0,
      jetstream: { memory: 0, storage: 0, streams: 0, consumers: 0 },
      claims: null,
    });
  });

  it("makes the subjects shape's snapshot from the tenant's attributed connections", () => {
    expect(subjectsSnapshot('t1', 5, [{ subscriptions: 2 }, { subscriptions: 3 }])).toEqual({
      tenantId: 't1',
      shape: 'subjects',
      at: 5,
      connections: 2,
      // The most on one connection (the server's limit is per connection), not the sum.
      subscriptions: 3,
      leafnodes: 0,
      slowConsumers: 0,
      jetstream: null,
      claims: null,
    });
  });
});
