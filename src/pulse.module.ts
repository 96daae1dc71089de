import { AlertingModule } from './alerting/alerting.module.js';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AnomaliesModule } from './anomalies/anomalies.module.js';
import { type DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { PULSE_OPTIONS, type PulseOptions } from './config/pulse-options.js';
import { HealthModule } from './health/health.module.js';
import { HeartbeatModule } from './heartbeat/heartbeat.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { NatsModule } from './nats/nats.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RedisModule } from './redis/redis.module.js';
import { ColdStoreModule } from './coldstore/coldstore.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { HistoryModule } from './history/history.module.js';
import { PulseHttpModule } from './http/http.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { ComplianceModule } from './compliance/compliance.module.js';
import { NatsEventsModule } from './nats-events/nats-events.module.js';
import { JetStreamModule } from './jetstream/jetstream.module.js';
import { UsageModule } from './usage/usage.module.js';
import { EventsModule } from './events/events.module.js';

export interface PulseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => PulseOptions | Promise<PulseOptions>;
}

/**
 * Pulse as one importable module: connections, tenant registry, message tap, metrics API, the
 * deny-by-default API-key guard, validation and the error body. Options come typed from the
 * caller; nothing here reads process.env.
 */
@Module({})
export class PulseModule {
  static forRoot(options: PulseOptions): DynamicModule {
    return PulseModule.compose({ provide: PULSE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: PulseModuleAsyncOptions): DynamicModule {
    const module = PulseModule.compose({
      provide: PULSE_OPTIONS,
      inject: options.inject ?? [],
      useFactory: options.useFactory,
    });
    module.imports = [...(options.imports ?? []), ...(module.imports ?? [])];
    return module;
  }

  private static compose(optionsProvider: Provider): DynamicModule {
    return {
      module: PulseModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
        NatsModule,
        RedisModule,
        ColdStoreModule,
        JobsModule,
        TenantsModule,
        HistoryModule,
        MonitoringModule,
        HeartbeatModule,
        HealthModule,
        AnalyticsModule,
        AnomaliesModule,
        AlertingModule,
        MetricsModule,
        ObservabilityModule,
        NatsEventsModule,
        JetStreamModule,
        UsageModule,
        EventsModule,
        ComplianceModule,
        PulseHttpModule,
      ],
      providers: [optionsProvider],
      exports: [PULSE_OPTIONS],
    };
  }
}
