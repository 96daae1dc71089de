/** One piece of work a worker holds (a lease or a claim) while it runs. */
export interface HeldItem {
  tenantId: string;
  done: Promise<unknown>;
}

/**
 * A polling worker's in-flight bookkeeping (alert deliveries, event batches): the work it holds
 * by key, one poll at a time (a tick while one runs shares it), none once stopped. A failed poll
 * is handed to `onError` (the next tick tries again).
 */
export class HeldWork<T extends HeldItem> {
  readonly held = new Map<string, T>();
  private polling: Promise<void> | null = null;
  private stoppedAt = false;

  constructor(
    private readonly claim: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Whether the shutdown began: nothing new starts. */
  get stopped(): boolean {
    return this.stoppedAt;
  }

  stop(): void {
    this.stoppedAt = true;
  }

  /** Claims what is due now (nothing starts while a poll runs or after the shutdown began). */
  poll(): Promise<void> {
    if (this.stoppedAt) return Promise.resolve();
    this.polling ??= this.claim()
      .catch(this.onError)
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }

  /** Work under way now. */
  inFlight(): number {
    return this.held.size;
  }

  /** Resolves when the work under way has finished. */
  async idle(): Promise<void> {
    while (this.held.size > 0) await Promise.allSettled([...this.held.values()].map((h) => h.done));
  }

  /** Work under way per tenant. */
  perTenant(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const h of this.held.values()) counts.set(h.tenantId, (counts.get(h.tenantId) ?? 0) + 1);
    return counts;
  }

  /** The work under way, for the shutdown's handover. */
  list(): T[] {
    return [...this.held.values()];
  }
}
