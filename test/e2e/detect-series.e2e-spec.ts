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

  it('refuses bad files with exit 2 and the line at fault: header, timestamp, value, order', async () => {
    const cases: [string, string, RegExp][] = [
      [
        csv('header.csv', ['2026-01-01 00:00:00,1'], 'time,count'),
        'header',
        /line 1: the header must be "timestamp,value"/,
      ],
      [csv('ts.csv', ['yesterday,1']), 'timestamp', /line 2: timestamp "yesterday"/],
      [csv('value.csv', ['2026-01-01 00:00:00,abc']), 'value', /line 2: value "abc" is not a number/],
      [
        csv('order.csv', ['2026-01-01 00:05:00,1', '2026-01-01 00:00:00,1']),
        'order',
        /line 3: timestamp goes back in time/,
      ],
    ];
    for (const [path, , message] of cases) {
      const out = await detect([path]);
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(message);
    }
    const missing = await detect([join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});
