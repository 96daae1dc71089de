import { Float64, makeVector, Table, TimestampMillisecond, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import type { SeriesPoint } from './buckets.js';
import { csvLine } from '../common/csv.js';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'parquet'] as const;
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
    const extra = custom ? custom.ids.map((id) => `custom_${id}`) : [];
    yield `${csvLine([...SERIES_COLUMNS, ...extra])}\n`;
    // Numbers, empty cells and ISO timestamps; written by the one CSV writer all the same, so no
    // later column can carry a formula into a spreadsheet.
    for (const [i, point] of series.entries()) {
      yield `${csvLine([...SERIES_COLUMNS.map((c) => point[c]), ...(custom ? custom.values[i] : [])])}\n`;
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

const COUNT_COLUMNS = new Set<keyof SeriesPoint>(['messages', 'bytes', 'activeClients', 'errors']);

/**
 * The series as one Parquet file (snappy): `timestamp` a UTC millisecond timestamp, counts
 * int64, latencies double, custom metrics `custom_<id>` nullable doubles. Built in memory (an
 * export is at most 2,000 rows) with Apache Arrow and written by parquet-wasm (the Rust parquet
 * crate).
 */
export function exportParquet(series: SeriesPoint[], custom?: ExportColumns | null): Uint8Array {
  const columns: Record<string, ReturnType<typeof makeVector>> = {};
  for (const c of SERIES_COLUMNS) {
    if (c === 'timestamp') {
      columns[c] = vectorFromArray(
        series.map((p) => Date.parse(p.timestamp)),
        new TimestampMillisecond('UTC'),
      );
    } else if (COUNT_COLUMNS.has(c)) {
      columns[c] = makeVector(BigInt64Array.from(series, (p) => BigInt(p[c])));
    } else {
      columns[c] = makeVector(Float64Array.from(series, (p) => p[c]));
    }
  }
  custom?.ids.forEach((id, j) => {
    columns[`custom_${id}`] = vectorFromArray(
      custom.values.map((row) => row[j]),
      new Float64(),
    );
  });
  const table = new Table(columns);
  const properties = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties);
}
