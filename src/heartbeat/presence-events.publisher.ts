import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import type { PresenceStatus } from './heartbeat.dto.js';

export interface PresenceEvent {
  type: 'online' | 'offline' | 'status_changed';
  tenantId: string;
  clientId: string;
  status: PresenceStatus;
  previousStatus: PresenceStatus | null;
  at: string;
}

/** The NATS server saw one of the tenant's connections open or close (system account on). */
export interface ConnectionEvent {
  type: 'connected' | 'disconnected';
  tenantId: string;
  /** The SDK client, when the connection carries its name. */
  clientId: string | null;
  connection: object;
  at: string;
}

export function presenceSubject(tenantId: string): string {
  return `_PULSE.tenant.${tenantId}.presence`;
}

/** Told of each event published, synchronously: it must not do I/O (it runs in the writers' flushes). */
export type PresenceListener = (event: PresenceEvent | ConnectionEvent) => void;

/**
 * Publishes presence transitions on `_PULSE.tenant.{id}.presence` (README.md, Heartbeats and
 * presence) and hands them to its listeners (the webhook events' log, src/events).
 */
@Injectable()
export class PresenceEventsPublisher {
  private readonly logger = new Logger(PresenceEventsPublisher.name);
  private published = 0;
  private readonly listeners: PresenceListener[] = [];

  constructor(@Inject(NATS_CONNECTION) private readonly nats: NatsConnection) {}

  subscribe(listener: PresenceListener): void {
    this.listeners.push(listener);
  }

  publish(event: PresenceEvent | ConnectionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn(`presence listener failed: ${(err as Error).message}`);
      }
    }
    try {
      this.nats.publish(presenceSubject(event.tenantId), JSON.stringify(event));
      this.published++;
    } catch (err) {
      this.logger.warn(
        `presence event for ${event.tenantId}/${event.clientId} not published: ${(err as Error).message}`,
      );
    }
  }

  count(): number {
    return this.published;
  }
}
