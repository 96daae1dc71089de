/**
 * What the NATS server counts per connection and per account (issue #34), parsed from its system
 * account's replies and advisories, and the ServerSnapshot a poll makes of them. Pure: no I/O.
 * Verified against nats-server 2.9.10 (test/e2e/server-usage.e2e-spec.ts):
 *
 * - A client connection's `in_msgs`/`in_bytes` (CONNZ) are what the client published to the server
 *   (ingress), `out_msgs`/`out_bytes` what the server delivered to it (egress, one per subscriber
 *   a message reached). Bytes are payload bytes (headers included), no protocol framing.
 * - A disconnect advisory's `sent` is what the client sent (ingress), `received` what it received.
 * - An account's `received` (STATZ, the CONNS advisory) is what the server received from the
 *   account's clients (ingress), `sent` what it delivered to them (egress: 1 → 5 subscribers, 5×);
 *   in a cluster a server's `sent` also counts what it forwards over a route (README, What the
 *   NATS server knows), its `received` only what its own clients published.
 */
import type { LimitValues } from '../common/limits.js';
import type { ServerSnapshot } from './server-usage.types.js';

/** Messages and bytes. */
export interface Flow {
  msgs: number;
  bytes: number;
}

/** A server's cumulative counters of one source (a connection, or an account on one server). */
export interface ServerCounts {
  /** What the clients published to the server. */
  ingress: Flow;
  /** What the server delivered to them. */
  egress: Flow;
}

/** Longest text taken from the wire (names, ids, reasons). */
export const MAX_TEXT = 256;
/** Entries read from one reply's list at most (accounts, streams): a reply beyond is cut there. */
export const MAX_ENTRIES = 10_000;

/** Text from the wire, cut to MAX_TEXT; null when absent or empty. */
export const text = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 ? v.slice(0, MAX_TEXT) : null;
/** A name that identifies something (an account, a stream): null when longer than MAX_TEXT, never cut. */
export const name = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT ? v : null;
/** A counter: a finite number ≥ 0, whole, at most 2^53 − 1; anything else 0. */
export const count = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.min(Math.floor(v), Number.MAX_SAFE_INTEGER) : 0;
/** A JSON object (not an array), or null. */
export const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_ENTRIES) : []);
const flow = (v: unknown): Flow => ({ msgs: count(obj(v)?.msgs), bytes: count(obj(v)?.bytes) });

