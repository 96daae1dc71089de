import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from '../common/ids.js';

export const CLIENT_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];
export type PresenceStatus = ClientStatus | 'offline';

const counter = (name: string) => [
  IsInt({ message: `metrics.${name} must be a non-negative integer` }),
  Min(0, { message: `metrics.${name} must be a non-negative integer` }),
  Max(Number.MAX_SAFE_INTEGER, { message: `metrics.${name} is too large` }),
];

function apply(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

export class HeartbeatMetricsDto {
  @apply(counter('messages_sent')) messages_sent!: number;
  @apply(counter('messages_received')) messages_received!: number;
  @apply(counter('errors')) errors!: number;
  @apply(counter('uptime_seconds')) uptime_seconds!: number;
}

/** The heartbeat body (README.md, Heartbeats and presence); metrics are cumulative since the client started. */
export class HeartbeatDto {
  @IsString()
  @Matches(ID_PATTERN, { message: 'client_id must match ^[A-Za-z0-9_-]{1,64}$' })
  client_id!: string;

  @IsString()
  @Matches(ID_PATTERN, { message: 'tenant_id must match ^[A-Za-z0-9_-]{1,64}$' })
  tenant_id!: string;

  @MaxLength(40, { message: 'timestamp must be an ISO 8601 date-time' })
  @IsISO8601({ strict: true }, { message: 'timestamp must be an ISO 8601 date-time' })
  timestamp!: string;

  @IsIn(CLIENT_STATUSES, { message: `status must be one of: ${CLIENT_STATUSES.join(', ')}` })
  status!: ClientStatus;

  @IsDefined({ message: 'metrics is required' })
  @ValidateNested()
  @Type(() => HeartbeatMetricsDto)
  metrics!: HeartbeatMetricsDto;
}
