import { describe, expect, it } from 'vitest';
import { IdentityMap, isSlowConsumer, parseConnz, parseEvent, sdkNameOf } from './system-events.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const server = { id: 'NSERVER', name: 'n1' };
const client = {
  id: 6,
  acc: 'APP',
  user: 'alice',
  name: 'pulse:t1:c1',
  lang: 'nats.js',
  ver: '3.4.0',
  rtt: 1_282_717,
  host: '127.0.0.1',
  start: '2026-12-02T17:32:53.468Z',
};
const none = { accounts: [], users: [], nkeys: [] };

describe('NATS system advisories', () => {
  it('parses connect, disconnect (reason, counts) and authentication failures; anything else is null', () => {
    const connect = parseEvent(enc({ type: 'io.nats.server.advisory.v1.client_connect', server, client }));
    expect(connect).toMatchObject({
      kind: 'connect',
      connection: { key: 'NSERVER:6', account: 'APP', user: 'alice', name: 'pulse:t1:c1', rttMs: 1.283, nkey: null },
    });
    const gone = parseEvent(
      enc({
        type: 'io.nats.server.advisory.v1.client_disconnect',
        server,
        client: { ...client, stop: '2026-12-02T17:33:00.000Z' },
        sent: { msgs: 1, bytes: 5 },
        received: { msgs: 2, bytes: 9 },
        reason: 'Client Closed',
      }),
    );
    expect(gone).toMatchObject({
      kind: 'disconnect',
      disconnect: {
        reason: 'Client Closed',
        sent: { msgs: 1, bytes: 5 },
        received: { msgs: 2, bytes: 9 },
        disconnectedAt: '2026-12-02T17:33:00.000Z',
      },
    });
    const failed = parseEvent(
      enc({
        type: 'io.nats.server.advisory.v1.client_disconnect',
        server,
        client: { ...client, acc: '$G', name: undefined },
        reason: 'Authentication Failure',
      }),
    );
    expect(failed).toEqual({
      kind: 'auth_error',
      failure: { user: 'alice', nkey: null, host: '127.0.0.1', name: null, reason: 'Authentication Failure' },
    });
    for (const bad of [
      new Uint8Array([0xff]),
      enc([1]),
      enc({ type: 'x' }),
      enc({ type: 'io.nats.server.advisory.v1.client_connect', server, client: { id: 'x' } }),
    ])
      expect(parseEvent(bad)).toBeNull();
    expect(isSlowConsumer('Slow Consumer (Write Deadline)')).toBe(true);
    expect(isSlowConsumer('Client Closed')).toBe(false);
  });

  it('reads the SDK name only in its exact form', () => {
    expect(sdkNameOf('pulse:t1:c1')).toEqual({ tenantId: 't1', clientId: 'c1' });
    for (const n of ['pulse:t1', 'pulse:t 1:c', 'pulse:t1:c1:x', 'app', null]) expect(sdkNameOf(n)).toBeNull();
  });

  it('attributes by a registered nkey, user or account; a name only for a tenant that registered no identity', () => {
    const map = new IdentityMap([
      { id: 'acme', natsIdentities: { accounts: [], users: ['alice'], nkeys: [] } },
      { id: 'globex', natsIdentities: { accounts: ['GLOBEX'], users: [], nkeys: ['UABC'] } },
      { id: 'open', natsIdentities: none },
    ]);
    const c = { account: 'APP', user: null, nkey: null, name: null };
    const verified = { verified: true, hint: false };
    expect(map.attribute({ ...c, user: 'alice', name: 'pulse:acme:c1' })).toEqual({
      tenantId: 'acme',
      clientId: 'c1',
      by: 'user',
      ...verified,
    });
    expect(map.attribute({ ...c, nkey: 'UABC' })).toEqual({
      tenantId: 'globex',
      clientId: null,
      by: 'nkey',
      ...verified,
    });
    expect(map.attribute({ ...c, account: 'GLOBEX', name: 'pulse:acme:c9' })).toEqual({
      tenantId: 'globex',
      clientId: null,
      by: 'account',
      ...verified,
    });
    // A name alone is a hint by default: no client id, acted on by nothing.
    expect(map.attribute({ ...c, name: 'pulse:open:c2' })).toEqual({
      tenantId: 'open',
      clientId: null,
      by: 'name',
      verified: false,
      hint: true,
    });
    // Trusted only when the operator says so (NATS_SYSTEM_TRUST_NAMES), and still unverified.
    const trusting = new IdentityMap([{ id: 'open', natsIdentities: none }], true);
    expect(trusting.attribute({ ...c, name: 'pulse:open:c2' })).toEqual({
      tenantId: 'open',
      clientId: 'c2',
      by: 'name',
      verified: false,
      hint: false,
    });
    // A name claiming a tenant with registered identities, from another identity: not believed.
    expect(map.attribute({ ...c, user: 'mallory', name: 'pulse:acme:c1' })).toBeNull();
    expect(map.attribute({ ...c, name: 'pulse:nobody:c1' })).toBeNull();
    expect(map.attribute({ ...c, user: '__proto__' })).toBeNull();
    expect(map.ofLogin('alice', null)).toBe('acme');
    expect(map.ofLogin(null, 'UABC')).toBe('globex');
    // The server names an nkey user by its public key in `user`.
    const key = `U${'A'.repeat(55)}`;
    const byKey = new IdentityMap([{ id: 'k', natsIdentities: { accounts: [], users: [], nkeys: [key] } }]);
    expect(byKey.attribute({ ...c, user: key })).toEqual({ tenantId: 'k', clientId: null, by: 'nkey', ...verified });
    expect(byKey.ofLogin(key, null)).toBe('k');
    expect(map.ofLogin('constructor', null)).toBeNull();
    // A tenant's own account (natsAccount) is one of its accounts: its connections are the tenant's.
    const own = new IdentityMap([{ id: 'acct', natsIdentities: none, natsAccount: 'TENANT_A' }]);
    expect(own.attribute({ ...c, account: 'TENANT_A', user: 'anyone' })).toEqual({
      tenantId: 'acct',
      clientId: null,
      by: 'account',
      ...verified,
    });
  });

  it("reads a server's CONNZ page: connections keyed as the advisories are, RTT from a Go duration", () => {
    const page = parseConnz(
      enc({
        server: { id: 'NSERVER' },
        data: {
          connections: [
            {
              cid: 6,
              rtt: '1.28ms',
              authorized_user: 'alice',
              account: 'APP',
              name: 'pulse:t1:c1',
              ip: '127.0.0.1',
              lang: 'go',
              version: '1.0',
              start: 's',
            },
            { cid: 7, rtt: '850µs' },
            { cid: 'x' },
          ],
        },
      }),
    );
    expect(page?.server).toBe('NSERVER');
    expect(page?.connections.map((c) => [c.key, c.rttMs, c.user])).toEqual([
      ['NSERVER:6', 1.28, 'alice'],
      ['NSERVER:7', 0.85, null],
    ]);
    expect(parseConnz(enc({ data: {} }))).toBeNull();
    expect(parseConnz(new Uint8Array([0xff]))).toBeNull();
  });
});
