import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// .ci/run's `count` (its fail_check and count functions, taken from the script as they are) on a
// made-up Vitest JSON report: a file CI requires (the licence and engines checks, the smoke e2e)
// counts only when every one of its tests ran: a file missing from the report, or one of whose tests
// was skipped, is one failed check; a failed test is counted once, as a failed test.
const script = readFileSync(fileURLToPath(new URL('../.ci/run', import.meta.url)), 'utf8');
const functions = [/^fail_check\(\) .*$/m, /^count\(\) \{[\s\S]*?^\}$/m].map((re) => script.match(re)?.[0] ?? '');

type Status = 'passed' | 'failed' | 'skipped';

/** The `failed` total after `count` reads a report of these files (path → their tests' statuses). */
function failedChecks(files: Record<string, Status[]>, required: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-ci-count-'));
  try {
    const all = Object.values(files).flat();
    const n = (status: Status) => all.filter((s) => s === status).length;
    mkdirSync(join(dir, 'test-results'));
    writeFileSync(
      join(dir, 'test-results', 'results.json'),
      JSON.stringify({
        numPassedTests: n('passed'),
        numFailedTests: n('failed'),
        numTotalTests: all.length,
        numPendingTests: n('skipped'),
        numTodoTests: 0,
        testResults: Object.entries(files).map(([name, statuses]) => ({
          name: `${dir}/${name}`,
          assertionResults: statuses.map((status, i) => ({ status, fullName: `${name} ${i}` })),
        })),
      }),
    );
    const run = `${functions.join('\n')}\npassed=0 failed=0 skipped=0\ncount label 0 "$@" >/dev/null\necho "$failed"`;
    return Number(execFileSync('bash', ['-c', run, 'bash', ...required], { cwd: dir, encoding: 'utf8' }).trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(".ci/run's count of the files CI requires", () => {
  const required = ['src/licences.spec.ts', 'src/engines.spec.ts'];
  const other: Record<string, Status[]> = { 'src/a.spec.ts': ['passed', 'skipped'] };

  it('are taken from the script', () => {
    expect(functions.every((f) => f.length > 0)).toBe(true);
  });

  it('passes when every test of each required file passed (other files may skip)', () => {
    const files: Record<string, Status[]> = {
      ...other,
      'src/licences.spec.ts': ['passed', 'passed'],
      'src/engines.spec.ts': ['passed'],
    };
    expect(failedChecks(files, required)).toBe(0);
  });

  it('fails once per required file that is missing, or one of whose tests was skipped', () => {
    expect(failedChecks({ ...other, 'src/engines.spec.ts': ['passed'] }, required)).toBe(1);
    const skipped: Record<string, Status[]> = {
      ...other,
      'src/licences.spec.ts': ['passed', 'skipped'],
      'src/engines.spec.ts': ['skipped'],
    };
    expect(failedChecks(skipped, required)).toBe(2);
  });

  it('counts a failed test of a required file once', () => {
    const files: Record<string, Status[]> = {
      'src/licences.spec.ts': ['passed', 'failed'],
      'src/engines.spec.ts': ['passed'],
    };
    expect(failedChecks(files, required)).toBe(1);
  });
});
