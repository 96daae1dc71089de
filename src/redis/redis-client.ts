import { Cluster, Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { PulseOptions } from '../config/pulse-options.js';
import { withTimeout } from '../common/with-timeout.js';

/** The Nest token of the one Redis connection (a Redis or a Cluster) RedisModule provides. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** Lua commands defined with defineCommand whose number of keys varies per call. */
export const CLUSTER_UNPIPELINED_SCRIPTS = [
  'pulseFlush',
  'pulseHeartbeats',
  'pulseMarkOffline',
  'pulseForgetClients',
  'pulseClientRows',
  'pulseRollupHour',
  'pulseRollupDay',
  'pulseDetectionSave',
  'pulseWindowAdvance',
  'pulseClaimLate',
  'pulseFinishLate',
  'pulseReadHashes',
  'pulseFencedWrite',
  'pulseServerUsage',
  'pulseTimelineAppend',
] as const;
export type RedisClient = Redis | Cluster;

const baseClientOptions: IORedisOptions = {
  lazyConnect: true,
  // Commands from concurrent callers (flush per tenant, API reads) share round trips.
  enableAutoPipelining: true,
  // Fail a command after one reconnect attempt instead of stalling callers; the flusher keeps its
  // deltas and retries by itself, and API reads answer 503.
  maxRetriesPerRequest: 1,
  // Reconnect forever, backing off to 2 s.
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
};

export async function connectRedis(options: PulseOptions['redis']): Promise<RedisClient> {
  const target = options.clusterNodes?.join(',') ?? options.url;
  const clientOptions: IORedisOptions = { ...baseClientOptions, commandTimeout: options.commandTimeoutMs ?? 5000 };
  const client: RedisClient = options.clusterNodes
    ? new Cluster(
        options.clusterNodes.map((node) => {
          const [host, port] = node.split(':');
          return { host, port: Number(port) };
        }),
        {
          lazyConnect: true,
          enableAutoPipelining: true,
          // ioredis groups auto-pipelined commands by their first key, but for a defined script
          // with a variable key count it takes the key count for the key and mixes slots, which
          // Cluster then rejects. Scripts are sent on their own (still without waiting for replies).
          autoPipeliningIgnoredCommands: [...CLUSTER_UNPIPELINED_SCRIPTS],
          redisOptions: clientOptions,
          clusterRetryStrategy: clientOptions.retryStrategy,
        },
      )
    : new Redis(options.url, clientOptions);
  // Errors are reported through health; without a listener ioredis prints every retry.
  let lastError = '';
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs, 'no answer');
    await client.ping();
    return client;
  } catch (err) {
    client.disconnect();
    throw new Error(`Cannot connect to Redis at ${target}: ${lastError || (err as Error).message}`, { cause: err });
  }
}
