/**
 * `npm run bench:anomalies -- [NAB_DIR] [--sensitivity medium] [--only nab|generator] [--published]
 * [--loco] [--tail-scales 0.1,0.15,…]`
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
 *
 * Beside those tables, NAB's own score (bench/nab-score.mjs: standard, low-FP and low-FN profiles)
 * over the tuning categories and per category. `--published` scores the published detectors' rows
 * in NAB_DIR/results under both metrics (a detection: a row whose anomaly_score is at least the
 * detector's threshold from config/thresholds.json). `--loco` sweeps `--tail-scale` over a grid
 * and, for each tuning category, picks the scale with the best F1 on the other three (ties: fewer
 * false positives per week) and reports it on the category left out.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { parseSeriesCsv, parseTimestamp } from '../dist/anomalies/series-runner.js';
import { generateTenants } from './anomaly-traffic.mjs';
import { detectedRows, NAB_PROFILES, scoreFile, sumScores } from './nab-score.mjs';

const run = promisify(execFile);
const TUNING = ['realTweets', 'realTraffic', 'artificialWithAnomaly', 'artificialNoAnomaly'];
const WEEK = 7 * 86_400_000;
const CLI = 'dist/anomalies/detect-series.js';
const DETECTORS = ['pulse', 'rules', 'rollingZ'];
const PROFILES = Object.keys(NAB_PROFILES);
const SCOREBOARD =
  "not NAB's full corpus, so not comparable with its public scoreboard (standard profile over all seven categories: ARTime 74.9, numenta 70.5, contextOSE 69.9)";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sensitivity: { type: 'string', default: 'medium' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results/anomalies.json' },
    published: { type: 'boolean', default: false },
    loco: { type: 'boolean', default: false },
    'tail-scales': { type: 'string', default: '0.1,0.15,0.25,0.4,0.6,0.8,1,1.25,1.6,2,3' },
  },
});
const scales = [...new Set(['1', ...values['tail-scales'].split(',')].map(Number))].sort((a, b) => a - b);
if (scales.some((x) => !Number.isFinite(x) || x <= 0))
  throw new Error(`--tail-scales must be numbers > 0 separated by commas, got "${values['tail-scales']}"`);

// The command's own parsing, so the bench reads files exactly as the command does.
const parseTs = parseTimestamp;
const readCsv = (path) => parseSeriesCsv(readFileSync(path, 'utf8')).rows;
/**
 * NAB's rows of a data file, every line after the header: a repeated timestamp is two rows to NAB
 * (its scorer, its published results), where the command merges them into one window.
 */
const nabTimes = (path) =>
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => parseTs(l.slice(0, l.indexOf(',')).trim()));

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

/** Each command run once per file and arguments (the grid's scale 1 is the plain run). */
const runs = new Map();
function detections(path, extra = []) {
  const key = JSON.stringify([path, ...extra]);
  if (!runs.has(key)) runs.set(key, detect(path, extra));
  return runs.get(key);
}
const scaleArgs = (scale) => (scale === 1 ? [] : ['--tail-scale', String(scale)]);

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

/** NAB's score of one file in each profile, given the detections' times. */
function nabScores(s, found) {
  const detected = detectedRows(s.times, found);
  return Object.fromEntries(PROFILES.map((p) => [p, scoreFile(s.times, s.windows, detected, NAB_PROFILES[p])]));
}

/** Sums of the files' NAB scores per profile: normalised score and raw total. */
function nabSummary(parts) {
  return Object.fromEntries(
    PROFILES.map((p) => {
      const t = sumScores(parts.map((x) => x[p]));
      return [p, { score: t.score, raw: t.raw, nullRaw: t.nullRaw, perfect: t.perfect }];
    }),
  );
}

/**
 * Series: { category, name, path, rows, times, windows } → per-detector scores (and, with `nab`,
 * NAB's). Two command processes at a time.
 */
async function evaluate(series, { nab = false } = {}) {
  const rules = ['--detectors', 'rules'];
  await pool(
    series.flatMap((s) => [[s.path], [s.path, rules]]),
    ([path, extra]) => detections(path, extra),
  );
  return Promise.all(
    series.map(async (s) => {
      const found = {
        pulse: await detections(s.path),
        rules: await detections(s.path, rules),
        rollingZ: rollingZ(s.rows),
      };
      const result = { category: s.category, name: s.name };
      for (const d of DETECTORS) result[d] = score(s.rows, s.windows, found[d]);
      if (nab) result.nab = Object.fromEntries(DETECTORS.map((d) => [d, nabScores(s, found[d])]));
      return result;
    }),
  );
}

