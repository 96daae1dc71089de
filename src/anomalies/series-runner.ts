import type { WindowFigures } from './detectors.js';
import type { Sensitivity } from '../config/detector-config.js';
import {
  closeWindow,
  type DetectorSet,
  initialPipelineState,
  isStretched,
  pipelineConfig,
  type SeriesMetric,
} from './window-pipeline.js';

/**
 * Runs the pipeline over a series of closed windows given as rows (the CSV contract and the
 * backtest route). One metric; when it is `messages`, the seed's message-rate rules see it too.
 */
export interface SeriesRow {
  /** As given (printed back unchanged). */
  timestamp: string;
  at: number;
  value: number;
}

export interface SeriesDetection {
  timestamp: string;
  at: number;
  type: string;
  severity: string;
  score: number;
  summary: string;
}

export interface SeriesOptions {
  sensitivity?: Sensitivity;
  metric?: SeriesMetric;
  detectors?: DetectorSet;
  /** Window length; default the median row interval. */
  windowMs?: number;
  /** The values' measurement resolution (1 for counts); default 0, unknown. */
  resolution?: number;
  /** Multiplies the sensitivity's tail probabilities (> 0); default 1. */
  tailScale?: number;
  tenantId?: string;
}

export class SeriesInputError extends Error {}

/** A window with no figures of its own (a series alone, or JetStream alone in tests). */
export const EMPTY_FIGURES: WindowFigures = {
  messages: 0,
  sent: 0,
  received: 0,
  errors: 0,
  rejected: 0,
  newDistinct: 0,
  patterns: [],
  offline: {},
};
const SPACE_FORM = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/;
const ISO_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601 (UTC unless an offset is given). */
export function parseTimestamp(text: string): number {
  const space = SPACE_FORM.exec(text);
  if (space) return Date.parse(`${space[1]}T${space[2]}Z`);
  if (ISO_FORM.test(text)) return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(10)) ? text : `${text}Z`);
  return Number.NaN;
}

export function parseSeriesCsv(text: string): SeriesRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').trim().toLowerCase();
  if (header !== 'timestamp,value')
    throw new SeriesInputError(`line 1: the header must be "timestamp,value", got "${lines[0] ?? ''}"`);
  const rows: SeriesRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    if (comma < 0 || line.indexOf(',', comma + 1) >= 0)
      throw new SeriesInputError(`line ${i + 1}: expected two fields "timestamp,value"`);
    const timestamp = line.slice(0, comma).trim();
    const at = parseTimestamp(timestamp);
    if (!Number.isFinite(at))
      throw new SeriesInputError(`line ${i + 1}: timestamp "${timestamp}" is neither YYYY-MM-DD HH:MM:SS nor ISO 8601`);
    const raw = line.slice(comma + 1).trim();
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) throw new SeriesInputError(`line ${i + 1}: value "${raw}" is not a number`);
    if (rows.length > 0 && at < rows[rows.length - 1].at)
      throw new SeriesInputError(`line ${i + 1}: timestamp goes back in time (rows must be in time order)`);
    rows.push({ timestamp, at, value });
  }
  return rows;
}

/** The median interval between rows (one window); 60 s for fewer than two rows. */
export function medianInterval(rows: { at: number }[]): number {
  if (rows.length < 2) return 60_000;
  const gaps = rows
    .slice(1)
    .map((r, i) => r.at - rows[i].at)
    .sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)];
}

export function* detectSeries(rows: SeriesRow[], options: SeriesOptions = {}): Generator<SeriesDetection> {
  const metric = options.metric ?? 'messages';
  const windowMs = options.windowMs ?? medianInterval(rows);
  const config = pipelineConfig(
    windowMs,
    options.sensitivity ?? 'medium',
    {},
    options.detectors ?? 'all',
    { [metric]: options.resolution ?? 0 },
    options.tailScale ?? 1,
  );
  const tenantId = options.tenantId ?? 'series';
  let state = initialPipelineState();
  let previousAt: number | undefined;
  for (const row of rows) {
    const stretched = isStretched(previousAt, row.at, windowMs);
    previousAt = row.at;
    // As in the job: a window that spans a gap is not judged, and the next one starts from it.
    if (stretched) continue;
    const figures = metric === 'messages' ? { ...EMPTY_FIGURES, messages: Math.max(0, row.value) } : EMPTY_FIGURES;
    const result = closeWindow(tenantId, state, { at: row.at, figures, series: { [metric]: row.value } }, config);
    state = result.state;
    for (const o of result.opened) {
      yield {
        timestamp: row.timestamp,
        at: row.at,
        type: o.type,
        severity: o.severity,
        score: Number(o.score.toFixed(4)),
        summary: o.summary,
      };
    }
  }
}
