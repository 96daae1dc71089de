import { Redis } from 'ioredis';
import { connectRedis, type RedisClient } from '../../src/redis/redis-client.js';
import { type ServerProcess, startRedisServer } from './processes.js';

/**
 * A private redis-server to pause (SIGSTOP: `server.pause()`) while a write is in flight, and a
 * client of Pulse's with a short command timeout: the write times out in Pulse, but Redis runs it
 * once it resumes. `inspect` reads and seeds it (no prefix). Pausing the shared one would stall
 * every other test.
 */
export interface StallingRedis {
  server: ServerProcess;
  redis: RedisClient;
  inspect: Redis;
  close(): Promise<void>;
}

export async function startStallingRedis(keyPrefix: string, commandTimeoutMs = 300): Promise<StallingRedis> {
  const server = await startRedisServer({ persistent: false });
  const url = `redis://127.0.0.1:${server.port}`;
  const redis = await connectRedis({ url, keyPrefix, connectTimeoutMs: 3000, commandTimeoutMs });
  const inspect = new Redis(url);
  return {
    server,
    redis,
    inspect,
    close: async () => {
      redis.disconnect();
      inspect.disconnect();
      await server.kill();
    },
  };
}
