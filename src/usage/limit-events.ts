import { Injectable } from '@nestjs/common';
import type { LimitCrossing } from './usage.types.js';

/**
 * Told of each limit crossing (opened or resolved) after the limit watch has stored it in its
 * outbox. Listeners are awaited in order and may throw: the crossing then stays in the outbox and
 * is emitted again by the next pass, so a listener must treat a repeat of the same crossing id and
 * event as one.
 */
export interface LimitListener {
  crossed(crossing: LimitCrossing): Promise<void>;
}

/** The subject a tenant's limit crossings are published on (the LimitCrossing as JSON). */
export function limitsSubject(tenantId: string): string {
  return `_PULSE.tenant.${tenantId}.limits`;
}

/** The seam between the limit watch and whoever reacts to it (alerting): data flows one way, out of here. */
@Injectable()
export class LimitEvents {
  private readonly listeners: LimitListener[] = [];

  subscribe(listener: LimitListener): void {
    this.listeners.push(listener);
  }

  async crossed(crossing: LimitCrossing): Promise<void> {
    for (const l of this.listeners) await l.crossed(crossing);
  }
}
