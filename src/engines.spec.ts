import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// The Node.js lines Pulse supports are package.json's engines.node. Every installed package must
// accept every version that range allows, and CI (.ci/node-versions) must run one build per line.
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

interface LockedPackage {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage> };
const supported = pkg.engines.node;
/** The lowest version of each `||` alternative: one per supported line. */
const lineFloors = supported.split('||').map((alternative) => semver.minVersion(alternative.trim()));
/** README's "Needs Node.js …" sentence, and each line it names as `major:floor`. */
const readme = read('README.md');
const needs = readme.slice(readme.indexOf('Needs Node.js'), readme.indexOf('\n\n', readme.indexOf('Needs Node.js')));
const readmeLines = [...needs.matchAll(/\b(\d{2}) \(≥ (\d+\.\d+(?:\.\d+)?)/g)].map((m) => ({
  major: m[1],
  floor: m[2],
}));
/** The Node.js versions README promises, as a range: each line from its floor (`^floor`). */
const readmeRange = readmeLines.map((line) => `^${line.floor}`).join(' || ');

/** The locked packages (runtime only, or all) whose engines.node does not accept every version of `range`. */
function refusing(range: string, only: 'runtime' | 'all'): string[] {
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && (only === 'all' || !entry.dev))
    .map(([path, entry]) => ({ path, wants: Array.isArray(entry.engines) ? undefined : entry.engines?.node }))
    .filter((p): p is { path: string; wants: string } => p.wants !== undefined)
    .filter((p) => !semver.subset(range, p.wants))
    .map((p) => `${p.path.replace(/^.*node_modules\//, '')} wants node ${p.wants}`);
}
const ciVersions = read('.ci/node-versions')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('supported Node.js lines (package.json engines)', () => {
  it('start at 22 (Node 20 reached end of life in April 2026), one alternative per line', () => {
    expect(lineFloors.every((floor) => floor !== null)).toBe(true);
    const majors = lineFloors.map((floor) => floor!.major);
    expect(Math.min(...majors)).toBeGreaterThanOrEqual(22);
    expect(new Set(majors).size).toBe(majors.length);
  });

  it('are accepted by the engines.node of every package in package-lock.json', () => {
    expect(refusing(supported, 'all')).toEqual([]);
  });

  it("README's Node lines are accepted by every runtime dependency's engines.node (what an adopter installs)", () => {
    expect(readmeLines.length).toBeGreaterThan(1);
    expect(semver.minVersion(readmeRange)).not.toBeNull();
    expect(refusing(readmeRange, 'runtime')).toEqual([]);
  });

  it('are the ones package-lock.json records for Pulse (the lock is in step with package.json)', () => {
    expect(lock.packages['']?.engines).toEqual(pkg.engines);
  });

  it('each run in CI: .ci/node-versions holds one exact version per line, the recommended line (.nvmrc) first', () => {
    expect(ciVersions.every((v) => semver.valid(v) === v)).toBe(true);
    expect(ciVersions.filter((v) => !semver.satisfies(v, supported))).toEqual([]);
    const ciMajors = ciVersions.map((v) => Number(v.split('.')[0]));
    expect([...ciMajors].sort((a, b) => a - b)).toEqual(lineFloors.map((floor) => floor!.major).sort((a, b) => a - b));
    expect(ciMajors[0]).toBe(Number(read('.nvmrc').trim()));
    expect(ciMajors[0]).toBe(24);
  });

  it('are the ones README names, with the versions CI runs', () => {
    const named = readmeLines.map((line) => `${line.major}:${line.floor}`);
    const floors = lineFloors.map((floor) => `${floor!.major}:${floor!.version.replace(/\.0$/, '')}`);
    expect(named.sort()).toEqual(floors.sort());
    for (const v of ciVersions) expect(readme).toContain(v);
  });
});

describe('the installed dependency tree (npm ls)', () => {
  it('has nothing missing, invalid, extraneous or an unmet peer dependency', () => {
    let out: string;
    try {
      out = execFileSync('npm', ['ls', '--all', '--json'], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 50_000, // a deadline of its own: a synchronous call blocks the test timeout too
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // npm ls exits 1 when it finds a problem; its JSON report is on stdout all the same.
      const { stdout, signal } = error as { stdout: string; signal: string | null };
      if (signal) throw new Error(`npm ls did not finish within 50 s (${signal})`, { cause: error });
      out = stdout;
    }
    const report = JSON.parse(out) as { problems?: string[] };
    expect(report.problems ?? []).toEqual([]);
  }, 60_000);
});
