import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator.js';
import { PULSE_VERSION } from '../config/build-info.js';
import { NatsStatus } from '../nats/nats-status.js';
import { PulseHealthService } from './pulse-health.service.js';

/**
 * Probes for orchestrators: live = the process answers (with Pulse's version); ready = NATS (it
 * answers a round trip) and Redis are usable.
 */
// Named throttlers must be named: a bare @SkipThrottle() skips only a throttler called "default".
@ApiTags('health')
@SkipThrottle({ key: true, address: true })
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsStatus,
    private readonly pulse: PulseHealthService,
  ) {}

  @ApiRoute({
    summary: "Liveness: the process answers, with Pulse's version",
    access: 'public',
    storage: false,
    ok: { description: 'Alive', schema: 'Live' },
  })
  @Get('live')
  live() {
    return { status: 'ok', version: PULSE_VERSION };
  }

  // Terminus' @HealthCheck documents the 200 and 503 bodies; the summary is ours.
  @ApiOperation({
    summary:
      'Readiness: NATS connected and answering a round trip within 1 s, Redis usable; with the cold store on, its state (degraded still answers 200)',
  })
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      // Connected is not enough: a server that stopped answering with its connection open (paused)
      // looks connected for minutes. A round trip (at most one in flight, within
      // NATS_READY_TIMEOUT_MS, an answer reused for NATS_READY_FRESH_MS) says it answers.
      async () => {
        const indicator = this.indicators.check('nats');
        const { state } = this.nats.current();
        if (state !== 'connected') return indicator.down({ state });
        const error = await this.nats.answers();
        return error === null ? indicator.up() : indicator.down({ state, error });
      },
      async () => {
        const indicator = this.indicators.check('redis');
        const redis = await this.pulse.redisStatus();
        // A public probe: counts, never the engines' addresses (the operator alert and log name them).
        const cluster = redis.cluster && {
          ...redis.cluster,
          unreachableMasters: redis.cluster.unreachableMasters.length,
        };
        if (redis.state !== 'ready' || redis.error) return indicator.down({ state: redis.state, error: redis.error });
        // A Cluster refusing every slot (a master lost while full coverage is required): nothing works.
        if (cluster?.state === 'fail') return indicator.down({ state: redis.state, cluster });
        // Serving, but not all of it (some slots' master lost) or what Redis held is gone: degraded
        // (HTTP 200, every instance sees the same Redis, so taking this one out would not help).
        if (redis.dataLossDetectedAt || cluster?.slotsFailing || cluster?.unreachableMasters) {
          return indicator.degraded({
            pingMs: redis.pingMs,
            dataLossDetectedAt: redis.dataLossDetectedAt,
            ...(cluster && { cluster }),
          });
        }
        return indicator.up({ pingMs: redis.pingMs, ...(cluster && { cluster }) });
      },
      // With the cold store on: degraded (HTTP 200) while its calls fail or it does not answer the
      // probe within COLD_STORE_TIMEOUT_MS; archiving waits, Redis keeps the history, reads of the
      // old part answer 503. Not down: every instance shares the store, taking one out helps nothing.
      // Never waits for the store (its probe runs in the background, coldStoreNow): orchestrators give
      // readiness ~1 s, less than the store's deadline.
      ...(this.pulse.coldStoreStatus().state === 'off'
        ? []
        : [
            () => {
              const indicator = this.indicators.check('coldStore');
              const cold = this.pulse.coldStoreNow();
              return cold.state === 'ok' ? indicator.up() : indicator.degraded({ since: cold.since });
            },
          ]),
    ]);
  }
}
