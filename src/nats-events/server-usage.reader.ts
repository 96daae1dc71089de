import { Injectable } from '@nestjs/common';
import { NatsEventsService } from './nats-events.service.js';
import { ServerUsageRepository } from './server-usage.repository.js';
import type { ServerSnapshot, ServerUsageReader } from './server-usage.types.js';

/** SERVER_USAGE_READER: the snapshots in Redis, the state of this instance's system connection. */
@Injectable()
export class RedisServerUsageReader implements ServerUsageReader {
  constructor(
    private readonly repository: ServerUsageRepository,
    private readonly events: NatsEventsService,
  ) {}

  snapshot(tenantId: string): Promise<ServerSnapshot | null> {
    return this.repository.snapshot(tenantId);
  }

  status(): { state: 'off' | 'connected' | 'disconnected'; lastPollAt: string | null } {
    const { state, lastPollAt } = this.events.status();
    return { state, lastPollAt };
  }
}
