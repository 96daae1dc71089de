/**
 * `npm run bench:anomalies -- [NAB_DIR] [--sensitivity medium] [--only nab|generator]`
 *
 * Runs the series contract (`node dist/anomalies/detect-series.js`) over labelled data and scores
 * it per category: labelled windows, windows detected (≥ 1 detection inside), false positives
 * (detections outside every window), false positives per week of scored data, precision
 * (detections inside a window / all detections) and F1 of window recall and precision. Two
 * baselines go through the same metric: the seed's rules alone (`--detectors rules`) and a
 * rolling 4-sigma z-score over the last day.
 *
 * NAB_DIR is an extracted Numenta Anomaly Benchmark (its `data/` and `labels/`). Only the tuning
 * categories below are read; the held-out ones are never opened. As NAB does, the first 15 % of
 * each series (at most 750 rows) is probationary and not scored. Without NAB_DIR only the
 * committed generator's set runs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { parseSeriesCsv, parseTimestamp } from '../dist/anomalies/series-runner.js';
import { generateTenants } from './anomaly-traffic.mjs';

const run = promisify(execFile);
const TUNING = ['realTweets', 'realTraffic', 'artificialWithAnomaly', 'artificialNoAnomaly'];
const WEEK = 7 * 86_400_000;
const CLI = 'dist/anomalies/detect-series.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sensitivity: { type: 'string', default: 'medium' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results/anomalies.json' },
  },
});

// The command's own parsing, so the bench reads files exactly as the command does.
const parseTs = parseTimestamp;
const readCsv = (path) => parseSeriesCsv(readFileSync(path, 'utf8')).rows;

async function detect(path, extra = []) {
  // The generator's values are message counts (resolution 1, as Pulse's job knows of its own
  // series); NAB's units are unknown.
  if (path.includes('pulse-anomaly-gen-')) extra = ['--resolution', '1', ...extra];
  const { stdout } = await run('node', [CLI, '--sensitivity', values.sensitivity, ...extra, path], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => parseTs(JSON.parse(l).timestamp));
}

/** Baseline: |value − mean| > 4 σ over the previous day of windows; one alarm per excursion (3 windows quiet). */
function rollingZ(rows) {
  const gaps = rows
    .slice(1)
    .map((r, i) => r.at - rows[i].at)
    .sort((a, b) => a - b);
  const span = Math.max(30, Math.round(86_400_000 / (gaps[Math.floor(gaps.length / 2)] || 60_000)));
  const out = [];
  let sum = 0;
  let sq = 0;
  let quiet = 3;
  rows.forEach((r, i) => {
    if (i >= span) {
      const n = span;
      const mean = sum / n;
      const sd = Math.sqrt(Math.max(sq / n - mean * mean, 0));
      const alarm = sd > 0 && Math.abs(r.value - mean) > 4 * sd;
      if (alarm && quiet >= 3) out.push(r.at);
      quiet = alarm ? 0 : quiet + 1;
      const old = rows[i - span].value;
      sum -= old;
      sq -= old * old;
    }
    sum += r.value;
    sq += r.value * r.value;
  });
  return out;
}

function score(rows, windows, detections) {
  const probation = Math.min(Math.floor(0.15 * rows.length), 750);
  const from = rows[probation].at;
  const scored = detections.filter((t) => t >= from);
  const inside = (t) => windows.some(([a, b]) => t >= a && t <= b);
  return {
    windows: windows.length,
    detected: windows.filter(([a, b]) => scored.some((t) => t >= a && t <= b)).length,
    truePositives: scored.filter(inside).length,
    falsePositives: scored.filter((t) => !inside(t)).length,
    weeks: (rows[rows.length - 1].at - from) / WEEK,
  };
}

function sum(parts) {
  const total = { windows: 0, detected: 0, truePositives: 0, falsePositives: 0, weeks: 0 };
  for (const p of parts) for (const k of Object.keys(total)) total[k] += p[k];
  const recall = total.windows ? total.detected / total.windows : null;
  const all = total.truePositives + total.falsePositives;
  const precision = all ? total.truePositives / all : null;
  const f1 =
    recall !== null && precision !== null && recall + precision > 0
      ? (2 * recall * precision) / (recall + precision)
      : null;
  return {
    ...total,
    weeks: Number(total.weeks.toFixed(2)),
    fpPerWeek: Number((total.falsePositives / total.weeks).toFixed(3)),
    recall,
    precision,
    f1,
  };
}

async function pool(items, worker, width = 2) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await worker(items[i]);
      }
    }),
  );
  return results;
}

