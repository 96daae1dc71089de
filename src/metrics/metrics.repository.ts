import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { COUNTER_FIELDS } from '../history/counter-schema.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { HistoryReader, type SubjectCount } from '../history/history-reader.js';

export interface RawRealtime {
  totals: Record<string, string>;
  today: Record<string, string>;
  /** Minute epoch → hash fields, for the minutes asked. */
  minutes: Map<number, Record<string, string>>;
  topSubjects: SubjectCount[];
  storedSubjects: number;
  sketch: Buffer | null;
}

/** Reads of the counters the flusher writes; every read is scoped to one tenant's keys. */
@Injectable()
export class MetricsRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly history: HistoryReader,
  ) {}

  /** Today's message count of each tenant (one command each, sent together). */
  async messagesOn(tenantIds: string[], day: string): Promise<number[]> {
    const values = await Promise.all(
      tenantIds.map((id) => this.redis.hget(this.keys.day(id, day), COUNTER_FIELDS.messages)),
    );
    return values.map((v) => Number(v ?? 0));
  }

  async readRealtime(tenantId: string, day: string, minuteEpochs: number[], top: number): Promise<RawRealtime> {
    const k = this.keys;
    const [totals, today, minuteHashes, topSubjects, storedSubjects, sketch] = await Promise.all([
      this.redis.hgetall(k.totals(tenantId)),
      this.redis.hgetall(k.day(tenantId, day)),
      Promise.all(minuteEpochs.map((m) => this.redis.hgetall(k.minute(tenantId, m)))),
      this.history.topSubjects(tenantId, day, top),
      this.redis.zcard(k.subjectMessages(tenantId, day)),
      this.redis.getBuffer(k.subjectSketch(tenantId, day)),
    ]);
    return {
      totals,
      today,
      minutes: new Map(minuteEpochs.map((m, i) => [m, minuteHashes[i]])),
      topSubjects,
      storedSubjects,
      sketch,
    };
  }
}
