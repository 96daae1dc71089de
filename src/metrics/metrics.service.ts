import { Inject, Injectable } from '@nestjs/common';
import type { TenantPrincipal } from '../common/guards/principal.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { tierAtLeast, type Tier } from '../common/tiers.js';
import { PULSE_OPTIONS, type PulseOptions } from '../config/pulse-options.js';
import { PulseHealthService } from '../health/pulse-health.service.js';
import { dayOf } from '../redis/redis-keys.js';
import type { Period } from './dto/metrics-queries.dto.js';
import { MetricsRepository } from './metrics.repository.js';
import { buildRealtimeView, realtimeMinutes, type RealtimeView, TOP_SUBJECTS } from './realtime-view.js';

const PERIOD_MS: Record<Period, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const PERIOD_TIER: Record<Period, Tier> = { '1h': 'professional', '24h': 'professional', '7d': 'professional', '30d': 'enterprise' };

@Injectable()
export class MetricsService {
  constructor(
    private readonly repository: MetricsRepository,
    private readonly health: PulseHealthService,
    @Inject(PULSE_OPTIONS) private readonly options: PulseOptions,
  ) {}

  async realtime(tenant: TenantPrincipal, now = Date.now()): Promise<RealtimeView> {
    const raw = await this.repository.readRealtime(tenant.tenantId, dayOf(now), realtimeMinutes(now), TOP_SUBJECTS);
    // A second is complete in Redis once every instance has flushed after it ended.
    const lastCompleteSecond = Math.floor(now / 1000) - 1 - Math.ceil(this.options.flushIntervalMs / 1000);
    return buildRealtimeView({
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      now,
      lastCompleteSecond,
      raw,
      clients: { active: 0, total: 0 },
    });
  }

  presence(tenant: TenantPrincipal) {
    const body: Record<string, unknown> = {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      generatedAt: new Date().toISOString(),
      summary: { online: 0, healthy: 0, degraded: 0, unhealthy: 0, offline: 0, total: 0 },
      notice: 'Client presence is not tracked yet by this Pulse version: heartbeats are not processed.',
    };
    if (tierAtLeast(tenant.tier, 'professional')) Object.assign(body, { clients: [], nextCursor: null });
    return body;
  }

  analytics(tenant: TenantPrincipal, period: Period, now = Date.now()) {
    if (!tierAtLeast(tenant.tier, PERIOD_TIER[period])) {
      throw new TierRequiredException(PERIOD_TIER[period], tenant.tier, `period=${period}`);
    }
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      period,
      from: new Date(now - PERIOD_MS[period]).toISOString(),
      to: new Date(now).toISOString(),
      series: [],
      notice: 'History is not rolled up yet by this Pulse version: no series are available.',
    };
  }

  anomalies(tenant: TenantPrincipal, hours: number, now = Date.now()) {
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      hours,
      from: new Date(now - hours * 3_600_000).toISOString(),
      to: new Date(now).toISOString(),
      anomalies: [],
      notice: 'Anomaly detection is not running yet in this Pulse version: none are reported.',
    };
  }

  async healthCheck(tenant: TenantPrincipal) {
    const pulse = await this.health.status();
    const healthy = pulse.nats.state === 'connected' && pulse.redis.state === 'ready' && !pulse.redis.error;
    return {
      tenantId: tenant.tenantId,
      tier: tenant.tier,
      generatedAt: new Date().toISOString(),
      status: healthy ? 'ok' : 'degraded',
      clients: { healthy: 0, degraded: 0, unhealthy: 0, offline: 0, total: 0 },
      pulse: {
        nats: {
          state: pulse.nats.state,
          reconnects: pulse.nats.reconnects,
          slowConsumerEvents: pulse.nats.slowConsumerEvents,
        },
        redis: { state: pulse.redis.state, pingMs: pulse.redis.pingMs },
        pipeline: {
          flushIntervalMs: this.options.flushIntervalMs,
          lastFlushAt: pulse.flush.lastFlushAt,
          backlogMessages: pulse.flush.backlogMessages,
          rejectedMessages: pulse.tap.rejected,
        },
      },
    };
  }
}
