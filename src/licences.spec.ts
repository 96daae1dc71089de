import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, type ModuleInfos } from 'license-checker-rseidelsohn';
import { afterAll, describe, expect, it } from 'vitest';

// Pulse is Apache-2.0. Every installed package, runtime and development alike, must carry a licence
// that Apache-2.0 software may depend on: the permissive ones (the ASF's category A) and MPL-2.0
// (category B: used unmodified, as npm installs it). Anything else fails: GPL, LGPL, AGPL, SSPL,
// BUSL, non-commercial terms, a package's own terms, no licence at all. The check is
// license-checker-rseidelsohn's: it reads each package.json under node_modules (no network) and
// evaluates SPDX expressions (`MIT AND GPL-3.0-only` fails, `MIT OR GPL-3.0-only` passes).
// CONTRIBUTING.md says what to do when a dependency is refused.
const root = fileURLToPath(new URL('..', import.meta.url));

/** SPDX ids a dependency's licence expression must be satisfiable by. */
const COMPATIBLE_LICENCES = [
  'Apache-2.0',
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Python-2.0',
  'Zlib',
  'CC-BY-3.0',
  'CC-BY-4.0',
  'MPL-2.0',
];

/** The installed packages under `start` whose licence is not compatible, as `name@version: licence`. */
function incompatible(start: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // excludeLicenses drops the packages whose expression the list satisfies: what is left is refused.
    init(
      { start, excludePrivatePackages: true, excludeLicenses: COMPATIBLE_LICENCES.join(',') },
      (err: Error | null, found: ModuleInfos) => {
        if (err) reject(err);
        else resolve(Object.entries(found).map(([name, info]) => `${name}: ${String(info.licenses)}`));
      },
    );
  });
}

describe('licences (Apache-2.0)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pulse-licences-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('Pulse is Apache-2.0: LICENSE, package.json and the lock agree', () => {
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { license?: string }>;
    };
    expect(pkg.license).toBe('Apache-2.0');
    expect(lock.packages['']?.license).toBe('Apache-2.0');
  });

  it('every installed package (runtime and development) has a licence compatible with Apache-2.0', async () => {
    expect(await incompatible(root)).toEqual([]);
  }, 60_000);

  it('the check refuses a copyleft, AND-combined, missing or custom licence (a deliberate violation)', async () => {
    const dependencies: Record<string, string | undefined> = {
      gpl: 'GPL-3.0-only',
      'mit-and-gpl': 'MIT AND GPL-3.0-only',
      lgpl: 'LGPL-2.1-only',
      agpl: 'AGPL-3.0-or-later',
      none: undefined,
      own: 'SEE LICENSE IN EULA.txt',
      'mit-or-gpl': '(MIT OR GPL-3.0-only)',
      mit: 'MIT',
      mpl: 'MPL-2.0',
    };
    for (const [name, license] of Object.entries(dependencies)) {
      mkdirSync(join(scratch, 'node_modules', name), { recursive: true });
      writeFileSync(
        join(scratch, 'node_modules', name, 'package.json'),
        JSON.stringify({ name, version: '1.0.0', license }),
      );
    }
    const deps = Object.fromEntries(Object.keys(dependencies).map((name) => [name, '1.0.0']));
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'x', version: '1.0.0', private: true, dependencies: deps }),
    );
    expect((await incompatible(scratch)).sort()).toEqual([
      'agpl@1.0.0: AGPL-3.0-or-later',
      'gpl@1.0.0: GPL-3.0-only',
      'lgpl@1.0.0: LGPL-2.1-only',
      'mit-and-gpl@1.0.0: MIT AND GPL-3.0-only',
      'none@1.0.0: UNKNOWN',
      'own@1.0.0: Custom: EULA.txt',
    ]);
  });

  it('NOTICE names every runtime package that ships a NOTICE file (Apache-2.0 section 4(d): the image carries them)', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const notice = readFileSync(join(root, 'NOTICE'), 'utf8');
    const withNotice = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && existsSync(join(root, path)))
      .filter(([path]) => readdirSync(join(root, path)).some((file) => /^NOTICE(\.\w+)?$/i.test(file)))
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withNotice.length).toBeGreaterThan(0);
    expect(withNotice.filter((name) => !notice.includes(name))).toEqual([]);
  });
});
