import { Inject, Injectable } from '@nestjs/common';
import type { Tier } from '../common/tiers.js';
import { dayOf } from '../common/time.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import type { PresenceSummary } from '../heartbeat/presence.repository.js';
import { PresenceQueryService } from '../heartbeat/presence-query.service.js';
import { MetricsRepository } from './metrics.repository.js';
import { buildRealtimeView, realtimeMinutes, type RealtimeView, TOP_SUBJECTS } from './realtime-view.js';

/**
 * The one way to read a tenant's realtime figures from what every instance merged in Redis: the
 * metrics API (`GET /metrics/realtime`, the SSE stream) and rule evaluation both call `read`.
 */
@Injectable()
export class RealtimeReader {
  constructor(
    private readonly repository: MetricsRepository,
    private readonly presence: PresenceQueryService,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  /** A second is complete in Redis once every instance has flushed after it ended. */
  lastCompleteSecond(now: number): number {
    return Math.floor(now / 1000) - 1 - Math.ceil(this.options.flushIntervalMs / 1000);
  }

  /**
   * The view as `tier` may see it, and the presence summary it was built from. `topSubjects` is
   * how many ranked subjects to read (rule evaluation needs none of them).
   */
  async read(
    tenantId: string,
    tier: Tier,
    options: { now?: number; openAnomalies?: Promise<number>; topSubjects?: number } = {},
  ): Promise<{ view: RealtimeView; presence: PresenceSummary }> {
    const now = options.now ?? Date.now();
    const [raw, presence, openAnomalies] = await Promise.all([
      this.repository.readRealtime(tenantId, dayOf(now), realtimeMinutes(now), options.topSubjects ?? TOP_SUBJECTS),
      this.presence.summary(tenantId),
      options.openAnomalies ?? Promise.resolve(0),
    ]);
    const view = buildRealtimeView({
      tenantId,
      tier,
      now,
      lastCompleteSecond: this.lastCompleteSecond(now),
      raw,
      clients: { active: presence.online, total: presence.total },
      openAnomalies,
    });
    return { view, presence };
  }
}
