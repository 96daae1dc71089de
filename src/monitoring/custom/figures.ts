import type { CustomAggregation } from './definition.js';
import type { StoredFigures } from './custom-metric.repository.js';
import { valuePercentile } from './value-histogram.js';

const PERCENTILES: Partial<Record<CustomAggregation, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** Whether an aggregation is a percentile (read from the value histogram). */
export const isPercentile = (aggregation: CustomAggregation): boolean => PERCENTILES[aggregation] !== undefined;

/** A metric's value from its stored figures by its aggregation (null: nothing to aggregate). */
export function aggregateValue(aggregation: CustomAggregation, f: StoredFigures): number | null {
  const count = Number(f.c ?? 0);
  if (aggregation === 'count') return count;
  if (count === 0) return aggregation === 'sum' ? 0 : null;
  const round = (v: number) => Number(v.toPrecision(12));
  switch (aggregation) {
    case 'sum':
      return round(Number(f.s));
    case 'avg':
      return round(Number(f.s) / count);
    case 'min':
      return Number(f.mn);
    case 'max':
      return Number(f.mx);
    default: {
      const histogram = new Map<number, number>();
      for (const [field, n] of Object.entries(f))
        if (field.startsWith('h')) histogram.set(Number(field.slice(1)), Number(n));
      const v = valuePercentile(histogram, PERCENTILES[aggregation]!);
      return v === null ? null : round(v);
    }
  }
}
