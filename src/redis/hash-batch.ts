import type { RedisClient } from './redis-client.js';
import { defineScripts } from './lua-scripts.js';

/** Every hash of KEYS (all in one tenant's slot), each as HGETALL answers it. */
const READ_HASHES_LUA = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out
`;

/**
 * Hashes read by one script call. A series reads one hash a minute (and a custom metric's one a
 * metric and minute: an export of 56 metrics over 24 h read 80,640), which as one command each
 * cost Redis a command's overhead apiece; a batch of this many keys is about a millisecond of
 * the script's time, short enough not to hold other clients up.
 */
export const HASHES_PER_CALL = 1000;

/** A reader of many hashes of one tenant in batches of HASHES_PER_CALL keys; empty where none. */
export function batchHashReader(redis: RedisClient): (keys: string[]) => Promise<Record<string, string>[]> {
  const read = defineScripts(redis, { pulseReadHashes: READ_HASHES_LUA }).pulseReadHashes;
  return async (keys) => {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < keys.length; i += HASHES_PER_CALL) batches.push(read(keys.slice(i, i + HASHES_PER_CALL), []));
    return (await Promise.all(batches)).flatMap((replies) => (replies as string[][]).map(fromFlat));
  };
}

function fromFlat(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
}
