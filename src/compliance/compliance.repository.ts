import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HistoryReader } from '../history/history-reader.js';

/** The compliance report's Redis reads: what is actually held, and how Redis is run. */
@Injectable()
export class ComplianceRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly history: HistoryReader,
  ) {}

  /** The first of these days (in order) whose day hash exists, or null (read through the history store). */
  firstDayHeld(tenantId: string, days: string[]): Promise<string | null> {
    return this.history.firstDayHeld(tenantId, days);
  }

  /** When the longest-silent client remembered was last seen (ms), or null. */
  async oldestClientSeen(tenantId: string): Promise<number | null> {
    const [, score] = await this.redis.zrange(this.keys.clientsBySeen(tenantId), '0', '0', 'WITHSCORES');
    return score === undefined ? null : Number(score);
  }

  /** Whether Redis runs with `appendonly yes`; null where CONFIG is refused (managed Redis). */
  async appendOnly(): Promise<boolean | null> {
    try {
      const reply = (await this.redis.call('CONFIG', 'GET', 'appendonly')) as string[];
      return reply[1] === 'yes';
    } catch {
      return null;
    }
  }
}
