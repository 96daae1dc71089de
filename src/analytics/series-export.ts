import type { SeriesPoint } from './buckets.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const SERIES_COLUMNS: (keyof SeriesPoint)[] = [
  'timestamp',
  'messages',
  'bytes',
  'activeClients',
  'latencyP50Ms',
  'latencyP95Ms',
  'latencyP99Ms',
  'errors',
];

/** Extra columns of an export: custom metrics by id, one value (or null) per point. */
export interface ExportColumns {
  ids: string[];
  /** values[i][j]: metric ids[j] at series[i]. */
  values: (number | null)[][];
}

/**
 * The series as lines of CSV (header first) or NDJSON, produced one at a time for streaming;
 * custom metrics, when given, as `custom_<id>` columns (CSV) or a `custom` object (NDJSON).
 */
export function* exportLines(
  series: SeriesPoint[],
  format: ExportFormat,
  custom?: ExportColumns | null,
): Generator<string> {
  if (format === 'csv') {
    const extra = custom ? custom.ids.map((id) => `,custom_${id}`).join('') : '';
    yield `${SERIES_COLUMNS.join(',')}${extra}\n`;
    // Every value is a number, empty or an ISO timestamp; ids are [A-Za-z0-9_-]: nothing needs quoting.
    for (const [i, point] of series.entries()) {
      const values = custom ? custom.values[i].map((v) => `,${v ?? ''}`).join('') : '';
      yield `${SERIES_COLUMNS.map((c) => point[c]).join(',')}${values}\n`;
    }
  } else {
    for (const [i, point] of series.entries()) {
      const row = custom
        ? { ...point, custom: Object.fromEntries(custom.ids.map((id, j) => [id, custom.values[i][j]])) }
        : point;
      yield `${JSON.stringify(row)}\n`;
    }
  }
}
