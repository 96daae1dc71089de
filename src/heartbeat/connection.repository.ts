import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HistoryKeys } from '../history/history-keys.js';

/** Closed connections a tenant keeps (the latest), for their reasons and counts. */
export const CLOSED_KEPT = 1000;
/**
 * Open unverified hints a tenant keeps (anyone can name a connection as the tenant's: each costs
 * the namer a live connection, and beyond this it costs the tenant nothing).
 */
export const OPEN_HINTS_KEPT = 1000;
/**
 * Closes of unverified hints a tenant keeps, apart from its own closed connections: anyone can
 * churn connections named as the tenant's, and they must not push its real history out.
 */
export const HINT_CLOSES_KEPT = 100;
/** Connections a list answers at most (newest first). */
export const CONNECTIONS_LISTED = 1000;

/** A connection as Pulse keeps it. */
export interface ConnectionRecord {
  key: string;
  server: string;
  cid: number;
  clientId: string | null;
  /** How it was attributed to the tenant. */
  by: 'account' | 'user' | 'nkey' | 'name';
  /** By an identity the server authenticated; false: by its name alone (anyone can set one). */
  verified: boolean;
  name: string | null;
  account: string | null;
  user: string | null;
  host: string | null;
  lang: string | null;
  version: string | null;
  rttMs: number | null;
  connectedAt: string | null;
  state: 'connected' | 'disconnected';
  disconnectedAt?: string;
  reason?: string;
  sent?: { msgs: number; bytes: number };
  received?: { msgs: number; bytes: number };
}

export interface ConnectionSummary {
  connected: number;
  /** Open connections that are not heartbeating clients: no SDK name, or an SDK client never heard. */
  withoutSdk: number;
  /** SDK clients whose connection is open while their heartbeats stopped (offline): stuck processes. */
  connectedSilent: number;
  /** Open connections only named as the tenant's (not in the counts above): hints, not facts. */
  unverified: number;
}

/** One change to apply: a connection opened or closed, or a counter of the tenant's totals. */
export type ConnectionOp =
  /** `hint`: attributed by its name alone; listed, but joins no client and no count. */
  | { op: 'open' | 'close'; record: ConnectionRecord; at: number; hint?: boolean }
  | { op: 'count'; field: string; n: number }
  /** A failed login with one of the tenant's identities, from an address. */
  | { op: 'authfail'; identity: string; host: string };

/**
 * Applies a batch of one tenant's connection changes, only while the tenant exists. A connection
 * already closed is not reopened by a connect advisory processed after its disconnect (two
 * instances of the queue group may take them in either order).
 * A hint (a connection attributed by its name alone) is kept and listed (conns, open, hint) but
 * never joins a client (sdk, client) nor the summary's sets (nosdk); at most OPEN_HINTS_KEPT open.
 * Its close is kept apart (hintclosed, the latest HINT_CLOSES_KEPT), so that closes anyone can
 * cause never push the tenant's own closed connections out of theirs.
 * KEYS: tenant, conns, open, nosdk, sdk, client, closed, totals, failed-login sources, hint,
 * hintclosed.
 * ARGV: ops (see ConnectionOp).
 */
