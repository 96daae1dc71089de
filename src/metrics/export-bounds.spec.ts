import { describe, expect, it } from 'vitest';
import { exportCostProblem, MAX_EXPORT_CUSTOM_HASHES } from './custom-metrics.service.js';
import { EXPORTS_PER_TENANT, ExportSlots } from './export-slots.js';

describe('the export bounds', () => {
  it('at most 10,000 custom hashes: 50 metrics over 24 h of minutes is refused naming resolution and the one that fits', () => {
    expect(MAX_EXPORT_CUSTOM_HASHES).toBe(10_000);
    for (const res of ['1m', '5m'] as const) {
      expect(exportCostProblem(50, '24h', res)).toBe(
        `resolution: 24h at ${res} reads 1,440 stored figures for each of 50 custom metrics (72,000); an export reads at most 10,000: ask resolution=1h or a shorter period`,
      );
    }
    expect(exportCostProblem(6, '24h', '1m')).toBeNull(); // 8,640
    expect(exportCostProblem(7, '24h', '5m')).toMatch(/^resolution: .*10,080/);
    expect(exportCostProblem(50, '24h', '1h')).toBeNull(); // 1,200
    expect(exportCostProblem(50, '7d', '1h')).toBeNull(); // 8,400
    expect(exportCostProblem(60, '7d', '1h')).toMatch(/ask resolution=1d or a shorter period$/); // 10,080
    expect(exportCostProblem(50, '30d', '1d')).toBeNull();
    expect(exportCostProblem(400, '30d', '1d')).toMatch(/: ask a shorter period$/); // 12,000, nothing coarser
  });

  it('one export per tenant at a time; a slot given back (once, however often called) frees it', () => {
    expect(EXPORTS_PER_TENANT).toBe(1);
    const slots = new ExportSlots();
    const release = slots.take('acme');
    expect(release).not.toBeNull();
    expect(slots.take('acme')).toBeNull();
    const other = slots.take('globex');
    expect(other).not.toBeNull();
    release?.();
    release?.();
    const again = slots.take('acme');
    expect(again).not.toBeNull();
    expect(slots.take('acme')).toBeNull();
    again?.();
    other?.();
  });
});
