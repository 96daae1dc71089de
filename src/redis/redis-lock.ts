import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { REDIS_CLIENT, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { defineScripts, type LuaScript } from './lua-scripts.js';

/** Deletes KEYS[1] if it still holds ARGV[1]: only its holder releases a lock or a claim. */
export const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface HeldLock {
  /** Pushes the expiry out; false when the lock was lost (expired and taken by another). */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Lock for jobs that one instance at a time may run: `SET NX PX` with a random token, extended
 * and released only by its holder (compare-and-delete in Lua). A crashed holder's lock expires.
 */
@Injectable()
export class RedisLock {
  private readonly scripts: Record<'pulseLockExtend' | 'pulseLockRelease', LuaScript>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis, {
      pulseLockExtend: { lua: EXTEND_LUA, keys: 1 },
      pulseLockRelease: { lua: RELEASE_LUA, keys: 1 },
    });
  }

  async acquire(name: string, ttlMs: number): Promise<HeldLock | null> {
    const key = this.keys.lock(name);
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return {
      extend: async (ms: number) => (await this.scripts.pulseLockExtend([key], [token, ms])) === 1,
      release: async () => {
        await this.scripts.pulseLockRelease([key], [token]);
      },
    };
  }
}
