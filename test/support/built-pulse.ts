import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './processes.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix, waitFor } from './pulse-app.js';

/** The built service, as `npm run start:prod` runs it (`npm test` builds it first). */
export const BUILT_MAIN = 'dist/main.js';

export interface BuiltExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

export interface BuiltProcess {
  child: ChildProcess;
  exit: Promise<BuiltExit>;
  /** stdout and stderr so far. */
  output: () => string;
}

/** `node dist/main.js` with only PATH and the variables given: nothing else from the test's environment leaks in. */
export function runBuilt(env: Record<string, string>): BuiltProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exit = new Promise<BuiltExit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output, ms: Date.now() - started })),
  );
  return { child, exit, output: () => output };
}

/** Waits for /health/live to answer 200 (or the process to exit): the status last seen. */
export function untilLive(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<number> {
  return waitFor(
    () =>
      fetch(`${url}/health/live`)
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200 || child.exitCode !== null,
    { timeoutMs },
  );
}

export interface BuiltInstance {
  url: string;
  process: BuiltProcess;
  /** SIGTERM (as an orchestrator stops a pod) and the exit, once it came. */
  terminate(): Promise<BuiltExit>;
}

/**
 * `node dist/main.js` with `env` on a free port, once /health/live answers 200 (it listens only
 * once the tap's and the heartbeats' subscriptions reached the server): throws with the output's
 * tail, the process stopped, when it does not come up.
 */
export async function startBuilt(env: Record<string, string>, liveWithinMs = 20_000): Promise<BuiltInstance> {
  const port = await freePort();
  const process = runBuilt({ PORT: String(port), ...env });
  const { child, exit, output } = process;
  const url = `http://127.0.0.1:${port}`;
  const terminate = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exit;
  };
  if ((await untilLive(url, child, liveWithinMs)) !== 200) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    await terminate();
    const how = exited ? `exited ${child.exitCode ?? child.signalCode}` : `not live within ${liveWithinMs} ms`;
    throw new Error(`${BUILT_MAIN} did not come up on ${url} (${how}): ${output().slice(-2000)}`);
  }
  return { url, process, terminate };
}

export interface BuiltPulse {
  url: string;
  adminKey: string;
  process: BuiltProcess;
  /** SIGTERM, wait for the exit, delete the run's Redis keys. */
  stop(): Promise<void>;
}

/**
 * The built service on a free port with its own Redis key prefix, NATS queue group and tenant
 * subject prefix (so it counts none of the other suites' traffic; `env` may name shared ones, for
 * instances of one deployment). The built service is what the
 * Swagger CLI plugin has seen (nest build): its OpenAPI document has the request bodies'
 * schemas, which the in-process test app's lacks.
 */
export async function startBuiltPulse(env: Record<string, string> = {}): Promise<BuiltPulse> {
  const prefix = env.REDIS_KEY_PREFIX ?? uniquePrefix();
  const adminKey = env.ADMIN_API_KEY ?? `built-admin-${prefix}`;
  let built: BuiltInstance;
  try {
    built = await startBuilt({
      ADMIN_API_KEY: adminKey,
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      ...env,
    });
  } catch (err) {
    await deletePrefix(SHARED_REDIS, prefix);
    throw err;
  }
  const stop = async () => {
    await built.terminate();
    await deletePrefix(SHARED_REDIS, prefix);
  };
  return { url: built.url, adminKey, process: built.process, stop };
}
