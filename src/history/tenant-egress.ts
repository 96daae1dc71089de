import { COUNTER_FIELDS as F } from './counter-schema.js';

/**
 * How a tenant is deployed on NATS: nats-events' `DeploymentShape` (server-usage.types.ts, a floor
 * above history/), the same two literals, so either type is accepted for the other.
 */
export type EgressShape = 'account' | 'subjects';

/** A counter hash as read (HGETALL's strings) or merged into numbers; absent fields count 0. */
export type CounterHash = Readonly<Record<string, string | number | undefined>>;

/** Messages and bytes the NATS server delivered to the tenant's own subscribers. */
export interface TenantEgress {
  messages: number;
  bytes: number;
}

/** A stored counter as a number (absent or unreadable: 0). */
function counter(hash: CounterHash, field: string): number {
  const raw = hash[field];
  if (raw === undefined) return 0;
  const n = typeof raw === 'number' ? raw : Number(raw);
  return Number.isFinite(n) ? n : 0;
}

/** `field` summed over the hashes. */
function sum(hashes: readonly CounterHash[], field: string): number {
  let n = 0;
  for (const hash of hashes) n += counter(hash, field);
  return n;
}

/**
 * The tenant's egress for a period: what the NATS server delivered to the tenant's own
 * subscribers, from the server's count (`sv_out_m`/`sv_out_b`) of its hash (a totals, day, hour or
 * minute hash; or several, such as an hour's minutes: their fields are summed first).
 *
 * - `account` (the tenant's own NATS account, exporting its subjects to Pulse's account): the
 *   server counts in the account's egress every delivery of its messages, those to Pulse's tap
 *   and heartbeat subscriber included. Those are taken out: `sv_out − pd` (`pd_m`/`pd_b`: what the
 *   server delivered to Pulse for the tenant), never below 0.
 * - `subjects` (a subject namespace in a shared account): the server's figures are those of the
 *   tenant's attributed connections, Pulse's connections are not among them, so nothing is taken out.
 *
 * Take it over the period's hash or the sum of its hashes, not per minute and then summed: the
 * server's count is written once per usage poll and Pulse's once per flush, so one minute can
 * hold Pulse's share of deliveries the server's count puts in the next; clamping each minute at
 * 0 would count those twice. Pure, no I/O.
 */
export function tenantEgress(hash: CounterHash | readonly CounterHash[], shape: EgressShape): TenantEgress {
  const hashes: readonly CounterHash[] = Array.isArray(hash) ? hash : [hash as CounterHash];
  const messages = sum(hashes, F.serverEgressMessages);
  const bytes = sum(hashes, F.serverEgressBytes);
  if (shape === 'subjects') return { messages, bytes };
  return {
    messages: Math.max(0, messages - sum(hashes, F.pulseDeliveredMessages)),
    bytes: Math.max(0, bytes - sum(hashes, F.pulseDeliveredBytes)),
  };
}
