import { Inject, Injectable } from '@nestjs/common';
import { dayOf } from '../common/time.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { ConnectionRepository, type ConnectionRecord } from '../heartbeat/connection.repository.js';
import { HistoryKeys } from '../history/history-keys.js';
import { HistoryReader } from '../history/history-reader.js';
import { AdvisoriesService } from '../jetstream/advisories.service.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis-client.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import type { Anomaly } from './anomaly.js';
import { AnomalyRepository } from './anomaly.repository.js';
import {
  rankChanges,
  rankingOf,
  spanMinutes,
  STORY_RANKING_READ,
  STORY_TOP,
  STORY_USUAL_DAYS,
  storyMetric,
  storySpan,
  windowValues,
} from './anomaly-story.js';
import { describeModel } from './model-states.js';
import { type PipelineState, pipelineConfig, PULSE_SERIES_RESOLUTION } from './window-pipeline.js';

/** Connection events a story lists at most (opened and closed in its span, oldest first). */
export const STORY_CONNECTION_EVENTS = 50;
/** Clients whose presence records are read to find status changes in the span (the latest seen). */
const STORY_CLIENTS_READ = 200;
const DAY_MS = 86_400_000;

const round = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(6));
const numberIn = (details: Record<string, unknown>, key: string) => {
  const v = details[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const iso = (ms: number) => new Date(ms).toISOString();
const dayStart = (day: string) =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));

/**
 * `GET /metrics/anomalies/{id}/story`: what was going on around one anomaly, read from what the
 * tenant's history already holds. Every read is bounded (the span's minute hashes, the busiest
 * members of a few days' rankings, a page of clients and connection events, one advisory hash a
 * window) and keyed by the caller's tenant, so another tenant's anomaly id is simply not found.
 */
