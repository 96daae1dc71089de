import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { TENANT_CHANGES_SUBJECT, type TenantChange } from './tenant.js';

/**
 * Tells every Pulse instance (this one included) that a tenant changed, so each re-reads it and
 * subscribes or unsubscribes its traffic at once. Core NATS is at-most-once: the periodic
 * reconcile in MessageTap catches an announcement that was lost.
 */
@Injectable()
export class TenantChangesPublisher {
  private readonly logger = new Logger(TenantChangesPublisher.name);

  constructor(@Inject(NATS_CONNECTION) private readonly nats: NatsConnection) {}

  announce(change: TenantChange): void {
    try {
      this.nats.publish(TENANT_CHANGES_SUBJECT, JSON.stringify(change));
    } catch (err) {
      this.logger.warn(`could not announce ${change.change} of ${change.tenantId}: ${(err as Error).message}`);
    }
  }
}
