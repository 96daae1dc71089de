/**
 * What the NATS server says about connections (its system account's advisories), parsed, and
 * which tenant a connection belongs to. Pure: unit-tested without a server.
 */
import { ID_PATTERN } from '../common/ids.js';
import { connectionCounts, count, obj, parseObject, type ServerCounts, text } from './server-figures.js';
import { claimedIdentities, natsIdentityPairs, type Tenant } from '../tenants/tenant.js';

/** A connection as the server describes it in a connect or disconnect advisory. */
export interface ServerConnection {
  /** `<server id>:<cid>`: unique while the server runs. */
  key: string;
  server: string;
  cid: number;
  account: string | null;
  user: string | null;
  nkey: string | null;
  name: string | null;
  host: string | null;
  lang: string | null;
  version: string | null;
  /** Round-trip time in ms, when the server measured it. */
  rttMs: number | null;
  connectedAt: string | null;
}

export interface Disconnect {
  connection: ServerConnection;
  reason: string;
  /** What the client sent and received over the connection. */
  sent: { msgs: number; bytes: number };
  received: { msgs: number; bytes: number };
  disconnectedAt: string;
}

export interface AuthFailure {
  /** The identity tried (user name or nkey), null when none was given. */
  user: string | null;
  nkey: string | null;
  host: string | null;
  name: string | null;
  reason: string;
}

function connectionOf(event: Record<string, unknown>): ServerConnection | null {
  const client = obj(event.client);
  const server = obj(event.server);
  const serverId = text(server?.id);
  if (!client || !serverId || typeof client.id !== 'number') return null;
  const rtt = typeof client.rtt === 'number' ? client.rtt / 1e6 : null; // nanoseconds
  return {
    key: `${serverId}:${client.id}`,
    server: serverId,
    cid: client.id,
    account: text(client.acc),
    user: text(client.user),
    nkey: text(client.nkey),
    name: text(client.name),
    host: text(client.host),
    lang: text(client.lang),
    version: text(client.ver),
    rttMs: rtt === null ? null : Number(rtt.toFixed(3)),
    connectedAt: text(client.start),
  };
}

/** Parses an advisory's payload; null for anything that is not one (counted by the caller). */
export function parseEvent(
  payload: Uint8Array,
):
  | { kind: 'connect'; connection: ServerConnection }
  | { kind: 'disconnect'; disconnect: Disconnect }
  | { kind: 'auth_error'; failure: AuthFailure }
  | null {
  const event = parseObject(payload);
  if (!event) return null;
  const connection = connectionOf(event);
  if (event.type === 'io.nats.server.advisory.v1.client_connect')
    return connection ? { kind: 'connect', connection } : null;
  if (event.type !== 'io.nats.server.advisory.v1.client_disconnect' || !connection) return null;
  const reason = text(event.reason) ?? 'unknown';
  // An authentication failure is a disconnect advisory on the server's AUTH.ERR subject, with no account yet.
  if (reason === 'Authentication Failure' || reason === 'Authorization Violation') {
    return {
      kind: 'auth_error',
      failure: { user: connection.user, nkey: connection.nkey, host: connection.host, name: connection.name, reason },
    };
  }
  const sent = obj(event.sent);
  const received = obj(event.received);
  return {
    kind: 'disconnect',
    disconnect: {
      connection,
      reason,
      sent: { msgs: count(sent?.msgs), bytes: count(sent?.bytes) },
      received: { msgs: count(received?.msgs), bytes: count(received?.bytes) },
      disconnectedAt: text(obj(event.client)?.stop) ?? text(event.timestamp) ?? new Date().toISOString(),
    },
  };
}

/** A connection of a CONNZ page: as an advisory describes it, with the server's counters. */
export interface PolledConnection extends ServerConnection {
  /** Cumulative since it connected: ingress `in_msgs`/`in_bytes`, egress `out_msgs`/`out_bytes`. */
  counts: ServerCounts;
  subscriptions: number;
}

/** One server's CONNZ reply as connections, or null. */
export function parseConnz(data: Uint8Array): { server: string; connections: PolledConnection[] } | null {
  const reply = parseObject(data);
  const server = text(obj(reply?.server)?.id);
  const connections = obj(reply?.data)?.connections;
  if (server === null || !Array.isArray(connections)) return null;
  return {
    server,
    connections: connections.flatMap((raw) => {
      const c = obj(raw);
      return !c || typeof c.cid !== 'number'
        ? []
        : [
            {
              key: `${server}:${c.cid}`,
              server,
              cid: c.cid,
              account: text(c.account),
              user: text(c.authorized_user),
              nkey: text(c.nkey),
              name: text(c.name),
              host: text(c.ip),
              lang: text(c.lang),
              version: text(c.version),
              rttMs: rttOf(c.rtt),
              connectedAt: text(c.start),
              ...connectionCounts(c),
            },
          ];
    }),
  };
}

