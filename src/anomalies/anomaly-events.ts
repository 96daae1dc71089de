import { Injectable } from '@nestjs/common';
import type { Anomaly } from './anomaly.js';

/**
 * What the detection job tells other features, after it has stored the change. Listeners are
 * awaited in order and may throw: the change then stays in the job's outbox and is emitted again
 * by the next pass (so a listener must treat a repeat of the same anomaly id and event as one).
 */
export interface AnomalyListener {
  /** An anomaly opened or resolved. */
  changed(tenantId: string, event: 'opened' | 'resolved', anomaly: Anomaly): Promise<void>;
  /** An anomaly is still open after a window (a listener decides whether to remind). */
  stillOpen?(tenantId: string, anomaly: Anomaly, now: number): Promise<void>;
}

/** The seam between detection and whoever reacts to it (alerting): data flows one way, out of here. */
@Injectable()
export class AnomalyEvents {
  private readonly listeners: AnomalyListener[] = [];

  subscribe(listener: AnomalyListener): void {
    this.listeners.push(listener);
  }

  async changed(tenantId: string, event: 'opened' | 'resolved', anomaly: Anomaly): Promise<void> {
    for (const l of this.listeners) await l.changed(tenantId, event, anomaly);
  }

  async stillOpen(tenantId: string, anomaly: Anomaly, now: number): Promise<void> {
    for (const l of this.listeners) await l.stillOpen?.(tenantId, anomaly, now);
  }
}
