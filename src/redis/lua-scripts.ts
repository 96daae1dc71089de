import { CLUSTER_UNPIPELINED_SCRIPTS, type RedisClient } from './redis-client.js';

/** Scripts with a fixed number of keys: ioredis knows their keys, so they auto-pipeline on Cluster too. */
export const FIXED_KEY_SCRIPTS = [
  'pulseLockExtend',
  'pulseLockRelease',
  'pulseRateLimit',
  'pulseUnqueue',
  'pulseAuditAppend',
  'pulseAuthFailCount',
  'pulseConnections',
  'pulseHashSetWithin',
  'pulseDeliveryEnqueue',
  'pulseDeliveryDue',
  'pulseDeliveryClaim',
  'pulseDeliveryFinish',
  'pulseDeliveryReschedule',
  'pulseTenantCreate',
  'pulseReleaseOwned',
  'pulseJsAdvisories',
  'pulseHashDeleteValue',
  'pulseLimitWatchSave',
  'pulseDeliveryEnqueueOnce',
  'pulseUsageMinute',
  'pulseEventsAppend',
  'pulseEventsAppendOnce',
  'pulseEventsSubscribe',
  'pulseEventsLease',
  'pulseEventsSave',
  'pulseEventsAck',
  'pulseEventsFail',
  'pulseEventsRelease',
  'pulseEventsReplay',
  'pulseEventsPause',
  'pulseClientActivity',
] as const;

type VariableKeyName = (typeof CLUSTER_UNPIPELINED_SCRIPTS)[number];
type FixedKeyName = (typeof FIXED_KEY_SCRIPTS)[number];
export type ScriptName = VariableKeyName | FixedKeyName;

/** A script with a fixed number of keys, and that number. */
export interface FixedKeyScript {
  lua: string;
  keys: number;
}

/** One Lua command: its keys (all in one Cluster slot) and arguments; resolves to the script's reply. */
export type LuaScript = (keys: string[], args: (string | number | Buffer)[]) => Promise<unknown>;

type RedisCommand = (...keysAndArgs: (string | number | Buffer)[]) => Promise<unknown>;

/**
 * The one way Pulse runs Lua: defines the commands on the client and returns them ready to call.
 * ioredis sends EVALSHA and falls back to EVAL once per connection (and per node on Cluster). A
 * script whose number of keys varies per call is given as its text and must be listed in
 * CLUSTER_UNPIPELINED_SCRIPTS, which the Cluster client keeps out of auto-pipelining (it would
 * group them by a wrong key and mix slots); a fixed-key script is given with its key count.
 */
export function defineScripts<N extends ScriptName>(
  redis: RedisClient,
  scripts: { [K in N]: K extends VariableKeyName ? string : FixedKeyScript },
): Record<N, LuaScript> {
  const defined = {} as Record<N, LuaScript>;
  for (const name of Object.keys(scripts) as N[]) {
    const script: string | FixedKeyScript = scripts[name];
    const variable = typeof script === 'string';
    redis.defineCommand(name, variable ? { lua: script } : { lua: script.lua, numberOfKeys: script.keys });
    const command = (redis as unknown as Record<N, RedisCommand>)[name];
    defined[name] = variable
      ? (keys, args) => command.call(redis, keys.length, ...keys, ...args)
      : (keys, args) => command.call(redis, ...keys, ...args);
  }
  return defined;
}
