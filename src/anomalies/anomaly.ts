import type { AnomalyType, Severity } from './detectors.js';

export interface Anomaly {
  id: string;
  type: AnomalyType;
  severity: Severity;
  status: 'open' | 'resolved';
  summary: string;
  details: Record<string, unknown>;
  detectedAt: string;
  resolvedAt: string | null;
}

/** Published on `_PULSE.tenant.{id}.anomaly`. */
export interface AnomalyEvent {
  event: 'opened' | 'resolved';
  tenantId: string;
  anomaly: Anomaly;
}

export const ANOMALY_RETENTION_SECONDS = 30 * 86_400;

export function anomalySubject(tenantId: string): string {
  return `_PULSE.tenant.${tenantId}.anomaly`;
}
