import type { StoredFigures } from './custom-metric.repository.js';

/** Several stored figures (minutes of a bucket, say) as one: counts and sums added, extremes kept. */
export function combineFigures(all: readonly StoredFigures[]): StoredFigures {
  const n: Record<string, number> = {};
  for (const f of all) {
    for (const [field, raw] of Object.entries(f)) {
      const v = Number(raw);
      if (field === 'mn') n.mn = n.mn === undefined ? v : Math.min(n.mn, v);
      else if (field === 'mx') n.mx = n.mx === undefined ? v : Math.max(n.mx, v);
      else n[field] = (n[field] ?? 0) + v;
    }
  }
  return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, String(v)]));
}
