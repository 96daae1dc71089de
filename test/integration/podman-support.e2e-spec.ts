import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recommendedNode, refusalReason, sweepStale } from '../support/podman.js';

describe('the container test’s podman support', () => {
  it('says why podman refused: its `Error:` line, not "Command failed"', () => {
    const err = Object.assign(new Error('Command failed: podman --storage-driver vfs info\nmore'), {
      stderr: Buffer.from('time="…" level=warning msg="x"\nError: cannot set up namespace: operation not permitted\n'),
    });
    expect(refusalReason(err)).toBe('Error: cannot set up namespace: operation not permitted');
    expect(refusalReason(Object.assign(new Error('Command failed: podman'), { stderr: 'only this\n' }))).toBe(
      'only this',
    );
    expect(refusalReason(new Error('Command failed: podman info\nsecond'))).toBe('Command failed: podman info');
  });

  it('builds the base on the Node.js version CI recommends', () => {
    expect(recommendedNode()).toMatch(/^24\.\d+\.\d+$/);
  });

  it('sweeps only old directories an aborted run left, with their processes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sweep-'));
    try {
      const old = join(root, 'pulse-podman-old');
      const fresh = join(root, 'pulse-podman-new');
      const other = join(root, 'something-else');
      for (const d of [old, fresh, other]) mkdirSync(d);
      const hours = (h: number) => new Date(Date.now() - h * 3600_000);
      utimesSync(old, hours(3), hours(3));
      utimesSync(other, hours(3), hours(3));
      // A process of the aborted run: its command line names the directory.
      const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', join(old, 'x')], {
        stdio: 'ignore',
      });
      const exited = new Promise((r) => leftover.once('exit', (_code, signal) => r(signal)));
      await new Promise((r) => setTimeout(r, 100));
      expect(sweepStale(root)).toEqual([old]);
      expect(await exited).toBe('SIGKILL');
      expect(existsSync(old)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      expect(existsSync(other)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
