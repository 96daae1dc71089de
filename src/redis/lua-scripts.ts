import { CLUSTER_UNPIPELINED_SCRIPTS, type RedisClient } from './redis-client.js';

export type ScriptName = (typeof CLUSTER_UNPIPELINED_SCRIPTS)[number];

/** One Lua command: its keys (all in one Cluster slot) and arguments; resolves to the script's reply. */
export type LuaScript = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/**
 * Defines Lua commands with a variable number of keys on the client and returns them ready to
 * call. ioredis sends EVALSHA and falls back to EVAL once per connection (and per node on
 * Cluster). The names are limited to CLUSTER_UNPIPELINED_SCRIPTS, which the Cluster client keeps
 * out of auto-pipelining (it would group them by a wrong key and mix slots).
 */
export function defineScripts<N extends ScriptName>(
  redis: RedisClient,
  scripts: Record<N, string>,
): Record<N, LuaScript> {
  const defined = {} as Record<N, LuaScript>;
  for (const name of Object.keys(scripts) as N[]) {
    redis.defineCommand(name, { lua: scripts[name] });
    const command = (
      redis as unknown as Record<N, (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>>
    )[name];
    defined[name] = (keys, args) => command.call(redis, keys.length, ...keys, ...args);
  }
  return defined;
}