const APPLY_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 1
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'c' then
    local key, json, client, ts, hint = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
    local cur = redis.call('HGET', KEYS[2], key)
    local closed = cur and string.find(cur, '"state":"disconnected"', 1, true)
    local full = hint == '1' and not redis.call('ZSCORE', KEYS[10], key)
      and redis.call('ZCARD', KEYS[10]) >= ${OPEN_HINTS_KEPT}
    if not closed and not full then
      redis.call('HSET', KEYS[2], key, json)
      redis.call('ZADD', KEYS[3], ts, key)
      if hint == '1' then
        redis.call('ZADD', KEYS[10], ts, key)
      elseif client ~= '' then
        redis.call('ZADD', KEYS[5], ts, client)
        redis.call('HSET', KEYS[6], client, key)
      else
        redis.call('ZADD', KEYS[4], ts, key)
      end
    end
    i = i + 6
  elseif op == 'd' then
    local key, json, client, ts, hint = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
    local closed, kept = KEYS[7], ${CLOSED_KEPT}
    if hint == '1' then closed, kept = KEYS[11], ${HINT_CLOSES_KEPT} end
    -- A hint's close never overwrites a closed connection of the tenant's own.
    if hint ~= '1' or not redis.call('ZSCORE', KEYS[7], key) then
      redis.call('HSET', KEYS[2], key, json)
      redis.call('ZREM', KEYS[3], key)
      redis.call('ZREM', KEYS[4], key)
      redis.call('ZREM', KEYS[10], key)
      -- In one closed set only: trimming either never removes a record the other lists.
      if hint ~= '1' then redis.call('ZREM', KEYS[11], key) end
      if client ~= '' and hint ~= '1' then
        local latest = redis.call('HGET', KEYS[6], client)
        if not latest or latest == key then
          redis.call('ZREM', KEYS[5], client)
          redis.call('HSET', KEYS[6], client, key)
        end
      end
      redis.call('ZADD', closed, ts, key)
      local n = redis.call('ZCARD', closed)
      if n > kept then
        for _, old in ipairs(redis.call('ZRANGE', closed, 0, n - kept - 1)) do
          redis.call('HDEL', KEYS[2], old)
          redis.call('ZREM', closed, old)
        end
      end
    end
    i = i + 6
  elseif op == 'a' then
    local field = ARGV[i + 1]
    if redis.call('HEXISTS', KEYS[9], field) == 0 and redis.call('HLEN', KEYS[9]) >= 1000 then field = 'other' end
    redis.call('HINCRBY', KEYS[9], field, 1)
    redis.call('EXPIRE', KEYS[9], 3600)
    i = i + 2
  else
    redis.call('HINCRBY', KEYS[8], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  end
end
return 1
`;

/** The tenant's NATS connections in Redis (keys: RedisKeys.connections). */
@Injectable()
export class ConnectionRepository {
  private readonly scripts: Record<'pulseConnections', LuaScript>;

  /** Where the history counters and client days this repository writes live. */
  private readonly history: HistoryKeys;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.history = new HistoryKeys(keys.prefix);
    this.scripts = defineScripts(redis, { pulseConnections: { lua: APPLY_LUA, keys: 11 } });
  }

  async apply(tenantId: string, ops: ConnectionOp[]): Promise<void> {
    if (ops.length === 0) return;
    const k = (p: Parameters<RedisKeys['connections']>[1]) => this.keys.connections(tenantId, p);
    const args: (string | number)[] = [];
    for (const o of ops) {
      if (o.op === 'count') args.push('h', o.field, o.n);
      else if (o.op === 'authfail') args.push('a', `${o.identity} ${o.host}`);
      else
        args.push(
          o.op === 'open' ? 'c' : 'd',
          o.record.key,
          JSON.stringify(o.record),
          o.record.clientId ?? '',
          o.at,
          o.hint ? '1' : '0',
        );
    }
    await this.scripts.pulseConnections(
      [
        this.keys.tenant(tenantId),
        k(''),
        k('open'),
        k('nosdk'),
        k('sdk'),
        k('client'),
        k('closed'),
        this.history.totals(tenantId),
        this.keys.natsAuthSources(tenantId),
        k('hint'),
        k('hintclosed'),
      ],
      args,
    );
  }

  async summary(tenantId: string): Promise<ConnectionSummary> {
    const k = (p: Parameters<RedisKeys['connections']>[1]) => this.keys.connections(tenantId, p);
    const [open, nosdk, sdk, heard, silent, hints] = await Promise.all([
      this.redis.zcard(k('open')),
      this.redis.zcard(k('nosdk')),
      this.redis.zcard(k('sdk')),
      this.redis.call('ZINTERCARD', 2, k('sdk'), this.keys.clientIndex(tenantId)) as Promise<number>,
      this.redis.call('ZINTERCARD', 2, k('sdk'), this.keys.clientsInStatus(tenantId, 'offline')) as Promise<number>,
      this.redis.zcard(k('hint')),
    ]);
    return { connected: open - hints, withoutSdk: nosdk + (sdk - heard), connectedSilent: silent, unverified: hints };
  }

  /**
   * The open connections, newest first, at most CONNECTIONS_LISTED; or the closed ones kept (the
   * tenant's own and the hints' closes, newest first).
   */
  async list(tenantId: string, state: 'open' | 'closed'): Promise<ConnectionRecord[]> {
    const newest = (part: 'closed' | 'hintclosed') =>
      this.redis.zrevrange(this.keys.connections(tenantId, part), 0, CONNECTIONS_LISTED - 1, 'WITHSCORES');
    if (state === 'closed')
      return this.byKeys(tenantId, byScore(await Promise.all([newest('closed'), newest('hintclosed')])));
    const keys = await this.redis.zrevrange(this.keys.connections(tenantId, 'open'), 0, CONNECTIONS_LISTED - 1);
    return this.byKeys(tenantId, keys);
  }

  /** Each client's latest connection, or null (never seen by the server, or forgotten). */
  async ofClients(tenantId: string, clientIds: string[]): Promise<(ConnectionRecord | null)[]> {
    if (clientIds.length === 0) return [];
    const keys = await this.redis.hmget(this.keys.connections(tenantId, 'client'), ...clientIds);
    const present = keys.filter((x): x is string => x !== null);
    const records = new Map((await this.byKeys(tenantId, present)).map((r) => [r.key, r]));
    return keys.map((key) => (key === null ? null : (records.get(key) ?? null)));
  }

  /** The keys of the connections open since before `before` (ms): the server poll's reconcile. */
  openKeys(tenantId: string, before: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.connections(tenantId, 'open'), '-inf', `(${before}`);
  }

  /** The records of these connections that are kept (missing ones left out). */
  async byKeys(tenantId: string, keys: string[]): Promise<ConnectionRecord[]> {
    if (keys.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.connections(tenantId), ...keys);
    return raw.flatMap((r) => (r === null ? [] : [withVerified(JSON.parse(r) as ConnectionRecord)]));
  }
}

/** The members of ZREVRANGE … WITHSCORES answers, merged newest first. */
function byScore(answers: string[][]): string[] {
  const scored = answers.flatMap((flat) =>
    Array.from({ length: flat.length / 2 }, (_, i) => ({ key: flat[2 * i], at: Number(flat[2 * i + 1]) })),
  );
  return scored.sort((a, b) => b.at - a.at).map((s) => s.key);
}

/** Records stored before #31 carry no `verified`: only a name-attributed one was not. */
function withVerified(r: ConnectionRecord): ConnectionRecord {
  return typeof r.verified === 'boolean' ? r : { ...r, verified: r.by !== 'name' };
}

export const NATS_COUNTERS = {
  connects: F.natsConnects,
  slowConsumers: F.natsSlowConsumers,
  authFailures: F.natsAuthFailures,
};
