import type { LimitLevel, LimitName } from '../../src/common/limits.js';
import type { LimitUtilisation, UtilisationSource } from '../../src/usage/usage.types.js';

/**
 * A utilisation source whose tenants' utilisation of one limit the test sets (`utilisation`), with
 * the levels the default thresholds give (80 % warning, 95 % critical); stands in for the usage
 * service (UTILISATION_SOURCE). 0 for a tenant not set.
 */
export class FakeUtilisationSource implements UtilisationSource {
  readonly utilisation = new Map<string, number>();

  constructor(
    private readonly limit: LimitName = 'connections',
    private readonly max = 100,
  ) {}

  limits(tenantId: string): Promise<LimitUtilisation[]> {
    const u = this.utilisation.get(tenantId) ?? 0;
    const used = Math.round(u * this.max);
    const level: LimitLevel = u >= 0.95 ? 'critical' : u >= 0.8 ? 'warning' : 'ok';
    return Promise.resolve([
      {
        limit: this.limit,
        max: this.max,
        source: 'tenant',
        used,
        utilisation: u,
        peakToday: used,
        peakUtilisation: u,
        level,
        forecast: null,
      },
    ]);
  }
}