const RTT_UNITS = new Map([
  ['ns', 1e-6],
  ['µs', 1e-3],
  ['us', 1e-3],
  ['ms', 1],
  ['s', 1000],
]);

/** CONNZ writes RTT as a Go duration (`1.28ms`, `850µs`, `1.2s`). */
function rttOf(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = /^([0-9.]+)(ns|µs|us|ms|s)$/.exec(v);
  if (!m) return null;
  return Number((Number(m[1]) * (RTT_UNITS.get(m[2]) ?? 0)).toFixed(3));
}

/** A slow consumer's disconnect reason (`Slow Consumer (Pending Bytes)`, `… (Write Deadline)`). */
export function isSlowConsumer(reason: string): boolean {
  return reason.startsWith('Slow Consumer');
}

/** The client name PulseClient sets: `pulse:<tenantId>:<clientId>`. */
export function sdkNameOf(name: string | null): { tenantId: string; clientId: string } | null {
  if (name === null || !name.startsWith('pulse:')) return null;
  const parts = name.split(':');
  if (parts.length !== 3 || !ID_PATTERN.test(parts[1]) || !ID_PATTERN.test(parts[2])) return null;
  return { tenantId: parts[1], clientId: parts[2] };
}

/** The server names an nkey user by its public key in `user` (`U…`, 56 characters). */
function nkeyOf(c: { user: string | null; nkey: string | null }): string | null {
  if (c.nkey !== null) return c.nkey;
  return c.user !== null && /^U[A-Z2-7]{55}$/.test(c.user) ? c.user : null;
}

export interface Attribution {
  tenantId: string;
  /** The SDK's client id, when the connection carries one for this tenant and it is acted on. */
  clientId: string | null;
  by: 'account' | 'user' | 'nkey' | 'name';
  /** Attributed by an identity the server authenticated (nkey, user, account), not a name. */
  verified: boolean;
  /**
   * Only a hint: attributed by the name alone, which Pulse does not act on (no client row, no
   * counter the anomaly rules read, no presence event); listed for the tenant as unverified.
   */
  hint: boolean;
}

/**
 * Which tenant a connection is: by its nkey, user or account when a tenant registered it (an
 * identity the server authenticated; a tenant's own `natsAccount` is one of its accounts), else
 * by the SDK's client name. A name is only the client's word (any NATS user can set any name),
 * so it never outweighs a registered identity and is
 * considered only for a tenant that registered none; even then it is a hint (listed, flagged
 * unverified, acted on by nothing) unless the operator trusts names (NATS_SYSTEM_TRUST_NAMES).
 * Lookups are Maps: a name from the wire never reaches an object's prototype.
 */
export class IdentityMap {
  private readonly byIdentity = new Map<string, string>();
  private readonly registered = new Set<string>();
  private readonly known = new Set<string>();

  constructor(
    tenants: Iterable<Pick<Tenant, 'id' | 'natsIdentities'> & { natsAccount?: string | null }>,
    private readonly trustNames = false,
  ) {
    for (const t of tenants) {
      this.known.add(t.id);
      const pairs = natsIdentityPairs(claimedIdentities(t));
      for (const [kind, value] of pairs) this.byIdentity.set(`${kind}:${value}`, t.id);
      if (pairs.length > 0) this.registered.add(t.id);
    }
  }

  /** The tenant of an identity tried at login (user name or nkey), or null. */
  ofLogin(user: string | null, nkey: string | null): string | null {
    const key = nkeyOf({ user, nkey });
    return (
      (key !== null ? this.byIdentity.get(`nkey:${key}`) : undefined) ??
      (user !== null ? this.byIdentity.get(`user:${user}`) : undefined) ??
      null
    );
  }

  attribute(c: Pick<ServerConnection, 'account' | 'user' | 'nkey' | 'name'>): Attribution | null {
    const sdk = sdkNameOf(c.name);
    const by = (
      [
        ['nkey', nkeyOf(c)],
        ['user', c.user],
        ['account', c.account],
      ] as const
    ).find(([kind, v]) => v !== null && this.byIdentity.has(`${kind}:${v}`));
    if (by) {
      const tenantId = this.byIdentity.get(`${by[0]}:${by[1]}`)!;
      const clientId = sdk?.tenantId === tenantId ? sdk.clientId : null;
      return { tenantId, clientId, by: by[0], verified: true, hint: false };
    }
    if (sdk && this.known.has(sdk.tenantId) && !this.registered.has(sdk.tenantId)) {
      const hint = !this.trustNames;
      return { tenantId: sdk.tenantId, clientId: hint ? null : sdk.clientId, by: 'name', verified: false, hint };
    }
    return null;
  }
}
