import { Inject, Injectable } from '@nestjs/common';
import { minuteEpochOf } from '../common/time.js';
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { HistoryKeys } from '../history/history-keys.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { Refusal } from './server-figures.js';
import { ServerUsageKeys } from './server-usage-keys.js';
import type { ServerSnapshot } from './server-usage.types.js';
import type { UsageBatch } from './usage-batch.js';

/**
 * How long a source's baseline outlives the last figures seen of it: a connection still open
 * after Pulse saw nothing of it this long (every instance down) is counted again from its start.
 */
export const BASELINE_TTL_SECONDS = 3 * 86_400;
/**
 * Sources one Lua call writes at most: a tenant's large batch (connection churn) is written in
 * several short calls (~8 µs of Redis per source), none blocking Redis for long. Each call is
 * whole on its own; a retry of the batch counts nothing again.
 */
export const SOURCES_PER_CALL = 250;

/** The counter field of each refusal (COUNTER_SCHEMA). */
export const REFUSAL_FIELDS: ReadonlyMap<Refusal, string> = new Map([
  ['connections', F.refusedConnections],
  ['payload', F.refusedPayloads],
  ['subscriptions', F.refusedSubscriptions],
]);

/** ARGV values per source op in USAGE_LUA. */
const STRIDE = 11;

/**
 * Writes one tenant's server figures, only while the tenant exists, at most once per change of a
 * cumulative counter. KEYS: the tenant record, its totals, the current minute's hash, its snapshot
 * key, then one baseline key per source. ARGV: minute TTL, baseline TTL, tombstone TTL, snapshot
 * JSON ('' none), snapshot TTL, then per source: op (`f` figures of an open source, `a` an
 * account's figures (`f`, but a first sighting only sets the baseline), `F` final counts of a
 * closed connection, `R` a close that counts no figures), the index of its key,
 * in_msgs, in_bytes, out_msgs, out_bytes, the refusal's counter field ('' none), and an account's least
 * figures in the batch (its first sighting's baseline; 0 for other ops).
 * Per source and counter: delta = max(0, figure − baseline), baseline = max(baseline, figure); a
 * tombstone (`x`, a closed connection already counted) makes the op count nothing. The deltas go
 * to the minute (which the rollup folds into its hour and day) and the totals. Numbers are
 * written with %.0f: Lua's own tostring would turn counts past 1e14 into 1e+14.
 * Returns in_msgs, in_bytes, out_msgs, out_bytes added and refusals counted; -1 without the tenant.
 */
