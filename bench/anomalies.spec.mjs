import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

// A NAB-shaped folder (data, labels, results, config) with one file of 400 five-minute rows per
// tuning category; realTraffic's repeats a timestamp (row 100 = row 99's, as NAB's own
// occupancy_t4013.csv does). A published detector flags the first row of each labelled window
// and nothing else: NAB's perfect detector, 100 in every profile.
const TUNING = ['realTweets', 'realTraffic', 'artificialWithAnomaly', 'artificialNoAnomaly'];
const stamp = (i) => new Date(Date.UTC(2015, 8, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
const rowsOf = (category) =>
  Array.from({ length: 400 }, (_, i) => ({
    timestamp: stamp(category === 'realTraffic' && i >= 100 ? i - 1 : i),
    value: 10 + (i % 3),
  }));
const WINDOW = [300, 320];

function nabFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-nab-fake-'));
  const labels = {};
  const t = { threshold: 0.5, score: 0 };
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'config/thresholds.json'),
    JSON.stringify({ perfectDet: { standard: t, reward_low_FP_rate: t, reward_low_FN_rate: t } }),
  );
  for (const category of TUNING) {
    const rows = rowsOf(category);
    const windowed = category !== 'artificialNoAnomaly';
    labels[`${category}/fake.csv`] = windowed ? [WINDOW.map((i) => `${rows[i].timestamp}.000000`)] : [];
    for (const sub of [`data/${category}`, `results/perfectDet/${category}`])
      mkdirSync(join(dir, sub), { recursive: true });
    const csv = (extra) => rows.map((r, i) => `${r.timestamp},${r.value}${extra(i)}`).join('\n');
    writeFileSync(join(dir, `data/${category}/fake.csv`), `timestamp,value\n${csv(() => '')}\n`);
    writeFileSync(
      join(dir, `results/perfectDet/${category}/perfectDet_fake.csv`),
      `timestamp,value,anomaly_score,label\n${csv((i) => `,${windowed && i === WINDOW[0] ? 1 : 0},0`)}\n`,
    );
  }
  mkdirSync(join(dir, 'labels'));
  writeFileSync(join(dir, 'labels/combined_windows.json'), JSON.stringify(labels));
  return dir;
}

describe('bench:anomalies over a NAB folder (the built command)', () => {
  const dir = nabFolder();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("scores published detectors on NAB's rows, a repeated timestamp included (the command merges it, NAB does not)", async () => {
    const out = join(dir, 'out.json');
    await run('node', ['bench/anomalies.mjs', dir, '--only', 'nab', '--published', '--out', out], {
      timeout: 60_000,
    });
    const result = JSON.parse(readFileSync(out, 'utf8'));
    const perfect = result.published.find((r) => r.detector === 'perfectDet');
    expect(perfect.nab.standard.score).toBeCloseTo(100, 9);
    expect(perfect.ours).toMatchObject({ windows: 3, detected: 3, falsePositives: 0 });
  }, 60_000);
});
