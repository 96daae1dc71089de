import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { HeartbeatService } from './heartbeat.service.js';
import type { RawNatsMessage } from './raw-message.deserializer.js';

export const HEARTBEAT_PATTERN = '_HEARTBEAT.tenant.*.client.*';

/** Heartbeats arrive through Nest's NATS transport, in the deployment's queue group. */
@Controller()
export class HeartbeatController {
  constructor(private readonly heartbeats: HeartbeatService) {}

  @EventPattern(HEARTBEAT_PATTERN)
  onHeartbeat(@Payload() message: RawNatsMessage): void {
    this.heartbeats.ingest(message.subject, message.data, message.receivedAt);
  }
}
