import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports this process has handed out: never handed out twice, though the OS may offer one again. */
const handedOut = new Set<number>();

/** A free TCP port on loopback (the OS picks it), not handed out before in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/**
 * Which of `pids` owns the loopback TCP socket bound to `localPort` (Linux /proc): tells which
 * process sent a request a receiver saw, while the sender still keeps the connection open.
 */
export function socketOwner(localPort: number, pids: number[]): number | null {
  const hexPort = `:${localPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(hexPort)) inodes.add(cols[9]);
    }
  }
  for (const pid of pids) {
    if (!existsSync(`/proc/${pid}/fd`)) continue;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return pid;
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return null;
}

/** A private server process on loopback, restartable on the same port with the same arguments. */
export class ServerProcess {
  private child: ChildProcess | null = null;

  constructor(
    readonly command: string,
    readonly args: string[],
    readonly port: number,
  ) {}

  async start(): Promise<this> {
    this.child = spawn(this.command, this.args, { stdio: 'ignore' });
    await waitForPort(this.port);
    return this;
  }

  /** SIGSTOP / SIGCONT: a server that stops answering without closing its connections, and back. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL: a crash, not a clean stop. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // a paused process must be running to be reaped promptly
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

export async function startNatsServer(configText?: string): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (configText) {
    const file = join(mkdtempSync(join(tmpdir(), 'pulse-nats-')), 'nats.conf');
    writeFileSync(file, configText);
    args.push('-c', file);
  }
  return new ServerProcess('nats-server', args, port).start();
}

/**
 * A private redis-server that fsyncs every write to its append-only file, so a crash loses
 * nothing; with `persistent: false` it keeps nothing, so a restart comes back empty.
 */
export async function startRedisServer({ persistent = true } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pulse-redis-'));
  const durability = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', ...durability];
  return new ServerProcess('redis-server', args, port).start();
}

export interface RedisClusterOptions {
  /** AOF with fsync on every write, so a killed master comes back with its data. */
  persistent?: boolean;
  /** Redis' `cluster-require-full-coverage` (its default, yes: one lost master stops every slot). */
  requireFullCoverage?: boolean;
  /** Replicas per master (0: three masters only). */
  replicas?: number;
}

/** Three Redis Cluster masters (and their replicas) on free loopback ports, slots spread by redis-cli. */
export async function startRedisCluster({
  persistent = false,
  requireFullCoverage = true,
  replicas = 0,
}: RedisClusterOptions = {}): Promise<{ nodes: ServerProcess[]; seeds: string[] }> {
  const nodes: ServerProcess[] = [];
  const durability = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  for (let i = 0; i < 3 * (1 + replicas); i++) {
    const port = await freePort();
    // The cluster bus port, by default port + 10,000: past 65,535 for a port above 55,535 (the node
    // then refuses to start) and never checked for being free. A free port of its own instead.
    const busPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pulse-redis-cluster-'));
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--dir',
      dir,
      '--save',
      '',
      ...durability,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '2000',
      '--cluster-require-full-coverage',
      requireFullCoverage ? 'yes' : 'no',
    ];
    nodes.push(await new ServerProcess('redis-server', args, port).start());
  }
  const seeds = nodes.map((n) => `127.0.0.1:${n.port}`);
  await new Promise<void>((resolve, reject) => {
    const create = spawn(
      'redis-cli',
      ['--cluster', 'create', ...seeds, '--cluster-replicas', String(replicas), '--cluster-yes'],
      { stdio: 'ignore' },
    );
    create.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create exited ${code}`)),
    );
  });
  // Wait until every node agrees the cluster is up.
  for (const node of nodes) {
    for (let attempt = 0; ; attempt++) {
      if ((await clusterInfo(node.port)).includes('cluster_state:ok')) break;
      if (attempt > 100) throw new Error('Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Replicas must have synced with their master, or none is eligible to take over.
  for (let attempt = 0; replicas > 0; attempt++) {
    const infos = await Promise.all(nodes.map((n) => redisCli(n.port, 'info', 'replication')));
    if (infos.filter((i) => i.includes('role:slave') && i.includes('master_link_status:up')).length === 3 * replicas)
      break;
    if (attempt > 200) throw new Error('Redis Cluster replicas did not sync');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { nodes, seeds };
}

/** `CLUSTER INFO` of the node on `port` as redis-cli prints it ('' when it does not answer). */
export function clusterInfo(port: number): Promise<string> {
  return redisCli(port, 'cluster', 'info');
}

/** What redis-cli prints for one command against the server on `port` ('' when it does not answer). */
function redisCli(port: number, ...command: string[]): Promise<string> {
  return new Promise((resolve) => {
    const cli = spawn('redis-cli', ['-p', String(port), ...command]);
    let out = '';
    cli.stdout.on('data', (d) => (out += d));
    cli.on('exit', () => resolve(out));
  });
}

/** Three nats-server processes routed into one cluster on free loopback ports. */
export async function startNatsCluster(): Promise<{ nodes: ServerProcess[]; urls: string[] }> {
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const nodes = clientPorts.map((port, i) => {
    const routes = routePorts
      .filter((_, j) => j !== i)
      .map((p) => `nats://127.0.0.1:${p}`)
      .join(',');
    const args = [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--cluster_name',
      'pulse-test',
      '--cluster',
      `nats://127.0.0.1:${routePorts[i]}`,
      '--routes',
      routes,
      '-n',
      `node-${i}`,
    ];
    return new ServerProcess('nats-server', args, port);
  });
  for (const node of nodes) await node.start();
  // Let the routes form before anyone subscribes.
  await new Promise((r) => setTimeout(r, 1500));
  return { nodes, urls: clientPorts.map((p) => `nats://127.0.0.1:${p}`) };
}

/**
 * A DynamoDB-compatible server (dynalite) on a free loopback port, in this process, its data in
 * a directory of its own so that `stop()` then `start()` (an outage) keeps what was written.
 */
export async function startDynalite(): Promise<{
  endpoint: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}> {
  const { default: dynalite } = await import('dynalite');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pulse-dynalite-'));
  const port = await freePort();
  let server: import('node:net').Server | null = null;
  const start = async () => {
    const s = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * dynalite in a child process of its own on a free loopback port (its data in a directory of its
 * own), so that it can be paused with SIGSTOP: a DynamoDB that keeps its connections open and
 * stops answering, which an in-process server cannot show.
 */
export async function startDynaliteProcess(): Promise<{ server: ServerProcess; endpoint: string; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pulse-dynalite-'));
  const cli = join(process.cwd(), 'node_modules', 'dynalite', 'cli.js');
  const args = [cli, '--host', '127.0.0.1', '--port', String(port), '--path', dir];
  for (const phase of ['createTableMs', 'deleteTableMs', 'updateTableMs']) args.push(`--${phase}`, '0');
  const server = await new ServerProcess(process.execPath, args, port).start();
  return { server, endpoint: `http://127.0.0.1:${port}`, dir };
}

/**
 * A TCP proxy on a free loopback port to a loopback `targetPort` that can hold what clients send:
 * while held, their bytes wait in the proxy (a request in flight, neither failed nor delivered);
 * `release()` sends them on. Answers are never held.
 */
export async function startHoldingProxy(targetPort: number): Promise<{
  endpoint: string;
  hold(): void;
  release(): void;
  /** Bytes clients sent that wait in the proxy. */
  heldBytes(): number;
  close(): Promise<void>;
}> {
  let holding = false;
  const waiting: { upstream: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      if (holding) waiting.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const { upstream, chunk } of waiting.splice(0)) upstream.write(chunk);
    },
    heldBytes: () => waiting.reduce((n, w) => n + w.chunk.length, 0),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
