import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../', import.meta.url));

/** Every controller under a folder. */
function controllers(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return controllers(path);
    return entry.name.endsWith('.controller.ts') ? [path] : [];
  });
}

describe('RequiresTier is for host apps only', () => {
  it("no Pulse controller gates by tier: its routes take @RequiresFeature, so the entitlements table's one line moves them", () => {
    const files = controllers(SRC);
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.filter((file) => /\bRequiresTier\b/.test(readFileSync(file, 'utf8')));
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });
});
