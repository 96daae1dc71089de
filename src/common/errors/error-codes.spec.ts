import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_MEANING, isErrorCode, statusOf } from './error-codes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** Every test file under a folder: `*.spec.ts` and `*.e2e-spec.ts`. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('spec.ts') ? [path] : [];
  });
}

describe('the error code catalogue', () => {
  it('gives every code a client-error or server-error status and a meaning', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z_]*[A-Z]$/);
      expect(statusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(statusOf(code), code).toBeLessThan(600);
      expect(ERROR_MEANING.get(code), code).toBeTruthy();
      if (code.endsWith('_NOT_FOUND')) expect(statusOf(code), code).toBe(404);
      if (code.endsWith('_UNAVAILABLE')) expect(statusOf(code), code).toBe(503);
    }
    expect(isErrorCode('NOT_A_CODE')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
  });

  it('each code is asserted in some test (its quoted name appears in a spec under src/ or test/)', () => {
    const texts = [...testFiles(join(ROOT, 'src')), ...testFiles(join(ROOT, 'test'))]
      .filter((file) => file !== SELF)
      .map((file) => ({ file: relative(ROOT, file), text: readFileSync(file, 'utf8') }));
    const untested = ERROR_CODES.filter(
      (code) => !texts.some(({ text }) => text.includes(`'${code}'`) || text.includes(`"${code}"`)),
    );
    expect(untested, `codes no test names: ${untested.join(', ')}`).toEqual([]);
  });
});