@Injectable()
export class AnomalyStoryService {
  constructor(
    private readonly anomalies: AnomalyRepository,
    private readonly history: HistoryReader,
    private readonly historyKeys: HistoryKeys,
    private readonly keys: RedisKeys,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly connections: ConnectionRepository,
    private readonly advisories: AdvisoriesService,
    private readonly directory: TenantDirectory,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  /** The story of the tenant's anomaly `id`, or null when the tenant has no such anomaly. */
  async story(tenantId: string, id: string, now = Date.now()) {
    const anomaly = await this.anomalies.find(tenantId, id);
    if (!anomaly) return null;
    const windowMs = this.options.anomalyWindowMs;
    const detectedAt = Date.parse(anomaly.detectedAt);
    const span = storySpan(detectedAt, windowMs, now);
    const from = span.starts[0];
    const to = span.starts[span.starts.length - 1] + windowMs;
    const day = dayOf(span.anomalyStart);
    const [series, subjects, clients, connections, jetstream] = await Promise.all([
      this.series(tenantId, anomaly, span),
      this.rankings(tenantId, day, now, (d) => this.historyKeys.subjectMessages(tenantId, d)),
      this.clients(tenantId, day, now, from, to),
      this.connectionEvents(tenantId, from, to),
      this.jetstreamEvents(tenantId, span.starts),
    ]);
    const details = anomaly.details;
    return {
      tenantId,
      anomaly,
      detector: typeof details.detector === 'string' ? details.detector : anomaly.type,
      score: numberIn(details, 'score'),
      window: { from: iso(span.anomalyStart), to: iso(span.anomalyStart + windowMs), seconds: windowMs / 1000 },
      expected: {
        value: numberIn(details, 'value'),
        expected: numberIn(details, 'expected'),
        lower: numberIn(details, 'lower'),
        upper: numberIn(details, 'upper'),
      },
      series: { ...series, from: iso(from), to: iso(to), windowSeconds: windowMs / 1000 },
      subjects: {
        day: subjects.day,
        earlierDays: subjects.earlierDays,
        subjects: subjects.rows.map((r) => ({
          subject: r.member,
          messages: r.count,
          rate: round(r.rate) ?? 0,
          usualRate: round(r.usualRate),
          change: round(r.change) ?? 0,
        })),
      },
      clients,
      connections,
      jetstream,
    };
  }

  /**
   * The anomaly's series over the span, each window with the band the tenant's model gives that
   * window now (its seasonal expectation for that time; null while the model is not warm), and the
   * anomaly's own window with the range it was judged against when it opened.
   */
  private async series(tenantId: string, anomaly: Anomaly, span: ReturnType<typeof storySpan>) {
    const metric = storyMetric(anomaly.details);
    const minutes = spanMinutes(span);
    const [hashes, stored] = await Promise.all([
      this.history.minuteHashes(tenantId, minutes),
      this.anomalies.loadDetection<{ pipeline?: PipelineState }>(tenantId),
    ]);
    const byMinute = new Map(minutes.map((m, i) => [m, hashes[i]]));
    const values = windowValues(span, metric, byMinute);
    const sensitivity = this.directory.get(tenantId)?.anomalySensitivity ?? 'medium';
    const config = pipelineConfig(
      span.windowMs,
      sensitivity,
      this.options.anomalyDetectors,
      'all',
      PULSE_SERIES_RESOLUTION,
    );
    // The range in the details is of this series: the statistical model's, or the message-rate rules'.
    const own = anomaly.details.metric === metric || anomaly.type === 'rate_spike' || anomaly.type === 'traffic_drop';
    const points = span.starts.map((at, i) => {
      const band =
        at === span.anomalyStart && own && numberIn(anomaly.details, 'upper') !== null
          ? {
              expected: numberIn(anomaly.details, 'expected'),
              lower: numberIn(anomaly.details, 'lower'),
              upper: numberIn(anomaly.details, 'upper'),
            }
          : describeModel(stored?.state.pipeline, metric, at, config);
      return {
        at: iso(at),
        value: round(values[i]),
        expected: round(band.expected),
        lower: round(band.lower),
        upper: round(band.upper),
      };
    });
    return { metric, points };
  }

  /**
   * A day's ranking (its busiest STORY_RANKING_READ members) against the same ranking on up to
   * STORY_USUAL_DAYS earlier days that Redis still holds: the members that moved most.
   */
  private async rankings(tenantId: string, day: string, now: number, key: (day: string) => string) {
    const start = dayStart(day);
    const earlierDays = Array.from({ length: STORY_USUAL_DAYS }, (_, i) => dayOf(start - (i + 1) * DAY_MS));
    const read = (d: string) => this.redis.zrevrange(key(d), 0, STORY_RANKING_READ - 1, 'WITHSCORES');
    const [current, ...earlier] = await Promise.all([read(day), ...earlierDays.map(read)]);
    const held = earlier.map(rankingOf).filter((r) => r.size > 0);
    const seconds = (Math.min(now, start + DAY_MS) - start) / 1000;
    return { day, earlierDays: held.length, rows: rankChanges(rankingOf(current), seconds, held) };
  }

  /**
   * Clients whose status or traffic changed: those that went offline or were first seen in the
   * span, those with the most offline transitions on the anomaly's day, and those whose traffic
   * that day moved most against their usual (enterprise client behaviour). At most STORY_TOP each.
   */
  private async clients(tenantId: string, day: string, now: number, from: number, to: number) {
    const [seen, offline, traffic] = await Promise.all([
      this.redis.zrangebyscore(this.keys.clientsBySeen(tenantId), from, '+inf', 'LIMIT', 0, STORY_CLIENTS_READ),
      this.history.offlineRanking(tenantId, day, STORY_TOP),
      this.rankings(tenantId, day, now, (d) => this.historyKeys.clientTraffic(tenantId, d)),
    ]);
    const fields = ['status', 'previousStatus', 'offlineAt', 'firstSeen'] as const;
    const records = await Promise.all(seen.map((c) => this.redis.hmget(this.keys.client(tenantId, c), ...fields)));
    const inSpan = (v: string | null) => v !== null && Number(v) >= from && Number(v) < to;
    const rows = new Map<string, { clientId: string; changes: string[] }>();
    const add = (clientId: string, change: string) => {
      const row = rows.get(clientId) ?? { clientId, changes: [] };
      row.changes.push(change);
      rows.set(clientId, row);
    };
    seen.forEach((clientId, i) => {
      const [status, previous, offlineAt, firstSeen] = records[i];
      if (status === 'offline' && inSpan(offlineAt))
        add(clientId, `went offline at ${iso(Number(offlineAt))}${previous ? ` (was ${previous})` : ''}`);
      if (inSpan(firstSeen)) add(clientId, `first seen at ${iso(Number(firstSeen))}`);
    });
    for (const [clientId, n] of rankingOf(offline))
      if (n > 0) add(clientId, `${n} offline transition${n === 1 ? '' : 's'} on ${day}`);
    for (const r of traffic.rows) {
      const usual = r.usualRate === null ? 'no earlier day held' : `usually ${round(r.usualRate)}/s`;
      add(r.member, `traffic ${round(r.rate)}/s on ${day} (${usual})`);
    }
    const listed = [...rows.values()].slice(0, 3 * STORY_TOP);
    const statuses = await Promise.all(
      listed.map((r) => this.redis.hget(this.keys.client(tenantId, r.clientId), 'status')),
    );
    return listed.map((r, i) => ({ clientId: r.clientId, status: statuses[i], changes: r.changes }));
  }

  /** NATS connections opened or closed in the span (system account on), oldest first. */
  private async connectionEvents(tenantId: string, from: number, to: number) {
    const range = (part: 'closed' | 'open') =>
      this.redis.zrangebyscore(
        this.keys.connections(tenantId, part),
        from,
        `(${to}`,
        'LIMIT',
        0,
        STORY_CONNECTION_EVENTS,
      );
    const [closed, opened] = await Promise.all([range('closed'), range('open')]);
    const records = await this.connections.byKeys(tenantId, [...new Set([...closed, ...opened])]);
    const events: { at: string; event: 'connected' | 'disconnected'; connection: ConnectionRecord }[] = [];
    const within = (at: string | null | undefined) =>
      at !== null && at !== undefined && Date.parse(at) >= from && Date.parse(at) < to;
    for (const r of records) {
      if (within(r.connectedAt)) events.push({ at: r.connectedAt as string, event: 'connected', connection: r });
      if (within(r.disconnectedAt))
        events.push({ at: r.disconnectedAt as string, event: 'disconnected', connection: r });
    }
    return events
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
      .slice(0, STORY_CONNECTION_EVENTS)
      .map(({ at, event, connection: c }) => ({
        at,
        event,
        key: c.key,
        clientId: c.clientId,
        name: c.name,
        verified: c.verified,
        reason: event === 'disconnected' ? (c.reason ?? null) : null,
      }));
  }

  /** The JetStream advisories counted in each window of the span (windows with none left out). */
  private async jetstreamEvents(tenantId: string, starts: number[]) {
    const windows = await Promise.all(starts.map((s) => this.advisories.read(tenantId, s)));
    return windows.flatMap((w, i) => {
      if (w.kinds.size === 0 && w.maxDeliveries.size === 0) return [];
      return [
        {
          windowAt: iso(starts[i]),
          advisories: Object.fromEntries(w.kinds),
          maxDeliveries: [...w.maxDeliveries.values()]
            .sort((a, b) => b.count - a.count)
            .slice(0, STORY_TOP)
            .map(({ stream, consumer, count }) => ({ stream, consumer, count })),
        },
      ];
    });
  }
}
