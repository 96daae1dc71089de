/** Per-client behaviour figures of one UTC day, added up: sent, received, errors, seconds online. */
export type Activity = [sent: number, received: number, errors: number, onlineSeconds: number];

/** One tenant's added-up figures of one day, by client id. */
export interface TenantDayActivity {
  tenantId: string;
  day: string;
  clients: Map<string, Activity>;
}

/** Figures per client row: sent, received, errors, seconds online. */
const FIGURES = 4;
/** Rows a tenant-day starts with; doubled when full. */
const FIRST_ROWS = 64;

/**
 * One tenant-day's held figures, packed: a client's row number by client id, and the rows side by
 * side in one Float64Array (exact for whole numbers up to 2^53, like the JS numbers they replace).
 * Adding a heartbeat's figures allocates nothing once the client has a row, and the heap holds one
 * array per tenant-day instead of one per client.
 */
class DayRows {
  readonly rowOf = new Map<string, number>();
  rows = new Float64Array(FIRST_ROWS * FIGURES);

  /** The client's row offset in `rows`, a new zeroed row for a client not held yet (`rowOf` grows). */
  offsetOf(clientId: string): number {
    const row = this.rowOf.get(clientId);
    if (row !== undefined) return row * FIGURES;
    const next = this.rowOf.size;
    if ((next + 1) * FIGURES > this.rows.length) {
      const grown = new Float64Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rowOf.set(clientId, next);
    return next * FIGURES;
  }

  /** The held figures as client id → Activity, in the order the clients were first added. */
  toMap(): Map<string, Activity> {
    const clients = new Map<string, Activity>();
    const r = this.rows;
    for (const [clientId, row] of this.rowOf) {
      const o = row * FIGURES;
      clients.set(clientId, [r[o], r[o + 1], r[o + 2], r[o + 3]]);
    }
    return clients;
  }
}

/**
 * Enterprise per-client behaviour figures (client-day `s`/`r`/`e`/`on` and the traffic ranking),
 * added up in memory between writes: a client heartbeating every 30 s costs one set of counter
 * commands per write interval instead of one per heartbeat. Keyed by tenant and day (Maps, no
 * composite key), at most one row per client and day; `size` counts them, for the writer's bound.
 */
export class ClientActivityBuffer {
  private tenants = new Map<string, Map<string, DayRows>>();
  private count = 0;

  /** Clients (per tenant and day) held. */
  get size(): number {
    return this.count;
  }

  add(tenantId: string, day: string, clientId: string, figures: Activity): void {
    this.addFrom(tenantId, day, clientId, figures, 0);
  }

  /**
   * Adds the four figures at `values[at..at+3]` (sent, received, errors, seconds online): the
   * heartbeat script's reply is read in place, no array per heartbeat.
   */
  addFrom(tenantId: string, day: string, clientId: string, values: ArrayLike<number>, at: number): void {
    let days = this.tenants.get(tenantId);
    if (days === undefined) {
      days = new Map();
      this.tenants.set(tenantId, days);
    }
    let held = days.get(day);
    if (held === undefined) {
      held = new DayRows();
      days.set(day, held);
    }
    const before = held.rowOf.size;
    const offset = held.offsetOf(clientId);
    if (held.rowOf.size !== before) this.count++;
    const rows = held.rows;
    rows[offset] += values[at];
    rows[offset + 1] += values[at + 1];
    rows[offset + 2] += values[at + 2];
    rows[offset + 3] += values[at + 3];
  }

  /** Hands over everything held. */
  take(): TenantDayActivity[] {
    const out: TenantDayActivity[] = [];
    for (const [tenantId, days] of this.tenants)
      for (const [day, held] of days) out.push({ tenantId, day, clients: held.toMap() });
    this.tenants = new Map();
    this.count = 0;
    return out;
  }

  /** Puts back figures whose write failed (Redis did not run it), added to what came since. */
  restore({ tenantId, day, clients }: TenantDayActivity): void {
    for (const [clientId, figures] of clients) this.add(tenantId, day, clientId, figures);
  }
}
