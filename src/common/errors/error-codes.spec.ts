import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_MEANING, isErrorCode, statusOf } from './error-codes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'src');
const SELF = fileURLToPath(import.meta.url);

/** Every file under a folder whose name ends so. */
function filesUnder(dir: string, ending: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, ending);
    return entry.name.endsWith(ending) ? [path] : [];
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
    const texts = [...filesUnder(SRC, 'spec.ts'), ...filesUnder(join(ROOT, 'test'), 'spec.ts')]
      .filter((file) => file !== SELF)
      .map((file) => readFileSync(file, 'utf8'));
    const untested = ERROR_CODES.filter(
      (code) => !texts.some((text) => text.includes(`'${code}'`) || text.includes(`"${code}"`)),
    );
    expect(untested, `codes no test names: ${untested.join(', ')}`).toEqual([]);
  });
});

/** Nest's HTTP exception classes, by name, in an import from @nestjs/common. */
const HTTP_TYPE = /\b[A-Za-z]*Exception\b/g;
const NEST_IMPORT = /import\s*\{([^}]*)\}\s*from\s*'@nestjs\/common'/g;

/** Where an HTTP type may still be named: the HTTP floor, controllers, interceptors around them, tests. */
function mayUseHttpTypes(path: string): boolean {
  return (
    ['.controller.ts', '.interceptor.ts', '.spec.ts'].some((end) => path.endsWith(end)) || path.startsWith('http/')
  );
}

describe('no HTTP type below the controllers', () => {
  it('services, repositories, jobs, pipes and decorators import no Nest HTTP exception (they throw a DomainError)', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(SRC, '.ts')) {
      const path = relative(SRC, file);
      if (mayUseHttpTypes(path)) continue;
      for (const [, names] of readFileSync(file, 'utf8').matchAll(NEST_IMPORT)) {
        const httpTypes = names.match(HTTP_TYPE) ?? [];
        if (httpTypes.length > 0) offenders.push(`${path}: ${httpTypes.join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
