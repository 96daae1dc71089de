#!/usr/bin/env node
/**
 * `node dist/anomalies/detect-series.js [--sensitivity low|medium|high] [--metric M]
 * [--detectors all|rules|statistical] [--resolution N] [--tail-scale F] FILE.csv`
 *
 * `--resolution`: the smallest step the values are measured in (1 for counts); the spread of
 * the series is never taken below it. Default 0: unknown, nothing assumed.
 *
 * `--tail-scale`: multiplies the sensitivity's tail probabilities (open and keep), F > 0, default 1:
 * the bench's sweep of the threshold (`npm run bench:anomalies -- NAB --loco`).
 *
 * Runs the detection pipeline of the scheduled job (`closeWindow`, same state, warm-up,
 * hold-down and gap handling) over a CSV of closed windows and prints one JSON line per anomaly
 * opened.
 *
 * The file is taken as clocks and collectors produce it: a line that is not a row (wrong field
 * count, a timestamp or value that does not parse, an empty value) is skipped; rows that go back in
 * time are put in time order; rows of a timestamp given before are one window, the mean of their
 * values; a missing header is tolerated. Each is a warning on stderr naming the line (the first
 * 20, then one line counting the rest), and the exit code is 0. Exit 2 (the reason on stderr) only
 * for bad options, a file that cannot be read, or one without a single row.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SENSITIVITIES, type Sensitivity } from '../config/detector-config.js';
import { type DetectorSet, SERIES_METRICS, type SeriesMetric } from './window-pipeline.js';
import { detectSeries, parseSeriesCsv, SeriesInputError } from './series-runner.js';

const USAGE = `usage: detect-series [--sensitivity low|medium|high] [--metric ${SERIES_METRICS.join('|')}] [--detectors all|rules|statistical] [--resolution N] [--tail-scale F] FILE.csv`;

const INPUT = `FILE.csv: "timestamp,value" rows, one per window. Lines that are not rows are skipped, rows out of time order sorted, rows of one timestamp averaged into one window, each with a warning on stderr; exit 2 only when no line is a row.`;

function fail(message: string): never {
  process.stderr.write(`detect-series: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The lines of the file that were skipped, merged or re-ordered (bounded: see parseSeriesCsv). */
function warn(warnings: string[]): void {
  if (warnings.length > 0) process.stderr.write(warnings.map((w) => `detect-series: ${w}\n`).join(''));
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        sensitivity: { type: 'string', default: 'medium' },
        metric: { type: 'string', default: 'messages' },
        detectors: { type: 'string', default: 'all' },
        resolution: { type: 'string', default: '0' },
        'tail-scale': { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n${INPUT}\n`);
    return;
  }
  const sensitivity = values.sensitivity as Sensitivity;
  if (!SENSITIVITIES.includes(sensitivity)) fail(`--sensitivity must be one of ${SENSITIVITIES.join(', ')}`);
  const metric = values.metric as SeriesMetric;
  if (!SERIES_METRICS.includes(metric)) fail(`--metric must be one of ${SERIES_METRICS.join(', ')}`);
  const detectors = values.detectors as DetectorSet;
  if (!['all', 'rules', 'statistical'].includes(detectors)) fail('--detectors must be one of all, rules, statistical');
  const resolution = Number(values.resolution);
  if (!Number.isFinite(resolution) || resolution < 0)
    fail('--resolution must be a number ≥ 0 (the smallest step of the values, e.g. 1 for counts)');
  const tailScale = Number(values['tail-scale']);
  if (!Number.isFinite(tailScale) || tailScale <= 0)
    fail("--tail-scale must be a number > 0 (it multiplies the sensitivity's tail probabilities; 1 leaves them)");
  if (positionals.length !== 1) fail('exactly one FILE.csv is needed');

  let text: string;
  try {
    text = readFileSync(positionals[0], 'utf8');
  } catch (err) {
    fail(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  try {
    const { rows, warnings } = parseSeriesCsv(text);
    warn(warnings);
    const out: string[] = [];
    for (const d of detectSeries(rows, { sensitivity, metric, detectors, resolution, tailScale })) {
      out.push(JSON.stringify({ timestamp: d.timestamp, type: d.type, severity: d.severity, score: d.score }));
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  } catch (err) {
    if (err instanceof SeriesInputError) {
      warn(err.warnings);
      fail(err.message);
    }
    throw err;
  }
}

main();