/** Series: { category, name, path, rows, windows } → per-detector scores. */
async function evaluate(series) {
  return pool(series, async (s) => {
    const [pulse, rules] = await Promise.all([detect(s.path), detect(s.path, ['--detectors', 'rules'])]);
    return {
      category: s.category,
      name: s.name,
      pulse: score(s.rows, s.windows, pulse),
      rules: score(s.rows, s.windows, rules),
      rollingZ: score(s.rows, s.windows, rollingZ(s.rows)),
    };
  });
}

function nabSeries(dir) {
  const labels = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8'));
  const series = [];
  for (const key of Object.keys(labels).sort()) {
    const [category, file] = key.split('/');
    if (!TUNING.includes(category)) continue; // held-out categories are never opened
    const path = join(dir, 'data', key);
    series.push({
      category,
      name: file.replace(/\.csv$/, ''),
      path,
      rows: readCsv(path),
      windows: labels[key].map(([a, b]) => [parseTs(a), parseTs(b)]),
    });
  }
  return series;
}

function generatorSeries(folder) {
  return generateTenants().map((t) => {
    const path = join(folder, `${t.name}.csv`);
    writeFileSync(path, `timestamp,value\n${t.rows.map((r) => `${r.timestamp},${r.value}`).join('\n')}\n`);
    return {
      category: 'generator',
      name: t.name,
      path,
      rows: t.rows.map((r) => ({ ...r, at: parseTs(r.timestamp) })),
      windows: t.windows,
    };
  });
}

const fmt = (v, d = 2) => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toFixed(d) : v);

function table(title, results) {
  const categories = [...new Set(results.map((r) => r.category))];
  const lines = [
    `\n${title}`,
    '| category | detector | windows | detected | recall | FP | FP/week | precision | F1 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const summary = {};
  for (const category of [...categories, 'all']) {
    const rows = category === 'all' ? results : results.filter((r) => r.category === category);
    summary[category] = {};
    for (const detector of ['pulse', 'rules', 'rollingZ']) {
      const s = sum(rows.map((r) => r[detector]));
      summary[category][detector] = s;
      lines.push(
        `| ${category} | ${detector} | ${s.windows} | ${s.detected} | ${fmt(s.recall)} | ${s.falsePositives} | ${fmt(s.fpPerWeek)} | ${fmt(s.precision)} | ${fmt(s.f1)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  return summary;
}

/** CPU seconds of this process's finished children (utime + stime from /proc). */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime (clock ticks, 100/s)
}

/** The contract's size bound: a 22,000-row file, timed (wall and the command's CPU), 3 runs. */
async function timing(folder) {
  const rows = generateTenants()[0].rows;
  const lines = [];
  for (let i = 0; i < 22_000; i++) {
    const r = rows[i % rows.length];
    lines.push(`${new Date(Date.UTC(2026, 0, 5) + i * 300_000).toISOString()},${r.value}`);
  }
  const path = join(folder, 'timing-22000.csv');
  writeFileSync(path, `timestamp,value\n${lines.join('\n')}\n`);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const cpu = childCpuSeconds();
    const t0 = process.hrtime.bigint();
    await detect(path);
    runs.push({ wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: childCpuSeconds() - cpu });
  }
  const worst = runs.reduce((w, r) => (r.wallSeconds > w.wallSeconds ? r : w));
  console.log(
    `\n22,000 rows through the command, 3 runs: worst ${worst.wallSeconds.toFixed(2)} s wall, ${worst.cpuSeconds.toFixed(2)} s CPU (bound: 10 s)`,
  );
  return runs;
}

const started = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const out = { sensitivity: values.sensitivity, at: new Date().toISOString() };
if (positionals[0] && values.only !== 'generator') {
  const results = await evaluate(nabSeries(positionals[0]));
  out.nab = { summary: table('NAB (tuning categories)', results), series: results };
  for (const r of results) if (process.env.VERBOSE) console.log(r.category, r.name, JSON.stringify(r.pulse));
}
if (values.only !== 'nab') {
  const folder = mkdtempSync(join(tmpdir(), 'pulse-anomaly-gen-'));
  try {
    out.timing22000 = await timing(folder);
    const results = await evaluate(generatorSeries(folder));
    const summary = table('Generator (28 days × 18 tenants, 5-minute windows)', results);
    const tenantWeeks = summary.all.pulse.weeks;
    out.generator = { summary, fpPerTenantWeek: summary.all.pulse.falsePositives / tenantWeeks, series: results };
    for (const r of results) if (process.env.VERBOSE) console.log(r.name, JSON.stringify(r.pulse));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`);
const cpu = process.cpuUsage(cpuStart);
console.log(
  `\n${Number(process.hrtime.bigint() - started) / 1e9} s wall (this process ${(cpu.user + cpu.system) / 1e6} s CPU); written to ${values.out}`,
);
