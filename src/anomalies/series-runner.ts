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

/** The file is not a series at all (empty, or no line is a row); `warnings` are the line notes so far. */
export class SeriesInputError extends Error {
  constructor(
    message: string,
    readonly warnings: string[] = [],
  ) {
    super(message);
  }
}

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
  if (text.length > TIMESTAMP_MAX) return Number.NaN;
  const space = SPACE_FORM.exec(text);
  if (space) return Date.parse(`${space[1]}T${space[2]}Z`);
  if (ISO_FORM.test(text)) return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(10)) ? text : `${text}Z`);
  return Number.NaN;
}

/** Warnings about single lines shown at most; the rest are counted in one summary line. */
export const MAX_LINE_WARNINGS = 20;
/** Caller text quoted in a warning is cut to this many characters, so warnings stay small. */
const QUOTE_MAX = 40;
/** Longer than any timestamp form accepted (ISO 8601 with nanoseconds and an offset is 35). */
const TIMESTAMP_MAX = 40;
const HEADER = 'timestamp,value';
// A decimal number. Each part is unambiguous (digits, an optional fraction that starts with a
// dot, an optional exponent that starts with e), so a failed match backtracks once per character.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface ParsedSeries {
  /** One row per timestamp, in time order. */
  rows: SeriesRow[];
  /**
   * What was done with the lines that were not plain rows in time order, in line order: at most
   * MAX_LINE_WARNINGS lines, then one line counting the rest.
   */
  warnings: string[];
}

type LineKind = 'skipped' | 'merged' | 'back';
interface LineNote {
  kind: LineKind;
  line: number;
  /** The last line of a run of merged rows (= line otherwise). */
  to: number;
  shown: boolean;
  text: (note: LineNote) => string;
}

/** A C0 or C1 control character, or DEL: what a terminal would obey as an escape sequence. */
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f);

/** Quoted, cut and with control characters escaped: a warning stays small and inert whatever the caller's line. */
function quote(text: string): string {
  const cut = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
  let out = '';
  for (const c of cut) {
    const code = c.charCodeAt(0);
    out += isControl(code) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return `"${out}"`;
}

function duration(ms: number): string {
  const [amount, unit] =
    ms < 60_000
      ? [ms / 1000, 's']
      : ms < 3_600_000
        ? [ms / 60_000, 'min']
        : ms < 86_400_000
          ? [ms / 3_600_000, 'h']
          : [ms / 86_400_000, 'd'];
  return `${Number(amount.toFixed(1))} ${unit}`;
}

/** The notes of one parse: the first MAX_LINE_WARNINGS kept, every line concerned counted. */
class LineNotes {
  private readonly notes: LineNote[] = [];
  private readonly lines = new Map<LineKind, { all: number; shown: number }>();
  private last: LineNote | null = null;

  add(kind: LineKind, line: number, text: (note: LineNote) => string): void {
    const note = { kind, line, to: line, shown: this.notes.length < MAX_LINE_WARNINGS, text };
    if (note.shown) this.notes.push(note);
    this.last = note;
    this.count(note);
  }

  /** A merged row right after the last note's merged rows joins that note; else a new note. */
  merged(line: number, text: (note: LineNote) => string): void {
    const last = this.last;
    if (last?.kind !== 'merged' || last.to !== line - 1) return this.add('merged', line, text);
    last.to = line;
    this.count(last);
  }

  private count(note: LineNote): void {
    const n = this.lines.get(note.kind) ?? { all: 0, shown: 0 };
    n.all++;
    if (note.shown) n.shown++;
    this.lines.set(note.kind, n);
  }

  warnings(): string[] {
    const out = this.notes.map((n) => n.text(n));
    const more = (kind: LineKind) => {
      const n = this.lines.get(kind);
      return n ? n.all - n.shown : 0;
    };
    const parts = (
      [
        [more('skipped'), 'skipped'],
        [more('merged'), 'merged into the window of an earlier line'],
        [more('back'), 'going back in time'],
      ] as const
    ).filter(([n]) => n > 0);
    if (parts.length > 0) {
      const sum = parts.reduce((n, [k]) => n + k, 0);
      out.push(`and ${sum} more lines: ${parts.map(([n, what]) => `${n} ${what}`).join(', ')}`);
    }
    return out;
  }
}

const unquote = (field: string) =>
  field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1).trim() : field;

/** The fields of a CSV line, trimmed, one pair of double quotes around each removed. */
function fieldsOf(line: string): string[] {
  const comma = line.indexOf(',');
  if (comma >= 0 && line.indexOf(',', comma + 1) < 0)
    return [unquote(line.slice(0, comma).trim()), unquote(line.slice(comma + 1).trim())];
  return line.split(',').map((f) => unquote(f.trim()));
}

const isHeader = (fields: string[]) =>
  fields.length === 2 && fields[0].toLowerCase() === 'timestamp' && fields[1].toLowerCase() === 'value';

type ParsedLine = { timestamp: string; at: number; value: number; problem?: undefined } | { problem: string };