const USAGE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local FIELDS = { '${F.serverIngressMessages}', '${F.serverIngressBytes}', '${F.serverEgressMessages}', '${F.serverEgressBytes}' }
local add = { 0, 0, 0, 0 }
local refused, nrefused = {}, 0
for i = 6, #ARGV, ${STRIDE} do
  local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
  local cur = redis.call('GET', key)
  if cur ~= 'x' then
    if op ~= 'R' then
      -- An account's first sighting by the tenant: its baseline is the batch's least figures of it
      -- (the account's past is not counted; what came after the first figure in the batch is).
      local base = { 0, 0, 0, 0 }
      if cur then
        local j = 1
        for v in string.gmatch(cur, '%S+') do base[j] = tonumber(v) or 0; j = j + 1 end
      elseif op == 'a' then
        for j = 1, 4 do base[j] = tonumber(ARGV[i + 6 + j]) or 0 end
      end
      local kept = {}
      for j = 1, 4 do
        local v = tonumber(ARGV[i + 1 + j]) or 0
        if v > base[j] then
          add[j] = add[j] + (v - base[j])
          base[j] = v
        end
        kept[j] = string.format('%.0f', base[j])
      end
      if op == 'f' or op == 'a' then redis.call('SET', key, table.concat(kept, ' '), 'EX', ARGV[2]) end
    end
    if op == 'F' or op == 'R' then
      redis.call('SET', key, 'x', 'EX', ARGV[3])
      local field = ARGV[i + 6]
      if field ~= '' then
        refused[field] = (refused[field] or 0) + 1
        nrefused = nrefused + 1
      end
    end
  end
end
local wrote = false
for j = 1, 4 do
  if add[j] > 0 then
    local d = string.format('%.0f', add[j])
    redis.call('HINCRBY', KEYS[2], FIELDS[j], d)
    redis.call('HINCRBY', KEYS[3], FIELDS[j], d)
    wrote = true
  end
end
for field, n in pairs(refused) do
  redis.call('HINCRBY', KEYS[2], field, n)
  redis.call('HINCRBY', KEYS[3], field, n)
  wrote = true
end
if wrote and redis.call('TTL', KEYS[3]) == -1 then redis.call('EXPIRE', KEYS[3], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[5]) end
return { string.format('%.0f', add[1]), string.format('%.0f', add[2]), string.format('%.0f', add[3]), string.format('%.0f', add[4]), nrefused }
`;

/** What one write added to the tenant's history. */
export interface UsageWritten {
  ingress: { msgs: number; bytes: number };
  egress: { msgs: number; bytes: number };
  refusals: number;
}

/** What the NATS server counts per tenant, in Redis (keys: ServerUsageKeys; fields: COUNTER_SCHEMA). */
@Injectable()
export class ServerUsageRepository {
  private readonly script: LuaScript;
  private readonly usage: ServerUsageKeys;
  private readonly history: HistoryKeys;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    keys: RedisKeys,
  ) {
    this.usage = new ServerUsageKeys(keys.prefix);
    this.history = new HistoryKeys(keys.prefix);
    this.script = defineScripts(redis, { pulseServerUsage: USAGE_LUA }).pulseServerUsage;
  }

  /**
   * Writes one tenant's batch (at `now`: its minute) in Lua calls of at most SOURCES_PER_CALL
   * sources, the snapshot with the last, only while the tenant exists; null when it does not.
   * Writing a batch again (a retry whose first answer was lost, or that failed half way) counts
   * nothing again: every figure is at or below its baseline then, every close tombstoned (for
   * `tombstoneSeconds`: the stale window, staleWindowSeconds).
   */
  async apply(
    tenantId: string,
    batch: UsageBatch,
    opts: { now: number; minuteSeconds: number; snapshotSeconds: number; tombstoneSeconds: number },
  ): Promise<UsageWritten | null> {
    const out: UsageWritten = { ingress: { msgs: 0, bytes: 0 }, egress: { msgs: 0, bytes: 0 }, refusals: 0 };
    if (batch.empty) return out;
    const sources = [...batch.sources];
    for (let i = 0; i === 0 || i < sources.length; i += SOURCES_PER_CALL) {
      const last = i + SOURCES_PER_CALL >= sources.length;
      const keys = [
        this.usage.shared.tenant(tenantId),
        this.history.totals(tenantId),
        this.history.minute(tenantId, minuteEpochOf(opts.now)),
        this.usage.snapshot(tenantId),
      ];
      const args: (string | number)[] = [
        opts.minuteSeconds,
        BASELINE_TTL_SECONDS,
        opts.tombstoneSeconds,
        last && batch.snapshot ? JSON.stringify(batch.snapshot) : '',
        opts.snapshotSeconds,
      ];
      for (const [source, e] of sources.slice(i, i + SOURCES_PER_CALL)) {
        keys.push(this.usage.baseline(tenantId, source));
        args.push(
          !e.final ? (e.account ? 'a' : 'f') : e.uncounted ? 'R' : 'F',
          keys.length,
          e.counts.ingress.msgs,
          e.counts.ingress.bytes,
          e.counts.egress.msgs,
          e.counts.egress.bytes,
          e.refusal === null ? '' : (REFUSAL_FIELDS.get(e.refusal) ?? ''),
          e.floor?.ingress.msgs ?? 0,
          e.floor?.ingress.bytes ?? 0,
          e.floor?.egress.msgs ?? 0,
          e.floor?.egress.bytes ?? 0,
        );
      }
      const reply = (await this.script(keys, args)) as number | (string | number)[];
      if (!Array.isArray(reply)) return null;
      const [inM, inB, outM, outB, refusals] = reply.map(Number);
      out.ingress.msgs += inM;
      out.ingress.bytes += inB;
      out.egress.msgs += outM;
      out.egress.bytes += outB;
      out.refusals += refusals;
    }
    return out;
  }

  /**
   * The tenant's latest snapshot, or null. In the subjects shape its slow consumers are the
   * slow-consumer disconnects counted for the tenant (`na_sc`): CONNZ counts none per connection.
   */
  async snapshot(tenantId: string): Promise<ServerSnapshot | null> {
    const [raw, slow] = await Promise.all([
      this.redis.get(this.usage.snapshot(tenantId)),
      this.redis.hget(this.history.totals(tenantId), F.natsSlowConsumers),
    ]);
    if (raw === null) return null;
    try {
      const snapshot = JSON.parse(raw) as ServerSnapshot;
      return snapshot.shape === 'subjects' ? { ...snapshot, slowConsumers: Number(slow ?? 0) } : snapshot;
    } catch {
      return null;
    }
  }

  /** Records when a usage poll ran (any instance reads it for status()). */
  async polled(at: number, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.usage.polled(), String(at), 'EX', ttlSeconds);
  }

  /** When the last usage poll ran (epoch ms), or null. */
  async lastPolled(): Promise<number | null> {
    const raw = await this.redis.get(this.usage.polled());
    return raw === null ? null : Number(raw);
  }
}
