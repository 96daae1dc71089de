// A benchmark's own nats-server and redis-server (from PATH, as test/support/processes.ts starts
// them) on free loopback ports: nothing else on the machine shares them, and their CPU and memory
// are the benchmark's alone. Redis keeps nothing on disk, like the machine's.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a connection on loopback `port`. */
async function listening(port) {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** Starts `command` and waits (10 s at most) until it listens on `port`: { pid, child, stop() }. */
async function start(command, args, port, dir) {
  const child = spawn(command, args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    const early = await Promise.race([exited, spawnError, new Promise((r) => setTimeout(() => r(null), 50))]);
    if (early !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not listen on 127.0.0.1:${port} (${early ?? 'timed out'})`);
    }
  }
  return {
    pid: child.pid,
    child,
    /** SIGTERM, then SIGKILL after 5 s; removes its directory. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrivateNats() {
  const port = await freePort();
  const server = await start('nats-server', ['-a', '127.0.0.1', '-p', String(port)], port);
  return { ...server, url: `nats://127.0.0.1:${port}` };
}

export async function startPrivateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'];
  const server = await start('redis-server', args, port, dir);
  return { ...server, url: `redis://127.0.0.1:${port}` };
}

/** The environment a benchmark's built Pulse (`node dist/main.js`) runs with on private servers. */
export function benchPulseEnv({ port, adminKey, nats, redis }, extra = {}) {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    ADMIN_API_KEY: adminKey,
    NATS_URL: nats,
    REDIS_URL: redis,
    LOG_LEVEL: 'warn',
    // The bench's own calls are the only API callers: no 429 may stand for a latency.
    RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    // The private nats-server has no JetStream.
    JETSTREAM_MONITORING: 'false',
    ...extra,
  };
}

/**
 * A caller of a benchmark's Pulse API: `api(method, path, { key, body })` answers
 * `{ status, text, json() }`, with the admin key unless another is given and a 30 s deadline.
 */
export function pulseApi(url, adminKey) {
  return async (method, path, { key = adminKey, body } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
}