function parseLine(fields: string[], line: string): ParsedLine {
  if (fields.length !== 2)
    return { problem: `expected 2 fields "${HEADER}", got ${fields.length} (${quote(line)}); skipped` };
  const [timestamp, raw] = fields;
  const at = parseTimestamp(timestamp);
  if (!Number.isFinite(at))
    return { problem: `timestamp ${quote(timestamp)} is neither YYYY-MM-DD HH:MM:SS nor ISO 8601; skipped` };
  if (raw === '') return { problem: 'no value; skipped' };
  const value = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) return { problem: `value ${quote(raw)} is not a (finite, decimal) number; skipped` };
  return { timestamp, at, value };
}

/**
 * Reads a series as clocks and collectors produce it (linear in the text, but for the sort of
 * rows out of time order). Blank lines are ignored. A line that is not a row (wrong field count,
 * no timestamp, no value, a value that is not a finite number, the header again) is skipped; rows
 * that go back in time are put in time order (a stable sort); rows of a timestamp given before are
 * one window, the mean of their values (a row is a per-window figure: a collector's retry repeats
 * it, a clock stepped back gives two windows' figures for one timestamp, and neither may look like
 * a burst). The first line is the header `timestamp,value`; a first line that is a row is read
 * as one, any other is taken for a header (both with a warning). Each case is a warning naming
 * its line. Throws SeriesInputError only when there is no row at all.
 */
export function parseSeriesCsv(text: string): ParsedSeries {
  const lines = text.split(/\r?\n/);
  const notes = new LineNotes();
  const rows: SeriesRow[] = [];
  /**
   * Per row: the line it came from, how many lines' values it sums, and their running mean (the
   * row's value when the sum overflows: values near the largest double).
   */
  const from: number[] = [];
  const merged: number[] = [];
  const mean: number[] = [];
  // Each timestamp's row, once time has gone back (until then a repeat is the previous row's).
  let rowAt: Map<number, number> | null = null;
  let headerSeen = false;
  let previousAt = Number.NEGATIVE_INFINITY;
  let previousTimestamp = '';
  for (let i = 0; i < lines.length; i++) {
    const line = (i === 0 ? lines[i].replace(/^\uFEFF/, '') : lines[i]).trim();
    if (line === '') continue;
    const n = i + 1;
    const fields = fieldsOf(line);
    const parsed = isHeader(fields) ? null : parseLine(fields, line);
    if (!headerSeen) {
      headerSeen = true;
      if (parsed === null) continue;
      // A first line that starts with a timestamp is a row without a header (bad or not).
      if (parsed.problem !== undefined && !Number.isFinite(parseTimestamp(fields[0]))) {
        notes.add('skipped', n, () => `line ${n}: ${quote(line)} is not the header "${HEADER}"; taken for a header`);
        continue;
      }
      notes.add('skipped', n, () => `line ${n}: no header "${HEADER}"; the line is read as a row`);
    }
    if (parsed === null) {
      notes.add('skipped', n, () => `line ${n}: the header again; skipped`);
      continue;
    }
    if (parsed.problem !== undefined) {
      const problem = parsed.problem;
      notes.add('skipped', n, () => `line ${n}: ${problem}`);
      continue;
    }
    const { timestamp, at, value } = parsed;
    if (at < previousAt) {
      const back = `${duration(previousAt - at)} (${quote(timestamp)} after ${quote(previousTimestamp)})`;
      notes.add('back', n, () => `line ${n}: timestamp goes back ${back}; rows put in time order`);
      rowAt ??= new Map(rows.map((r, k) => [r.at, k]));
    }
    previousAt = at;
    previousTimestamp = timestamp;
    const last = rows.length - 1;
    const earlier = rowAt ? rowAt.get(at) : last >= 0 && rows[last].at === at ? last : undefined;
    if (earlier === undefined) {
      rowAt?.set(at, rows.length);
      rows.push({ timestamp, at, value });
      from.push(n);
      merged.push(1);
      mean.push(value);
      continue;
    }
    rows[earlier].value += value;
    const k = ++merged[earlier];
    mean[earlier] += value / k - mean[earlier] / k;
    const first = { line: from[earlier], timestamp: rows[earlier].timestamp };
    notes.merged(n, (note) =>
      note.to === note.line
        ? `line ${n}: timestamp ${quote(timestamp)} is also on line ${first.line}; one window, the mean of their values`
        : `lines ${note.line}-${note.to}: timestamps given before (the first, ${quote(first.timestamp)}, on line ${first.line}); each is one window with its earlier row, the mean of their values`,
    );
  }
  if (rows.length === 0) {
    if (!headerSeen) throw new SeriesInputError(`the file is empty: no header "${HEADER}" and no rows`);
    const warnings = notes.warnings();
    if (warnings.length === 0)
      throw new SeriesInputError(`no rows: the file has the header "${HEADER}" and nothing else`);
    throw new SeriesInputError(
      `not a series: no line is a row "${HEADER}" (a timestamp, YYYY-MM-DD HH:MM:SS or ISO 8601, and a number)`,
      warnings,
    );
  }
  rows.forEach((r, i) => {
    if (merged[i] > 1) r.value = Number.isFinite(r.value) ? r.value / merged[i] : mean[i];
  });
  // Timestamps are distinct now: the sort only undoes the clock's steps back.
  if (rowAt) rows.sort((a, b) => a.at - b.at);
  return { rows, warnings: notes.warnings() };
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
