import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { withTimeout } from '../common/with-timeout.js';
import { connectRedis, REDIS_CLIENT, type RedisClient } from './redis-client.js';
import { RedisKeys } from './redis-keys.js';
import { RedisLock } from './redis-lock.js';
import { BoundedHashes } from './bounded-hash.js';
import { TenantFence } from './tenant-fence.js';
import { ShutdownClock } from '../common/shutdown-clock.js';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [PULSE_OPTIONS],
      useFactory: (options: PulseOptions) => connectRedis(options.redis),
    },
    {
      provide: RedisKeys,
      inject: [PULSE_OPTIONS],
      useFactory: (options: PulseOptions) => new RedisKeys(options.redis.keyPrefix),
    },
    RedisLock,
    BoundedHashes,
    TenantFence,
    // The final flushes' shared bound: they all write to Redis, which closes after them (below).
    { provide: ShutdownClock, useFactory: () => new ShutdownClock() },
  ],
  exports: [REDIS_CLIENT, RedisKeys, RedisLock, BoundedHashes, TenantFence, ShutdownClock],
})
export class RedisModule implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisModule.name);

  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for Redis' answer; one that stopped answering gets 2 s, then the socket is closed.
    await withTimeout(this.client.quit(), 2000, 'no answer').catch((err: Error) => {
      this.logger.warn(`Redis quit failed: ${err.message}`);
      this.client.disconnect();
    });
  }
}
