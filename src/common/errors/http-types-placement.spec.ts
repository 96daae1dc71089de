import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../', import.meta.url));

/** Nest's HTTP exception classes (HttpException and its subclasses), by name. */
const HTTP_TYPE = /\b[A-Za-z]*Exception\b/g;
const NEST_IMPORT = /import\s*\{([^}]*)\}\s*from\s*'@nestjs\/common'/g;

/** Where an HTTP type may still be named: the HTTP floor, controllers, interceptors around them, tests. */
function mayUseHttpTypes(path: string): boolean {
  return (
    ['.controller.ts', '.interceptor.ts', '.spec.ts'].some((end) => path.endsWith(end)) || path.startsWith('http/')
  );
}

/**
 * Files another change is moving (to history/); the lead converts them at merge: buckets.ts's
 * BadRequestException becomes an InvalidInputError (VALIDATION_FAILED, same 400 body).
 */
const PENDING = new Set(['analytics/buckets.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('no HTTP type below the controllers', () => {
  it('services, repositories, jobs, pipes and decorators import no Nest HTTP exception (they throw a DomainError)', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const path = relative(SRC, file);
      if (mayUseHttpTypes(path) || PENDING.has(path)) continue;
      for (const [, names] of readFileSync(file, 'utf8').matchAll(NEST_IMPORT)) {
        const httpTypes = names.match(HTTP_TYPE) ?? [];
        if (httpTypes.length > 0) offenders.push(`${path}: ${httpTypes.join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
