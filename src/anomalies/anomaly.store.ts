import { Inject, Injectable } from '@nestjs/common';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.module.js';
import { dayOf, RedisKeys } from '../redis/redis-keys.js';
import { ANOMALY_RETENTION_SECONDS, type Anomaly } from './anomaly.js';

/** Counters a detection window is computed from (all merged across instances in Redis). */
export interface TenantCounters {
  messages: number;
  sent: number;
  received: number;
  errors: number;
  rejected: number;
  /** Today's distinct-subject sketch (null: none yet). */
  sketch: Buffer | null;
  day: string;
  /** Today's top subjects. */
  subjects: string[];
  /** Today's offline transitions per client (enterprise client behaviour). */
  offline: Record<string, number>;
}

/** Anomalies and the detectors' state in Redis. */
@Injectable()
export class AnomalyStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async counters(tenantId: string, now: number, topSubjects: number): Promise<TenantCounters> {
    const k = this.keys;
    const day = dayOf(now);
    const [totals, rejections, sketch, subjects, clientDay] = await Promise.all([
      this.redis.hmget(k.totals(tenantId), 'm', 'hb_sent', 'hb_received', 'hb_errors'),
      this.redis.hvals(k.heartbeatRejections(tenantId)),
      this.redis.getBuffer(k.subjectSketch(tenantId, day)),
      this.redis.zrevrange(k.subjectMessages(tenantId, day), 0, topSubjects - 1),
      this.redis.hgetall(k.clientDay(tenantId, day)),
    ]);
    const offline: Record<string, number> = {};
    for (const [field, value] of Object.entries(clientDay)) {
      if (field.endsWith('|off')) offline[field.slice(0, -4)] = Number(value);
    }
    const n = (v: string | null) => Number(v ?? 0);
    return {
      messages: n(totals[0]),
      sent: n(totals[1]),
      received: n(totals[2]),
      errors: n(totals[3]),
      rejected: rejections.reduce((sum, v) => sum + Number(v), 0),
      sketch,
      day,
      subjects,
      offline,
    };
  }

  async loadState<T>(tenantId: string): Promise<T | null> {
    const raw = await this.redis.get(this.keys.detectorState(tenantId));
    return raw ? (JSON.parse(raw) as T) : null;
  }

  async saveState(tenantId: string, state: unknown): Promise<void> {
    await this.redis.set(this.keys.detectorState(tenantId), JSON.stringify(state), 'EX', ANOMALY_RETENTION_SECONDS);
  }

  async save(tenantId: string, anomaly: Anomaly): Promise<void> {
    const k = this.keys;
    const detectedAt = Date.parse(anomaly.detectedAt);
    await this.redis.set(k.anomaly(tenantId, anomaly.id), JSON.stringify(anomaly), 'EX', ANOMALY_RETENTION_SECONDS);
    await this.redis.zadd(k.anomalies(tenantId), detectedAt, anomaly.id);
    await this.redis.zremrangebyscore(k.anomalies(tenantId), '-inf', detectedAt - ANOMALY_RETENTION_SECONDS * 1000);
    await this.redis.expire(k.anomalies(tenantId), ANOMALY_RETENTION_SECONDS);
    if (anomaly.status === 'open') await this.redis.sadd(k.openAnomalies(tenantId), anomaly.id);
    else await this.redis.srem(k.openAnomalies(tenantId), anomaly.id);
  }

  async find(tenantId: string, id: string): Promise<Anomaly | null> {
    const raw = await this.redis.get(this.keys.anomaly(tenantId, id));
    return raw ? (JSON.parse(raw) as Anomaly) : null;
  }

  /** Anomalies detected since `since` (ms), newest first. */
  async list(tenantId: string, since: number): Promise<Anomaly[]> {
    const ids = await this.redis.zrevrangebyscore(this.keys.anomalies(tenantId), '+inf', since);
    if (ids.length === 0) return [];
    const raw = await Promise.all(ids.map((id) => this.redis.get(this.keys.anomaly(tenantId, id))));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Anomaly);
  }

  openCount(tenantId: string): Promise<number> {
    return this.redis.scard(this.keys.openAnomalies(tenantId));
  }
}
