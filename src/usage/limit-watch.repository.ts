import { Inject, Injectable } from '@nestjs/common';
import { LIMIT_NAMES, type LimitName } from '../common/limits.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import type { WatchedLimit } from './limit-transitions.js';
import { LimitWatchKeys } from './limit-watch-keys.js';
import type { LimitCrossing } from './usage.types.js';

/** A tenant's stored watch: its version (compare-and-set), each limit's state, and the crossings still to hand out. */
export interface LimitWatchState {
  version: number;
  limits: Map<LimitName, WatchedLimit>;
  outbox: LimitCrossing[];
}

/** What a save did: written; another writer got there first (the version moved); or the tenant is gone (nothing written). */
export type LimitWatchSave = 'saved' | 'conflict' | 'gone';

/**
 * KEYS: the tenant record (the erasure's fence), the watch hash. ARGV: the version read, the
 * outbox (JSON), then field/value pairs. Written only while the tenant exists and the version is
 * the one read; the version moves on by one. 1 saved, 0 conflict, -1 tenant gone.
 */
const SAVE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local v = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
local fields = { 'v', v + 1, 'outbox', ARGV[2] }
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
return 1`;

const KNOWN = new Set<string>(LIMIT_NAMES);

/** The limit watch's Redis access: one hash per tenant, read whole, written by one compare-and-set Lua call. */
@Injectable()
export class LimitWatchRepository {
  private readonly keys: LimitWatchKeys;
  private readonly script: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(PULSE_OPTIONS) options: PulseOptions,
  ) {
    this.keys = new LimitWatchKeys(options.redis.keyPrefix);
    this.script = defineScripts(redis, { pulseLimitWatchSave: { lua: SAVE_LUA, keys: 2 } }).pulseLimitWatchSave;
  }

  async load(tenantId: string): Promise<LimitWatchState> {
    const raw = await this.redis.hgetall(this.keys.state(tenantId));
    const limits = new Map<LimitName, WatchedLimit>();
    for (const [field, value] of Object.entries(raw)) {
      if (KNOWN.has(field)) limits.set(field as LimitName, JSON.parse(value) as WatchedLimit);
    }
    return {
      version: Number(raw.v ?? 0),
      limits,
      outbox: raw.outbox ? (JSON.parse(raw.outbox) as LimitCrossing[]) : [],
    };
  }

  /**
   * Writes the changed limits and the outbox in one step, if the tenant exists and nobody wrote
   * since `version` was read (then the state's version is `version + 1`).
   */
  async save(
    tenantId: string,
    version: number,
    changed: ReadonlyMap<LimitName, WatchedLimit>,
    outbox: readonly LimitCrossing[],
  ): Promise<LimitWatchSave> {
    const args: (string | number)[] = [version, JSON.stringify(outbox)];
    for (const [limit, state] of changed) args.push(limit, JSON.stringify(state));
    const reply = Number(await this.script([this.keys.shared.tenant(tenantId), this.keys.state(tenantId)], args));
    return reply === 1 ? 'saved' : reply === 0 ? 'conflict' : 'gone';
  }
}