/** A payload as a JSON object, or null (not JSON, not an object). */
export function parseObject(payload: Uint8Array): Record<string, unknown> | null {
  try {
    return obj(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return null;
  }
}

/** A CONNZ connection's counters (ingress: `in_*`, egress: `out_*`) and its subscription count. */
export function connectionCounts(c: Record<string, unknown>): { counts: ServerCounts; subscriptions: number } {
  return {
    counts: {
      ingress: { msgs: count(c.in_msgs), bytes: count(c.in_bytes) },
      egress: { msgs: count(c.out_msgs), bytes: count(c.out_bytes) },
    },
    subscriptions: count(c.subscriptions),
  };
}

/** A limit a server refused for: the disconnect reasons nats-server gives (see refusalOf). */
export type Refusal = 'connections' | 'payload' | 'subscriptions';

/**
 * nats-server's disconnect reasons for a limit (its ClosedState strings). Seen on 2.9.10: an
 * account's `max_connections` (`conn`) reached: a CONNECT advisory, then a DISCONNECT with
 * `Maximum Account Connections Exceeded`; a message over `max_payload`: `Maximum Message Payload
 * Exceeded`. `Maximum Connections Exceeded` (the server's own limit) is refused before the
 * connection has an account, and a subscription over `max_subscriptions` is refused with an
 * error while the connection stays open, so 2.9.10 reports neither in a disconnect advisory;
 * they are mapped for servers that do.
 */
const REFUSALS = new Map<string, Refusal>([
  ['Maximum Account Connections Exceeded', 'connections'],
  ['Maximum Connections Exceeded', 'connections'],
  ['Maximum Message Payload Exceeded', 'payload'],
  ['Maximum Subscriptions Exceeded', 'subscriptions'],
]);

/** The limit a disconnect reason says the server refused, or null. */
export function refusalOf(reason: string): Refusal | null {
  return REFUSALS.get(reason) ?? null;
}

/** One account's figures on one server (STATZ, or the account-connections advisory). */
export interface AccountFigures {
  account: string;
  server: string;
  /** Client connections open on this server. */
  connections: number;
  leafnodes: number;
  slowConsumers: number;
  /** Cumulative since the server started: ingress = `received`, egress = `sent`. */
  counts: ServerCounts;
}

function accountFigures(a: Record<string, unknown>, server: string): AccountFigures | null {
  const account = name(a.acc);
  if (account === null) return null;
  return {
    account,
    server,
    connections: count(a.conns),
    leafnodes: count(a.leafnodes),
    slowConsumers: count(a.slow_consumers),
    counts: { ingress: flow(a.received), egress: flow(a.sent) },
  };
}

const serverIdOf = (reply: Record<string, unknown>): string | null => name(obj(reply.server)?.id);

/** The account-connections advisory (`$SYS.ACCOUNT.<account>.SERVER.CONNS`), or null. */
export function parseAccountConns(payload: Uint8Array): AccountFigures | null {
  const event = parseObject(payload);
  if (event?.type !== 'io.nats.server.advisory.v1.account_connections') return null;
  const server = serverIdOf(event);
  return server === null ? null : accountFigures(event, server);
}

/** One server's reply to `$SYS.REQ.ACCOUNT.PING.STATZ`: its figures of the accounts asked, or null. */
export function parseAccountStatz(payload: Uint8Array): { server: string; accounts: AccountFigures[] } | null {
  const reply = parseObject(payload);
  const server = reply && serverIdOf(reply);
  const data = obj(reply?.data);
  if (!server || !data || !Array.isArray(data.account_statz)) return null;
  return {
    server,
    accounts: list(data.account_statz).flatMap((a) => {
      const o = obj(a);
      const figures = o && accountFigures(o, server);
      return figures ? [figures] : [];
    }),
  };
}

/** One server's ACCOUNTZ detail of one account. */
export interface AccountDetail {
  server: string;
  account: string;
  connections: number;
  /**
   * The account's subscriptions on this server (its sublist: imports' and routed interest
   * included); not the snapshot's, which is per connection (accountSnapshot).
   */
  subscriptions: number;
  leafnodes: number;
  /** The limits of the account's claims (operator/JWT mode), or null (an account of a config file). */
  claims: LimitValues | null;
}

/**
 * A claim's limit: a whole number ≥ 0 as is; absent: 0 (a JWT omits zeros, and the server reads
 * an absent `conn` as no connection allowed, absent JetStream limits as no JetStream); -1
 * (unlimited) or anything else: null.
 */
const claimed = (v: unknown): number | null =>
  v === undefined ? 0 : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;

/** JWT v2 account limits (`nats.limits`) → Pulse's limit names. */
const CLAIM_FIELDS = [
  ['connections', 'conn'],
  ['subscriptions', 'subs'],
  ['payload', 'payload'],
  ['data', 'data'],
  ['jetstreamMemory', 'mem_storage'],
  ['jetstreamStorage', 'disk_storage'],
  ['jetstreamStreams', 'streams'],
  ['jetstreamConsumers', 'consumer'],
] as const;
const JETSTREAM_CLAIMS = new Set(['mem_storage', 'disk_storage', 'streams', 'consumer']);

/**
 * The limits of a decoded account JWT (`decoded_jwt.nats.limits`): -1 → null (unlimited), absent
 * → 0 (see claimed). A JetStream limit absent at the top but given per tier (`tiered_limits`, e.g.
 * R1 and R3) is the sum over the tiers (null when any tier is unlimited). `monthlyMessages` is
 * never a claim.
 */
export function claimsOf(decoded: unknown): LimitValues | null {
  const limits = obj(obj(obj(decoded)?.nats)?.limits);
  if (!limits) return null;
  const tiers = Object.values(obj(limits.tiered_limits) ?? {})
    .slice(0, 16)
    .flatMap((t) => (obj(t) ? [obj(t)!] : []));
  const value = (field: string): number | null => {
    if (field in limits || !JETSTREAM_CLAIMS.has(field) || tiers.length === 0) return claimed(limits[field]);
    let sum = 0;
    for (const tier of tiers) {
      const v = claimed(tier[field]);
      if (v === null) return null;
      sum += v;
    }
    return sum;
  };
  const out = { monthlyMessages: null } as LimitValues;
  for (const [limit, field] of CLAIM_FIELDS) out[limit] = value(field);
  return out;
}

/** One server's reply to `$SYS.REQ.SERVER.PING.ACCOUNTZ` with `{ "account": … }`, or null. */
export function parseAccountz(payload: Uint8Array): AccountDetail | null {
  const reply = parseObject(payload);
  const server = reply && serverIdOf(reply);
  const detail = obj(obj(reply?.data)?.account_detail);
  const account = name(detail?.account_name);
  if (!server || !detail || account === null) return null;
  return {
    server,
    account,
    connections: count(detail.client_connections),
    subscriptions: count(detail.subscriptions),
    leafnodes: count(detail.leafnode_connections),
    claims: claimsOf(detail.decoded_jwt),
  };
}

/** One account's JetStream on one server (JSZ). */
export interface AccountJetStream {
  server: string;
  /** The account's id (its public key in operator mode; its name from a config file). */
  account: string;
  memory: number;
  storage: number;
  /** Stream name → its consumers (`streams: true`; the streams this server holds). */
  streams: Map<string, number>;
}

/** One server's reply to `$SYS.REQ.SERVER.PING.JSZ` with `{ "accounts": true, "streams": true }`, or null. */
export function parseJsz(payload: Uint8Array): { server: string; accounts: AccountJetStream[] } | null {
  const reply = parseObject(payload);
  const server = reply && serverIdOf(reply);
  const data = obj(reply?.data);
  if (!server || !data) return null;
  return {
    server,
    accounts: list(data.account_details).flatMap((a) => {
      const o = obj(a);
      const account = name(o?.id) ?? name(o?.name);
      if (!o || account === null) return [];
      const streams = new Map<string, number>();
      for (const s of list(o.stream_detail)) {
        const stream = name(obj(s)?.name);
        if (stream !== null) streams.set(stream, count(obj(obj(s)?.state)?.consumer_count));
      }
      return [{ server, account, memory: count(o.memory), storage: count(o.storage), streams }];
    }),
  };
}

/**
 * The accounts shape's snapshot of one tenant's account from one poll: connections, leaf nodes
 * and slow consumers summed over the servers' STATZ (each counts its own); subscriptions the most
 * on any one of the account's client connections (CONNZ; `connections`): nats-server 2.9.10
 * applies the claims' `subs` per connection, and ACCOUNTZ's account total counts the server's
 * import subscriptions too; claims from the first reply that has them; JetStream memory and
 * storage summed over the servers (replicas included, as the servers store them), streams counted
 * once by name, each stream's consumers the most any server reports; the busiest of the account's
 * connections (CONNZ) by its subscriptions, what the claims' `subs` caps.
 */
export function accountSnapshot(
  tenantId: string,
  at: number,
  figures: AccountFigures[],
  details: AccountDetail[],
  jetstream: AccountJetStream[],
  connections: { subscriptions: number }[],
): ServerSnapshot {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const streams = new Map<string, number>();
  for (const js of jetstream)
    for (const [s, consumers] of js.streams) streams.set(s, Math.max(streams.get(s) ?? 0, consumers));
  return {
    tenantId,
    shape: 'account',
    at,
    connections: sum(figures.map((f) => f.connections)),
    subscriptions: mostSubscriptions(connections),
    leafnodes: sum(figures.map((f) => f.leafnodes)),
    slowConsumers: sum(figures.map((f) => f.slowConsumers)),
    jetstream: {
      memory: sum(jetstream.map((j) => j.memory)),
      storage: sum(jetstream.map((j) => j.storage)),
      streams: streams.size,
      consumers: sum([...streams.values()]),
    },
    claims: details.find((d) => d.claims !== null)?.claims ?? null,
  };
}

/** The most subscriptions on one connection (0 without any). */
function mostSubscriptions(connections: { subscriptions: number }[]): number {
  let most = 0;
  for (const c of connections) most = Math.max(most, c.subscriptions);
  return most;
}

/**
 * The subjects shape's snapshot of one tenant from one CONNZ poll: its attributed verified
 * connections and the most subscriptions on one of them (a server's subscription limit is per
 * connection). Slow consumers are the slow-consumer
 * disconnects counted for the tenant (`na_sc`), filled in by the reader.
 */
export function subjectsSnapshot(
  tenantId: string,
  at: number,
  connections: { subscriptions: number }[],
): ServerSnapshot {
  return {
    tenantId,
    shape: 'subjects',
    at,
    connections: connections.length,
    subscriptions: mostSubscriptions(connections),
    leafnodes: 0,
    slowConsumers: 0,
    jetstream: null,
    claims: null,
  };
}
