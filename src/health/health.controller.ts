import { Controller, Get } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator.js';
import { NatsStatus } from '../nats/nats-status.js';
import { PulseHealthService } from './pulse-health.service.js';

/** Probes for orchestrators: live = the process answers; ready = NATS and Redis are usable. */
@SkipThrottle()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsStatus,
    private readonly pulse: PulseHealthService,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const indicator = this.indicators.check('nats');
        const { state, server } = this.nats.current();
        return state === 'connected' ? indicator.up({ server }) : indicator.down({ state });
      },
      async () => {
        const indicator = this.indicators.check('redis');
        const redis = await this.pulse.redisStatus();
        if (redis.state !== 'ready' || redis.error) return indicator.down({ state: redis.state, error: redis.error });
        // Serving, but what Redis held is gone: degraded (HTTP 200) until an operator acts.
        if (redis.dataLossDetectedAt) return indicator.degraded({ pingMs: redis.pingMs, dataLossDetectedAt: redis.dataLossDetectedAt });
        return indicator.up({ pingMs: redis.pingMs });
      },
    ]);
  }
}
