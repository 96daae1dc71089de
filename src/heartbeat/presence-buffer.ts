import type { Tier } from '../common/tiers.js';
import type { Heartbeat } from './heartbeat-parser.js';

export interface PendingHeartbeat {
  heartbeat: Heartbeat;
  receivedAt: number;
}

/** Buffered heartbeats of one tenant, the newest per client, in the order each client was first buffered. */
export interface TenantBatch {
  tenantId: string;
  tier: Tier;
  entries: PendingHeartbeat[];
}

interface TenantPending {
  tier: Tier;
  clients: Map<string, PendingHeartbeat>;
}

/**
 * The PresenceWriter's buffer: per tenant, the newest heartbeat of each client (a Map by client
 * id: no composite key per heartbeat), at most `limit` clients in all.
 */
export class PresenceBuffer {
  private tenants = new Map<string, TenantPending>();
  private count = 0;

  constructor(private readonly limit: number) {}

  /** Clients buffered. */
  get size(): number {
    return this.count;
  }

  /**
   * Buffers a heartbeat: 'superseded' when it replaced its client's older one (which keeps its
   * place), 'shed' when the buffer is full of other clients (nothing changed).
   */
  add(heartbeat: Heartbeat, receivedAt: number, tier: Tier): 'added' | 'superseded' | 'shed' {
    let tenant = this.tenants.get(heartbeat.tenantId);
    if (tenant === undefined) {
      if (this.count >= this.limit) return 'shed';
      tenant = { tier, clients: new Map() };
      this.tenants.set(heartbeat.tenantId, tenant);
    }
    tenant.tier = tier;
    const known = tenant.clients.has(heartbeat.clientId);
    if (!known) {
      if (this.count >= this.limit) return 'shed';
      this.count++;
    }
    tenant.clients.set(heartbeat.clientId, { heartbeat, receivedAt });
    return known ? 'superseded' : 'added';
  }

  /**
   * Takes at most `max` heartbeats out, each tenant's oldest first, every tenant its share (in
   * proportion to what it has buffered, at least one): a tenant with a large backlog does not
   * hold the others back.
   */
  take(max: number): TenantBatch[] {
    const batches: TenantBatch[] = [];
    if (this.count <= max) {
      for (const [tenantId, t] of this.tenants)
        batches.push({ tenantId, tier: t.tier, entries: [...t.clients.values()] });
      this.tenants = new Map();
      this.count = 0;
      return batches;
    }
    let left = max;
    const total = this.count;
    for (const [tenantId, t] of this.tenants) {
      if (left === 0) break;
      const share = Math.min(left, Math.max(1, Math.floor((max * t.clients.size) / total)));
      const entries: PendingHeartbeat[] = [];
      for (const [clientId, p] of t.clients) {
        if (entries.length === share) break;
        entries.push(p);
        t.clients.delete(clientId);
      }
      if (t.clients.size === 0) this.tenants.delete(tenantId);
      this.count -= entries.length;
      left -= entries.length;
      batches.push({ tenantId, tier: t.tier, entries });
    }
    return batches;
  }

  /**
   * Puts back heartbeats whose write failed, ahead of what their tenant buffered meanwhile (they
   * are older), except a client's that has a newer one buffered, and only as many as the limit
   * leaves room for; returns how many it shed.
   */
  restore({ tenantId, tier, entries }: TenantBatch): number {
    const current = this.tenants.get(tenantId);
    const kept = new Map<string, PendingHeartbeat>();
    let shed = 0;
    for (const p of entries) {
      const clientId = p.heartbeat.clientId;
      if (current?.clients.has(clientId)) continue;
      if (this.count >= this.limit) {
        shed++;
        continue;
      }
      kept.set(clientId, p);
      this.count++;
    }
    if (kept.size === 0) return shed;
    if (current) for (const [clientId, p] of current.clients) kept.set(clientId, p);
    this.tenants.set(tenantId, { tier: current?.tier ?? tier, clients: kept });
    return shed;
  }
}
