// npm run demo: builds if needed, starts Pulse on the local NATS and Redis (and a dynalite cold
// store in this process) with a generated admin key, provisions a tenant of each tier, starts the traffic simulator, prints API keys and
// ready-to-paste curl commands, then a live line. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const logDir = join(root, '.demo');
mkdirSync(logDir, { recursive: true });

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

async function choosePort() {
  const wanted = Number(process.env.PORT ?? 3000);
  if (await portFree(wanted)) return wanted;
  for (let p = wanted + 1; p < wanted + 50; p++) if (await portFree(p)) return p;
  throw new Error(`no free port near ${wanted}`);
}

const main = join(root, 'dist', 'main.js');
if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'src'))) {
  console.log('building Pulse …');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const adminKey = `demo-admin-${randomBytes(12).toString('hex')}`;
const port = await choosePort();
const base = `http://localhost:${port}`;
const children = [];

function start(name, args, env) {
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${name} exited (${signal ?? code}); see .demo/${name}.log`);
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping …');
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  console.log('stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function api(method, path, key, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

// The cold store: dynalite (a DynamoDB-compatible server from the npm registry) in this process,
// on a free loopback port, its data in .demo/dynalite. DEMO_COLD_STORE=off runs Redis only.
const coldEnv = {};
if (process.env.DEMO_COLD_STORE !== 'off') {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path: join(logDir, 'dynalite'), createTableMs: 0 });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  server.unref();
  Object.assign(coldEnv, {
    COLD_STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_TABLE: 'pulse-demo-history',
    DYNAMODB_CREATE_TABLE: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  console.log(`cold store: dynalite at ${endpoint} (data in .demo/dynalite; DEMO_COLD_STORE=off for Redis only)`);
}

console.log(`starting Pulse on port ${port} (logs in .demo/pulse.log) …`);
start('pulse', [main], {
  ADMIN_API_KEY: adminKey,
  PORT: String(port),
  REDIS_KEY_PREFIX: 'pulse-demo',
  // Its own queue group: on a NATS that another Pulse deployment taps, the default group would
  // share that deployment's messages and heartbeats with the demo (each counted by one of them).
  NATS_QUEUE_GROUP: 'pulse-demo',
  ...coldEnv,
});
const deadline = Date.now() + 30_000;
for (;;) {
  const ready = await fetch(`${base}/health/ready`)
    .then((r) => r.status === 200)
    .catch(() => false);
  if (ready) break;
  if (Date.now() > deadline) {
    console.error(
      'Pulse did not become ready in 30 s; is NATS on 127.0.0.1:4222 and Redis on 127.0.0.1:6379? See .demo/pulse.log',
    );
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}

const tenants = [
  ['demo-basic', 'basic'],
  ['demo-pro', 'professional'],
  ['demo-enterprise', 'enterprise'],
];
const keys = {};
for (const [id, tier] of tenants) {
  await api('DELETE', `/api/v1/admin/tenants/${id}`, adminKey); // fresh keys each run
  const created = await api('POST', '/api/v1/admin/tenants', adminKey, { id, tier, name: `Demo ${tier}` });
  if (created.status !== 201) {
    console.error(`could not create ${id}: ${JSON.stringify(created.body)}`);
    await stop(1);
  }
  keys[id] = created.body.apiKey;
}
// Give every instance a moment to subscribe the new tenants.
await new Promise((r) => setTimeout(r, 500));

start('simulator', [
  join(root, 'dist', 'simulator', 'simulate.js'),
  '--tenant-ids',
  tenants.map(([id]) => id).join(','),
  '--clients',
  '90',
  '--rate',
  '600',
  '--duration',
  '0',
  '--spike',
  'demo-enterprise',
  '--spike-at',
  '90',
  '--spike-seconds',
  '30',
  '--errors',
  '0.02',
]);

console.log(`
Pulse is running at ${base} with simulated traffic for three tenants.

  dashboard        ${base}/dashboard/              (sign in with a tenant key below)
  operator console ${base}/dashboard/operator.html  (sign in with the admin key)
  API contract     ${base}/api/docs

  admin key        ${adminKey}
  demo-basic       ${keys['demo-basic']}
  demo-pro         ${keys['demo-pro']}
  demo-enterprise  ${keys['demo-enterprise']}

Try:
  curl -s ${base}/api/v1/metrics/realtime -H 'Authorization: Bearer ${keys['demo-enterprise']}'
  curl -s ${base}/api/v1/metrics/realtime -H 'Authorization: Bearer ${keys['demo-basic']}'
  curl -s '${base}/api/v1/metrics/presence?status=degraded&limit=5' -H 'Authorization: Bearer ${keys['demo-pro']}'
  curl -s ${base}/api/v1/metrics/presence -H 'Authorization: Bearer ${keys['demo-basic']}'
  curl -s '${base}/api/v1/metrics/analytics?period=30d' -H 'Authorization: Bearer ${keys['demo-pro']}'   # 403: enterprise only
  curl -s ${base}/api/v1/metrics/health-check -H 'Authorization: Bearer ${keys['demo-enterprise']}'
  curl -s ${base}/api/v1/admin/tenants -H 'Authorization: Bearer ${adminKey}'

Ctrl-C stops Pulse and the simulator. Live numbers for demo-enterprise:
`);

setInterval(async () => {
  if (stopping) return;
  const r = await api('GET', '/api/v1/metrics/realtime', keys['demo-enterprise']).catch(() => null);
  if (!r || r.status !== 200) return;
  const b = r.body;
  const line = `messages ${b.messages.total} (${b.messages.perSecond}/s)  clients ${b.clients.active}/${b.clients.total}  latency p50 ${b.latencyMs.p50} ms p99 ${b.latencyMs.p99} ms  subjects ${b.subjects.distinct}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(110)}`);
  else console.log(line);
}, 2000);