function nabSeries(dir) {
  const labels = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8'));
  const series = [];
  for (const key of Object.keys(labels).sort()) {
    const [category, file] = key.split('/');
    if (!TUNING.includes(category)) continue; // held-out categories are never opened
    const path = join(dir, 'data', key);
    const rows = readCsv(path);
    series.push({
      category,
      name: file.replace(/\.csv$/, ''),
      file,
      path,
      rows,
      times: nabTimes(path),
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
    for (const detector of DETECTORS) {
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

const fmtNab = (t) => (t.score === null ? `— (no window; raw ${t.raw.toFixed(2)})` : t.score.toFixed(1));
const fmtF1 = (s) =>
  `${s.detected}/${s.windows} | ${fmt(s.recall)} | ${fmt(s.fpPerWeek)} | ${fmt(s.precision)} | ${fmt(s.f1)}`;

/** NAB's score per category and over the four, per detector and profile. */
function nabTable(results) {
  const lines = [
    `\nNAB's own score (bench/nab-score.mjs), tuning categories only: ${SCOREBOARD}`,
    '| category | detector | standard | reward low FP | reward low FN |',
    '|---|---|---|---|---|',
  ];
  const summary = {};
  for (const category of [...new Set(results.map((r) => r.category)), 'all']) {
    const rows = category === 'all' ? results : results.filter((r) => r.category === category);
    summary[category] = {};
    for (const d of DETECTORS) {
      const t = nabSummary(rows.map((r) => r.nab[d]));
      summary[category][d] = t;
      lines.push(`| ${category} | ${d} | ${PROFILES.map((p) => fmtNab(t[p])).join(' | ')} |`);
    }
  }
  console.log(lines.join('\n'));
  return summary;
}

/** A category's figures in the published table's JSON: our metric's main figures and NAB's scores. */
const categoryFigures = (ours, nab) => ({
  detected: ours.detected,
  windows: ours.windows,
  fpPerWeek: ours.fpPerWeek,
  precision: ours.precision,
  f1: ours.f1,
  nab: Object.fromEntries(PROFILES.map((p) => [p, nab[p].score])),
});

/** A published detector's rows for one series: times and anomaly scores, checked against the data file. */
function readResults(dir, detector, s) {
  const path = join(dir, 'results', detector, s.category, `${detector}_${s.file}`);
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const columns = head.split(',');
  const [ti, si] = [columns.indexOf('timestamp'), columns.indexOf('anomaly_score')];
  if (ti < 0 || si < 0) throw new Error(`${path}: no timestamp or anomaly_score column`);
  const cells = lines.map((l) => l.split(','));
  const times = cells.map((c) => parseTs(c[ti]));
  if (times.length !== s.times.length || times.some((t, i) => t !== s.times[i]))
    throw new Error(`${path}: its rows are not the data file's`);
  return { times, scores: cells.map((c) => Number(c[si])) };
}

/** The published detectors (NAB_DIR/results) under both metrics, with Pulse and the baselines beside them. */
function published(dir, series, summary) {
  const thresholds = JSON.parse(readFileSync(join(dir, 'config', 'thresholds.json'), 'utf8'));
  const names = readdirSync(join(dir, 'results'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && thresholds[e.name])
    .map((e) => e.name)
    .sort();
  const rows = names.map((detector) => {
    const t = thresholds[detector];
    const files = series.map((s) => {
      const { times, scores } = readResults(dir, detector, s);
      const at = (p) => scores.map((v) => v >= t[p].threshold);
      return {
        category: s.category,
        ours: score(
          s.rows,
          s.windows,
          times.filter((_, i) => scores[i] >= t.standard.threshold),
        ),
        nab: Object.fromEntries(PROFILES.map((p) => [p, scoreFile(s.times, s.windows, at(p), NAB_PROFILES[p])])),
      };
    });
    const byCategory = Object.fromEntries(
      TUNING.map((c) => {
        const parts = files.filter((f) => f.category === c);
        return [c, categoryFigures(sum(parts.map((f) => f.ours)), nabSummary(parts.map((f) => f.nab)))];
      }),
    );
    return {
      detector,
      threshold: t.standard.threshold,
      ours: sum(files.map((f) => f.ours)),
      nab: nabSummary(files.map((f) => f.nab)),
      byCategory,
    };
  });
  for (const d of DETECTORS) {
    const byCategory = Object.fromEntries(
      TUNING.map((c) => [c, categoryFigures(summary.nab[c][d], summary.nabScore[c][d])]),
    );
    rows.push({
      detector: `Pulse: ${d}`,
      threshold: null,
      ours: summary.nab.all[d],
      nab: summary.nabScore.all[d],
      byCategory,
    });
  }
  rows.sort((a, b) => b.nab.standard.score - a.nab.standard.score);
  console.log(
    [
      `\nPublished NAB detectors on the tuning categories only: ${SCOREBOARD}.`,
      "Our metric: a detection is a row whose anomaly_score ≥ the detector's standard-profile threshold (config/thresholds.json);",
      "every such row counts (a run of rows above it is several detections); Pulse's are the anomalies it opens. NAB's score:",
      'each profile at its own threshold.',
      '| detector | threshold | detected | recall | FP/week | precision | F1 | NAB standard | reward low FP | reward low FN |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.detector} | ${r.threshold === null ? '—' : Number(r.threshold.toFixed(4))} | ${fmtF1(r.ours)} | ${PROFILES.map((p) => fmtNab(r.nab[p])).join(' | ')} |`,
      ),
    ].join('\n'),
  );
  return rows;
}

/** Lexicographic: higher F1, then fewer false positives per week, then the scale nearer 1, then the smaller. */
function better(a, b) {
  const f1 = (x) => x.summary.f1 ?? -1;
  if (f1(a) !== f1(b)) return f1(a) > f1(b);
  const fp = (x) => x.summary.falsePositives / x.summary.weeks;
  if (fp(a) !== fp(b)) return fp(a) < fp(b);
  if (Math.abs(Math.log(a.scale)) !== Math.abs(Math.log(b.scale)))
    return Math.abs(Math.log(a.scale)) < Math.abs(Math.log(b.scale));
  return a.scale < b.scale;
}

/**
 * Leave one category out: the command at every tail scale on every file (once each), then per
 * category the scale chosen on the other three and its result on the category itself.
 */
async function loco(series) {
  const started = process.hrtime.bigint();
  const cpu = childCpuSeconds();
  const before = runs.size;
  await pool(
    scales.flatMap((scale) => series.map((s) => [s.path, scaleArgs(scale)])),
    ([path, extra]) => detections(path, extra),
  );
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = childCpuSeconds() - cpu;
  const byScale = new Map();
  for (const scale of scales) {
    const items = [];
    for (const s of series) {
      const found = await detections(s.path, scaleArgs(scale));
      items.push({
        category: s.category,
        ours: score(s.rows, s.windows, found),
        nab: nabScores(s, found).standard,
      });
    }
    byScale.set(scale, items);
  }
  const summarise = (items) => {
    const t = sumScores(items.map((x) => x.nab));
    return { ...sum(items.map((x) => x.ours)), nabStandard: t.score, nabStandardRaw: t.raw };
  };
  const only = (items, categories) => items.filter((x) => categories.includes(x.category));
  const grid = scales.map((scale) => {
    const items = byScale.get(scale);
    const row = { scale, all: summarise(items) };
    for (const c of TUNING) row[c] = summarise(only(items, [c]));
    return row;
  });
  const heldIn = [];
  const folds = TUNING.map((category) => {
    const others = TUNING.filter((c) => c !== category);
    const best = scales
      .map((scale) => ({ scale, summary: summarise(only(byScale.get(scale), others)) }))
      .reduce((b, x) => (better(x, b) ? x : b));
    const items = only(byScale.get(best.scale), [category]);
    heldIn.push(...items);
    return {
      category,
      scale: best.scale,
      others: { f1: best.summary.f1, fpPerWeek: best.summary.fpPerWeek },
      result: summarise(items),
    };
  });
  const result = {
    scales,
    commandRuns: runs.size - before,
    wallSeconds,
    cpuSeconds,
    grid,
    folds,
    pooled: summarise(heldIn),
    atScale1: grid.find((g) => g.scale === 1).all,
  };
  const nabCell = (t) => fmtNab({ score: t.nabStandard, raw: t.nabStandardRaw });
  console.log(
    [
      `\nTail-scale grid (the command's --tail-scale; ${result.commandRuns} command runs, 2 at a time: ${wallSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU)`,
      `| tail scale | detected | recall | FP/week | precision | F1 | NAB standard | ${TUNING.map((c) => `${c} F1 (FP/week)`).join(' | ')} |`,
      `|---|---|---|---|---|---|---|${TUNING.map(() => '---|').join('')}`,
      ...grid.map(
        (g) =>
          `| ${g.scale} | ${fmtF1(g.all)} | ${nabCell(g.all)} | ${TUNING.map((c) => `${fmt(g[c].f1)} (${fmt(g[c].fpPerWeek)})`).join(' | ')} |`,
      ),
      '\nLeave one category out: the scale with the best F1 on the other three categories (ties: fewer FP/week), judged on the one left out',
      '| held-in category | chosen scale (F1, FP/week on the other three) | detected | recall | FP/week | precision | F1 | NAB standard |',
      '|---|---|---|---|---|---|---|---|',
      ...folds.map(
        (f) =>
          `| ${f.category} | ${f.scale} (${fmt(f.others.f1)}, ${fmt(f.others.fpPerWeek)}) | ${fmtF1(f.result)} | ${nabCell(f.result)} |`,
      ),
      `| **pooled: the four held-in predictions** | — | ${fmtF1(result.pooled)} | ${nabCell(result.pooled)} |`,
      `| all four at scale 1 (the default) | 1 | ${fmtF1(result.atScale1)} | ${nabCell(result.atScale1)} |`,
    ].join('\n'),
  );
  return result;
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
  const series = nabSeries(positionals[0]);
  const results = await evaluate(series, { nab: true });
  const summary = { nab: table('NAB (tuning categories)', results), nabScore: nabTable(results) };
  out.nab = {
    summary: summary.nab,
    nabScore: summary.nabScore,
    series: results.map(({ nab, ...r }) => ({
      ...r,
      nabStandardRaw: Object.fromEntries(DETECTORS.map((d) => [d, nab[d].standard.raw])),
    })),
  };
  for (const r of results) if (process.env.VERBOSE) console.log(r.category, r.name, JSON.stringify(r.pulse));
  if (values.published) out.published = published(positionals[0], series, summary);
  if (values.loco) out.loco = await loco(series);
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
