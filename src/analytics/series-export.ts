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

/** The series as lines of CSV (header first) or NDJSON, produced one at a time for streaming. */
export function* exportLines(series: SeriesPoint[], format: ExportFormat): Generator<string> {
  if (format === 'csv') {
    yield `${SERIES_COLUMNS.join(',')}\n`;
    // Every value is a number or an ISO timestamp: nothing needs quoting.
    for (const point of series) yield `${SERIES_COLUMNS.map((c) => point[c]).join(',')}\n`;
  } else {
    for (const point of series) yield `${JSON.stringify(point)}\n`;
  }
}
