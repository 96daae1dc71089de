/** Per-client behaviour figures of one UTC day, added up: sent, received, errors, seconds online. */
export type Activity = [sent: number, received: number, errors: number, onlineSeconds: number];

/** One tenant's added-up figures of one day, by client id. */
export interface TenantDayActivity {
  tenantId: string;
  day: string;
  clients: Map<string, Activity>;
}

/**
 * Enterprise per-client behaviour figures (client-day `s`/`r`/`e`/`on` and the traffic ranking),
 * added up in memory between writes: a client heartbeating every 30 s costs one set of counter
 * commands per write interval instead of one per heartbeat. Keyed by tenant and day (Maps, no
 * composite key), at most one entry per client and day; `size` counts them, for the writer's bound.
 */
export class ClientActivityBuffer {
  private tenants = new Map<string, Map<string, Map<string, Activity>>>();
  private count = 0;

  /** Clients (per tenant and day) held. */
  get size(): number {
    return this.count;
  }

  add(tenantId: string, day: string, clientId: string, figures: Activity): void {
    let days = this.tenants.get(tenantId);
    if (days === undefined) {
      days = new Map();
      this.tenants.set(tenantId, days);
    }
    let clients = days.get(day);
    if (clients === undefined) {
      clients = new Map();
      days.set(day, clients);
    }
    const held = clients.get(clientId);
    if (held === undefined) {
      clients.set(clientId, [figures[0], figures[1], figures[2], figures[3]]);
      this.count++;
    } else {
      held[0] += figures[0];
      held[1] += figures[1];
      held[2] += figures[2];
      held[3] += figures[3];
    }
  }

  /** Hands over everything held. */
  take(): TenantDayActivity[] {
    const out: TenantDayActivity[] = [];
    for (const [tenantId, days] of this.tenants)
      for (const [day, clients] of days) out.push({ tenantId, day, clients });
    this.tenants = new Map();
    this.count = 0;
    return out;
  }

  /** Puts back figures whose write failed (Redis did not run it), added to what came since. */
  restore({ tenantId, day, clients }: TenantDayActivity): void {
    for (const [clientId, figures] of clients) this.add(tenantId, day, clientId, figures);
  }
}
