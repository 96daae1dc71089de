import { CLIENT_DAY_FIELDS, CLIENT_FIELD_SEPARATOR } from '../history/counter-schema.js';

/**
 * Client behaviour over a period (enterprise analytics): per-client totals from the per-day
 * counters the heartbeat path keeps, and the clients that stand out from their tenant's norm.
 */
export interface ClientTotals {
  clientId: string;
  messagesSent: number;
  messagesReceived: number;
  errors: number;
  onlineSeconds: number;
  sessions: number;
  reconnects: number;
  offlineTransitions: number;
}

export interface ClientBehaviour extends ClientTotals {
  uptimePercent: number;
  errorRate: number;
}

export type OutlierReason = 'error_rate' | 'volume_high' | 'volume_low' | 'flapping';

export interface Outlier {
  clientId: string;
  reasons: OutlierReason[];
}

export const OUTLIER_RULES = {
  /** Robust z-score (median / MAD) beyond which a client stands out. */
  zScore: 3.5,
  /** Messages a client needs before its error rate is judged. */
  minMessagesForErrorRate: 100,
  /** An error rate must also exceed the median by this much (absolute), so 0.1 % vs 0.3 % is no alarm. */
  minErrorRateExcess: 0.05,
  /** Going offline this often in the period is flapping. */
  flappingOfflineTransitions: 3,
  /** Fewer clients than this: no norm to compare with. */
  minClientsForNorm: 5,
};

type ClientCount = keyof typeof CLIENT_DAY_FIELDS;
/** Stored field (`s`, `r`, …) → the total it adds to; a Map, so no stored name reaches a plain-object lookup. */
const TOTAL_OF = new Map<string, ClientCount>(
  Object.entries(CLIENT_DAY_FIELDS).map(([total, field]) => [field, total as ClientCount]),
);

/** Sums the per-day hashes (`<clientId>|<field>` → count) into per-client totals. */
export function sumClientDays(days: Record<string, string>[]): Map<string, ClientTotals> {
  const clients = new Map<string, ClientTotals>();
  for (const day of days) {
    for (const [key, raw] of Object.entries(day)) {
      const bar = key.lastIndexOf(CLIENT_FIELD_SEPARATOR);
      if (bar <= 0) continue;
      const field = TOTAL_OF.get(key.slice(bar + 1));
      if (!field) continue;
      const clientId = key.slice(0, bar);
      let c = clients.get(clientId);
      if (!c) {
        c = {
          clientId,
          messagesSent: 0,
          messagesReceived: 0,
          errors: 0,
          onlineSeconds: 0,
          sessions: 0,
          reconnects: 0,
          offlineTransitions: 0,
        };
        clients.set(clientId, c);
      }
      c[field] += Number(raw) || 0;
    }
  }
  return clients;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Robust z-scores: 0.6745 (x − median) / MAD; all zero when the MAD is zero. */
export function robustZ(values: number[]): number[] {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  if (mad === 0) return values.map(() => 0);
  return values.map((v) => (0.6745 * (v - m)) / mad);
}

export function behaviourOf(c: ClientTotals, windowSeconds: number): ClientBehaviour {
  const traffic = c.messagesSent + c.messagesReceived;
  return {
    ...c,
    uptimePercent: windowSeconds > 0 ? Math.min(100, Number(((100 * c.onlineSeconds) / windowSeconds).toFixed(2))) : 0,
    errorRate: traffic > 0 ? Number((c.errors / traffic).toFixed(4)) : 0,
  };
}

/**
 * Clients far from their tenant's norm: an error rate well above the median (robust z-score and
 * an absolute margin, with a minimum sample), a volume far above or below the others (robust z on
 * log volume), or going offline repeatedly (flapping). Robust statistics, so one extreme client
 * cannot hide the others.
 */
export function findOutliers(clients: ClientBehaviour[], rules = OUTLIER_RULES): Outlier[] {
  const reasons = new Map<string, OutlierReason[]>();
  const add = (id: string, r: OutlierReason) => reasons.set(id, [...(reasons.get(id) ?? []), r]);

  for (const c of clients) if (c.offlineTransitions >= rules.flappingOfflineTransitions) add(c.clientId, 'flapping');
  if (clients.length >= rules.minClientsForNorm) {
    const judged = clients.filter((c) => c.messagesSent + c.messagesReceived >= rules.minMessagesForErrorRate);
    if (judged.length >= rules.minClientsForNorm) {
      const rates = judged.map((c) => c.errorRate);
      const norm = median(rates);
      const z = robustZ(rates);
      judged.forEach((c, i) => {
        const excess = c.errorRate - norm >= rules.minErrorRateExcess;
        // With a zero MAD (most clients identical) the absolute margin alone decides.
        if (excess && (z[i] > rules.zScore || z.every((v) => v === 0))) add(c.clientId, 'error_rate');
      });
    }
    const volumes = clients.map((c) => Math.log1p(c.messagesSent + c.messagesReceived));
    const zv = robustZ(volumes);
    clients.forEach((c, i) => {
      if (zv[i] > rules.zScore) add(c.clientId, 'volume_high');
      else if (zv[i] < -rules.zScore) add(c.clientId, 'volume_low');
    });
  }
  return [...reasons]
    .map(([clientId, r]) => ({ clientId, reasons: r }))
    .sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
}
