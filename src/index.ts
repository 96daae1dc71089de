/** Pulse as a library: the module, its options, the tier decorators and entitlements, and the public DTOs. */
export { PulseModule, type PulseModuleAsyncOptions } from './pulse.module.js';
export { type PulseOptions, PULSE_OPTIONS, DEFAULT_PLAN_TIERS } from './config/pulse-options.js';
export { validateEnv, toPulseOptions, defaultPulseOptions, EnvironmentVariables } from './config/env.validation.js';
export { configureApp } from './configure-app.js';
export { TIERS, type Tier, tierAtLeast } from './common/tiers.js';
export { RequiresFeature } from './common/decorators/requires-feature.decorator.js';
export { RequiresTier } from './common/decorators/requires-tier.decorator.js';
export {
  type Feature,
  FEATURES,
  TIER_LIMITS,
  entitled,
  entitlementsOf,
  featuresOf,
  lowestTier,
} from './common/entitlements.js';
export { Public } from './common/decorators/public.decorator.js';
export { AdminOnly } from './common/decorators/admin-only.decorator.js';
export { CurrentTenant } from './common/decorators/current-tenant.decorator.js';
export { Deprecated, type DeprecationNotice } from './common/decorators/deprecated.decorator.js';
export type { TenantPrincipal } from './common/principal.js';
export { TierRequiredException } from './common/errors/tier-required.exception.js';
export { DomainError, InvalidInputError } from './common/errors/domain-error.js';
export { type ErrorCode, ERROR_CODES, statusOf } from './common/errors/error-codes.js';
export { HeartbeatDto, HeartbeatMetricsDto } from './heartbeat/heartbeat.dto.js';
export { CreateTenantDto, UpdateTenantDto } from './tenants/dto/tenant.dto.js';
export { AnalyticsQuery, AnomaliesQuery, PresenceQuery } from './metrics/dto/metrics-queries.dto.js';
export type { RealtimeView } from './metrics/realtime-view.js';
export type { PresenceEvent } from './heartbeat/presence-events.publisher.js';
