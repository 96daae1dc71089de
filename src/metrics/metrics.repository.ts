import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';

export interface RawRealtime {
  totals: Record<string, string>;
  today: Record<string, string>;
  /** Minute epoch → hash fields, for the minutes asked. */
  minutes: Map<number, Record<string, string>>;
  topSubjects: { subject: string; messages: number; bytes: number }[];
  storedSubjects: number;
  sketch: Buffer | null;
}

/** Reads of the counters the flusher writes; every read is scoped to one tenant's keys. */
@Injectable()
export class MetricsRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async readRealtime(tenantId: string, day: string, minuteEpochs: number[], top: number): Promise<RawRealtime> {
    const k = this.keys;
    const [totals, today, minuteHashes, ranked, storedSubjects, sketch] = await Promise.all([
      this.redis.hgetall(k.totals(tenantId)),
      this.redis.hgetall(k.day(tenantId, day)),
      Promise.all(minuteEpochs.map((m) => this.redis.hgetall(k.minute(tenantId, m)))),
      this.redis.zrevrange(k.subjectMessages(tenantId, day), 0, top - 1, 'WITHSCORES'),
      this.redis.zcard(k.subjectMessages(tenantId, day)),
      this.redis.getBuffer(k.subjectSketch(tenantId, day)),
    ]);
    const subjects: string[] = [];
    const messages: number[] = [];
    for (let i = 0; i < ranked.length; i += 2) {
      subjects.push(ranked[i]);
      messages.push(Number(ranked[i + 1]));
    }
    const bytes = subjects.length > 0 ? await this.redis.hmget(k.subjectBytes(tenantId, day), ...subjects) : [];
    return {
      totals,
      today,
      minutes: new Map(minuteEpochs.map((m, i) => [m, minuteHashes[i]])),
      topSubjects: subjects.map((subject, i) => ({ subject, messages: messages[i], bytes: Number(bytes[i] ?? 0) })),
      storedSubjects,
      sketch,
    };
  }
}
