import { Inject, Injectable } from '@nestjs/common';
import { defineScripts, type LuaScript } from './lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';

/** One write command on one of the tenant's keys: `[name, key, ...arguments]` (a Buffer for binary values). */
export type FencedCommand = readonly [name: string, key: string, ...args: (string | number | Buffer)[]];

/**
 * Runs the commands only while the tenant's record exists, in the same atomic step (the record
 * and every key of the tenant share the `{t:<id>}` hash tag, so one Lua call holds them all on
 * Redis Cluster). KEYS[1]: the record, then each command's key once. ARGV per command: its
 * length n (name, key and arguments), its name, its key's index in KEYS, its arguments. The
 * replies in order (a nil reply as 0), or false without the record.
 */
const FENCED_WRITE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local out = {}
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local call = { ARGV[i + 1], KEYS[tonumber(ARGV[i + 2])] }
  for j = 3, n do call[j] = ARGV[i + j] end
  local r = redis.call(unpack(call))
  if type(r) == 'table' and r.ok then r = r.ok end
  if r == false or r == nil then r = 0 end
  out[#out + 1] = r
  i = i + n + 1
end
return out
`;

/**
 * The erasure's fence for writers that run apart from a request (scheduled passes, buffered
 * flushes, the admin's updates): a write for a tenant erased since the writer looked is refused
 * whole, so it can never bring a key of the tenant back (ARCHITECTURE.md, Erasure fence).
 */
@Injectable()
export class TenantFence {
  private readonly script: LuaScript;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.script = defineScripts(redis, { pulseFencedWrite: FENCED_WRITE_LUA }).pulseFencedWrite;
  }

  /** The commands' replies, or null when the tenant does not exist (nothing was written). */
  async write(tenantId: string, commands: FencedCommand[]): Promise<unknown[] | null> {
    if (commands.length === 0) return [];
    const scope = this.keys.tenantScope(tenantId);
    const keyList = [this.keys.tenant(tenantId)];
    const indexOf = new Map<string, number>();
    const args: (string | number | Buffer)[] = [];
    for (const [name, key, ...rest] of commands) {
      // A key outside the tenant's hash tag would break the atomic step on Redis Cluster.
      if (!key.startsWith(scope)) throw new Error(`${key} is not a key of tenant ${tenantId}`);
      let index = indexOf.get(key);
      if (index === undefined) indexOf.set(key, (index = keyList.push(key)));
      args.push(2 + rest.length, name, index, ...rest);
    }
    const reply = (await this.script(keyList, args)) as unknown[] | null;
    return reply ?? null;
  }
}
