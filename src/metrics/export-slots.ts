import { Injectable } from '@nestjs/common';

/** Exports one tenant may run at once on an instance; one more is a 429 (Retry-After 1 s). */
export const EXPORTS_PER_TENANT = 1;

/**
 * The exports running on this instance, per tenant. An export's Redis reads (up to
 * MAX_EXPORT_CUSTOM_HASHES custom figures hashes and the series' minutes) are the heaviest a
 * tenant request makes; eight loops of them on one key used to hold every other tenant's reads
 * behind them for seconds. One at a time per tenant keeps a tenant's share to one export's reads,
 * which are themselves bounded and read one metric after another.
 */
@Injectable()
export class ExportSlots {
  private readonly running = new Map<string, number>();

  /** A slot for the tenant (call the function returned to give it back), or null when it has none free. */
  take(tenantId: string): (() => void) | null {
    const held = this.running.get(tenantId) ?? 0;
    if (held >= EXPORTS_PER_TENANT) return null;
    this.running.set(tenantId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(tenantId) ?? 1) - 1;
      if (left <= 0) this.running.delete(tenantId);
      else this.running.set(tenantId, left);
    };
  }
}
