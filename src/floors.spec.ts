import { ESLint, type Linter } from 'eslint';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The floors of ARCHITECTURE.md as eslint.config.js holds them: FLOORS and the rules generated from it.
const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const { FLOORS, floorConfigs } = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as {
  FLOORS: string[];
  floorConfigs: () => Linter.Config[];
};

function holdsTypeScript(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory() ? holdsTypeScript(join(dir, entry.name)) : entry.name.endsWith('.ts'),
  );
}

// Only the floor rules, on the TypeScript parser without type information: the repository's
// type-checked config cannot parse a file that is not on disk, and needs seconds to start.
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      // Known, so that the code's eslint-disable comments naming its rules are no errors here.
      plugins: { '@typescript-eslint': tseslint.plugin },
      linterOptions: { reportUnusedDisableDirectives: 'off' },
    },
    ...floorConfigs(),
  ],
});

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result.messages;
}

describe('floors (ARCHITECTURE.md, Floors)', () => {
  const folders = readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

  it('puts every folder of src/ holding TypeScript on a floor, and names only folders that exist', () => {
    // A folder of static files only (dashboard/) imports nothing and is imported by nothing: no floor.
    const code = folders.filter((folder) => holdsTypeScript(join(src, folder)));
    expect(
      code.filter((folder) => !FLOORS.includes(folder)),
      'folders of src/ on no floor: add each to FLOORS in eslint.config.js and to ARCHITECTURE.md, Floors',
    ).toEqual([]);
    expect(
      FLOORS.filter((floor) => !folders.includes(floor)),
      'floors naming no folder of src/',
    ).toEqual([]);
    expect(new Set(FLOORS).size).toBe(FLOORS.length);
  });

  it.each([
    ['src/redis/upward.ts', '../compliance/audit.js'],
    ['src/common/upward.ts', '../redis/redis-keys.js'],
    ['src/common/decorators/upward.ts', '../../compliance/audit.js'],
    ['src/nats-events/upward.ts', '../metrics/metrics.service.js'],
    ['src/heartbeat/upward.ts', '../nats-events/nats-events.service.js'],
    ['src/alerting/upward.ts', '../compliance/audit.service.js'],
    ['src/compliance/upward.ts', '../http/api-key.guard.js'],
    ['src/compliance/upward.ts', '../pulse.module.js'],
  ])('reports %s importing %s', async (filePath, target) => {
    const messages = await lint(filePath, `import { x } from '${target}';\nexport const y = x;\n`);
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
    expect(messages[0].message).toContain('ARCHITECTURE.md, Floors');
  });

  it.each([
    ['src/compliance/downward.ts', '../alerting/alerting.service.js'],
    ['src/http/downward.ts', '../compliance/audit.service.js'],
    ['src/metrics/downward.ts', '../nats-events/nats-events.service.js'],
    ['src/common/decorators/downward.ts', '../audit-actions.js'],
  ])('lets %s import %s', async (filePath, target) => {
    expect(await lint(filePath, `import { x } from '${target}';\nexport const y = x;\n`)).toEqual([]);
  });

  it('reports a file in a folder that is on no floor', async () => {
    const messages = await lint('src/zzz-no-floor/x.ts', 'export const x = 1;\n');
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-syntax']);
    expect(messages[0].message).toContain('is on no floor');
  });

  it('finds no upward import in src/', async () => {
    const results = await eslint.lintFiles(['src/*/**/*.ts']);
    const reported = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(reported).toEqual([]);
  });
});
