// A period's usage out of counter hashes (issue #34). Pure: no I/O.
import { COUNTER_FIELDS as F } from '../history/counter-schema.js';
import { type EgressShape, tenantEgress } from '../history/tenant-egress.js';
import type { UsageFigures } from './usage.types.js';

/** The counter fields a period's usage is made of (COUNTER_SCHEMA). */
const FIELDS = [
  F.messages,
  F.bytes,
  F.serverIngressMessages,
  F.serverIngressBytes,
  F.serverEgressMessages,
  F.serverEgressBytes,
  F.connectionMinutes,
  F.jetstreamByteMinutes,
  F.refusedConnections,
  F.refusedPayloads,
  F.refusedSubscriptions,
] as const;

/** Rounds a ratio or an average to 3 decimals (what a reader compares). */
export const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * The usage of the periods the hashes hold (minutes, hours or days of one tenant), summed: every
 * field of FIELDS is a sum in every hash. `fanout` is egress ÷ ingress messages (null when nothing
 * came in); `jetstreamStorageByteHours` the byte-minutes ÷ 60. Egress is the tenant's own: in the
 * accounts shape the server also counts its deliveries to Pulse's tap and heartbeat subscriber,
 * which `tenantEgress` takes out (summed over the hashes first, then subtracted).
 */
export function usageOf(hashes: readonly Record<string, string>[], shape: EgressShape = 'subjects'): UsageFigures {
  const sum = new Map<string, number>(FIELDS.map((f) => [f, 0]));
  for (const hash of hashes) {
    for (const f of FIELDS) {
      const v = Number(hash[f] ?? 0);
      if (Number.isFinite(v)) sum.set(f, sum.get(f)! + v);
    }
  }
  const n = (f: string) => sum.get(f)!;
  const ingress = { messages: n(F.serverIngressMessages), bytes: n(F.serverIngressBytes) };
  const egress = tenantEgress(hashes, shape);
  return {
    published: { messages: n(F.messages), bytes: n(F.bytes) },
    ingress,
    egress,
    fanout: ingress.messages > 0 ? round3(egress.messages / ingress.messages) : null,
    connectionMinutes: n(F.connectionMinutes),
    jetstreamStorageByteHours: round3(n(F.jetstreamByteMinutes) / 60),
    refused: {
      connections: n(F.refusedConnections),
      payloads: n(F.refusedPayloads),
      subscriptions: n(F.refusedSubscriptions),
    },
  };
}

/** A field of a hash as a number; null when the hash does not hold it (not measured then). */
export function fieldOf(hash: Record<string, string>, field: string): number | null {
  const raw = hash[field];
  if (raw === undefined) return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}
