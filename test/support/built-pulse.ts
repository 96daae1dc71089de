import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './processes.js';
import { deletePrefix, SHARED_REDIS, uniquePrefix, waitFor } from './pulse-app.js';

/** The built service, as `npm run start:prod` runs it (`npm test` builds it first). */
export const BUILT_MAIN = 'dist/main.js';

export interface BuiltPulse {
  url: string;
  adminKey: string;
  /** SIGTERM, wait for the exit, delete the run's Redis keys. */
  stop(): Promise<void>;
}

/**
 * `node dist/main.js` on a free port with its own Redis key prefix, NATS queue group and tenant
 * subject prefix (so it counts none of the other suites' traffic), and nothing else from the
 * test's environment. The built service is what the Swagger CLI plugin has seen (nest build): its
 * OpenAPI document has the request bodies' schemas, which the in-process test app's lacks.
 */
export async function startBuiltPulse(env: Record<string, string> = {}): Promise<BuiltPulse> {
  const port = await freePort();
  const prefix = uniquePrefix();
  const adminKey = `built-admin-${prefix}`;
  const child: ChildProcess = spawn(process.execPath, [BUILT_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ADMIN_API_KEY: adminKey,
      PORT: String(port),
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      TENANT_SUBJECT_PREFIX: prefix,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const live = await waitFor(
    () =>
      fetch(`${url}/health/live`)
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200 || child.exitCode !== null,
    { timeoutMs: 20_000 },
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await deletePrefix(SHARED_REDIS, prefix);
  };
  if (live !== 200) {
    await stop();
    throw new Error(`${BUILT_MAIN} did not come up on ${url}: ${output.slice(-2000)}`);
  }
  return { url, adminKey, stop };
}
