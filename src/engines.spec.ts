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
  engines?: { node?: string } | string[];
}
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage> };
const supported = pkg.engines.node;
/** The lowest version of each `||` alternative: one per supported line. */
const lineFloors = supported.split('||').map((alternative) => semver.minVersion(alternative.trim()));
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
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, entry]) => ({ path, range: Array.isArray(entry.engines) ? undefined : entry.engines?.node }))
      .filter((p): p is { path: string; range: string } => p.range !== undefined)
      .filter((p) => !semver.subset(supported, p.range))
      .map((p) => `${p.path.replace(/^.*node_modules\//, '')} wants node ${p.range}`);
    expect(refusing).toEqual([]);
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
    const readme = read('README.md');
    const needs = readme.slice(
      readme.indexOf('Needs Node.js'),
      readme.indexOf('\n\n', readme.indexOf('Needs Node.js')),
    );
    const named = [...needs.matchAll(/\b(\d{2}) \(≥ (\d+\.\d+(?:\.\d+)?)/g)].map((m) => `${m[1]}:${m[2]}`);
    const floors = lineFloors.map((floor) => `${floor!.major}:${floor!.version.replace(/\.0$/, '')}`);
    expect(named.sort()).toEqual(floors.sort());
    for (const v of ciVersions) expect(readme).toContain(v);
  });
});
