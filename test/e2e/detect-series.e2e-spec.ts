import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
/** The built command (npm test builds before it tests), exactly as users run it. */
const CLI = 'dist/anomalies/detect-series.js';
const dir = mkdtempSync(join(tmpdir(), 'pulse-detect-series-'));

function csv(name: string, rows: string[], header = 'timestamp,value'): string {
  const path = join(dir, name);
  writeFileSync(path, `${header}\n${rows.join('\n')}\n`);
  return path;
}

async function detect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Five-minute windows of a noisy daily cycle with one burst and one outage. */
function series(format: (at: number) => string): { path: string; burst: string; outage: string } {
  let s = 42;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const start = Date.UTC(2026, 0, 5);
  const rows: string[] = [];
  let burst = '';
  let outage = '';
  for (let i = 0; i < 288 * 6; i++) {
    const at = start + i * 300_000;
    let value = 400 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 288)) * (1 + 0.1 * rand());
    if (i === 288 * 4 + 30) {
      value *= 8;
      burst = format(at);
    }
    if (i === 288 * 5 + 100) {
      value *= 0.02;
      outage = format(at);
    }
    rows.push(`${format(at)},${value.toFixed(2)}`);
  }
  return { path: csv(`series-${rows.length}-${format(0).length}.csv`, rows), burst, outage };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('node dist/anomalies/detect-series.js (the series contract)', () => {
  it('prints one JSON line per anomaly opened, with the row timestamp as given, and nothing else; exit 0', async () => {
    for (const format of [
      (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19),
      (at: number) => new Date(at).toISOString(),
    ]) {
      const { path, burst, outage } = series(format);
      const out = await detect([path]);
      expect(out.code).toBe(0);
      expect(out.stderr).toBe('');
      const lines = out.stdout.trimEnd().split('\n');
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const p of parsed) {
        expect(Object.keys(p)).toEqual(['timestamp', 'type', 'severity', 'score']);
        expect(['warning', 'critical', 'info']).toContain(p.severity);
        expect(p.score).toBeGreaterThan(0);
        expect(p.score).toBeLessThanOrEqual(1);
      }
      const at = parsed.map((p) => p.timestamp);
      expect(at).toContain(burst);
      expect(at).toContain(outage);
      expect(parsed.length).toBeLessThanOrEqual(4);
    }
  });

  it('--sensitivity orders what opens (low ⊆ high in count), and bad options exit 2 naming the problem', async () => {
    const { path } = series((at) => new Date(at).toISOString());
    const count = async (s: string) =>
      (await detect(['--sensitivity', s, path])).stdout.split('\n').filter(Boolean).length;
    expect(await count('low')).toBeLessThanOrEqual(await count('high'));
    const bad = await detect(['--sensitivity', 'extreme', path]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--sensitivity must be one of low, medium, high/);
  });

  it('--tail-scale 1 is the default, and a scale that is not a number > 0 exits 2 naming the option', async () => {
    const { path } = series((at) => new Date(at).toISOString());
    const plain = await detect([path]);
    expect(plain.stdout).not.toBe('');
    expect((await detect(['--tail-scale', '1', path])).stdout).toBe(plain.stdout);
    for (const bad of ['0', '-1', 'abc', '']) {
      const out = await detect([`--tail-scale=${bad}`, path]);
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/--tail-scale must be a number > 0/);
    }
  });

  it('takes bad lines as they come: exit 0, each skipped, merged or re-ordered line named on stderr', async () => {
    const cases: [string, RegExp][] = [
      [csv('header.csv', ['2026-01-01 00:00:00,1'], 'time,count'), /line 1: "time,count" is not the header/],
      [csv('ts.csv', ['2026-01-01 00:00:00,1', 'yesterday,1']), /line 3: timestamp "yesterday" is neither/],
      [csv('value.csv', ['2026-01-01 00:00:00,1', '2026-01-01 00:05:00,abc']), /line 3: value "abc" is not a/],
      [csv('empty.csv', ['2026-01-01 00:00:00,1', '2026-01-01 00:05:00,']), /line 3: no value; skipped/],
      [csv('order.csv', ['2026-01-01 00:05:00,1', '2026-01-01 00:00:00,1']), /line 3: timestamp goes back 5 min/],
      [csv('twice.csv', ['2026-01-01 00:00:00,1', '2026-01-01 00:00:00,3']), /line 3: timestamp .* also on line 2/],
      [csv('bare.csv', ['2026-01-01 00:00:00,1'], '2026-01-01 00:05:00,2'), /line 1: no header "timestamp,value"/],
    ];
    for (const [path, message] of cases) {
      const out = await detect([path]);
      expect(out.code, path).toBe(0);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(new RegExp(`^detect-series: ${message.source}`));
      expect(out.stderr).not.toMatch(/usage:/);
    }
  });

  it('exits 2 only for what is not a series: no row at all, an empty file, a file it cannot read', async () => {
    const cases: [string, RegExp][] = [
      [csv('json.csv', ['{"b": 2}'], '{"a": 1}'), /detect-series: not a series: no line is a row "timestamp,value"/],
      [csv('only-header.csv', []), /detect-series: no rows: the file has the header "timestamp,value"/],
      [csv('nothing.csv', [], ''), /detect-series: the file is empty/],
      [join(dir, 'nope.csv'), /detect-series: cannot read/],
    ];
    for (const [path, message] of cases) {
      const out = await detect([path]);
      expect(out.code, path).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(message);
    }
  });

  it('22,000 rows whose clock steps back one hour midway: exit 0, the spike after it reported, the line named', async () => {
    // Five-minute windows of a smooth daily cycle. At row 11,000 the clock steps back an hour: the
    // rows from there on are labelled an hour early, so one hour's labels come twice (with other
    // figures). One 8× spike at row 15,000, long after the warm-up and the step.
    const start = Date.UTC(2026, 0, 5);
    const label = (i: number) => new Date(start + (i < 11_000 ? i : i - 12) * 300_000).toISOString();
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const rows: string[] = [];
    for (let i = 0; i < 22_000; i++) {
      const value = 400 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / 288)) * (1 + 0.05 * rand());
      rows.push(`${label(i)},${(i === 15_000 ? value * 8 : value).toFixed(2)}`);
    }
    const out = await detect([csv('step-back-22000.csv', rows)]);
    expect(out.code).toBe(0);
    const found = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { timestamp: string; type: string });
    expect(found.map((f) => f.timestamp)).toContain(label(15_000));
    // Row 11,000 is line 11,002 (the header is line 1).
    const back = `line 11002: timestamp goes back 55 min ("${label(11_000)}" after "${label(10_999)}")`;
    expect(out.stderr).toContain(`detect-series: ${back}; rows put in time order\n`);
    expect(out.stderr).toContain('detect-series: lines 11002-11013: timestamps given before');
    expect(out.stderr.split('\n').filter(Boolean)).toHaveLength(2);
  });
});
