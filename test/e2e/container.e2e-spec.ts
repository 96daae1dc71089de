import type { NatsConnection } from '@nats-io/transport-node';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltPulse, startBuiltPulse } from '../support/built-pulse.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
import {
  assembleBase,
  buildImage,
  childrenOf,
  cmdlineOf,
  Podman,
  podmanDir,
  podmanProblem,
  type StepTimes,
  timed,
  uidsOf,
} from '../support/podman.js';
import { freePort } from '../support/processes.js';
import { ADMIN_KEY, deletePrefix, SHARED_REDIS, uniquePrefix, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/**
 * The Dockerfile, built and run for real with Debian's podman (runc, vfs storage, host network):
 * the base image is assembled here from debootstrap and the npm packages of Node and npm (no
 * registry of images is reachable), then `podman build --pull=never`. The image runs against the
 * machine's NATS and Redis (its own key prefix and queue group), read-only, as the image's user.
 */
const problem = podmanProblem();
if (problem) console.warn(`container e2e skipped: ${problem}`);

const IMAGE = 'localhost/pulse:e2e';

describe.skipIf(problem !== null)('the container image (Dockerfile, podman)', () => {
  const times: StepTimes = {};
  const prefix = uniquePrefix();
  let podman: Podman;
  let nc: NatsConnection;

  /** Starts the image detached on a free port (host network, read-only root): its URL once ready. */
  async function runImage(name: string, env: Record<string, string> = {}): Promise<string> {
    const port = await freePort();
    const vars = {
      ADMIN_API_KEY: ADMIN_KEY,
      PORT: String(port),
      NATS_URL: 'nats://127.0.0.1:4222',
      REDIS_URL: SHARED_REDIS,
      REDIS_KEY_PREFIX: prefix,
      NATS_QUEUE_GROUP: prefix,
      ...env,
    };
    const args = ['run', '--detach', '--name', name, '--network', 'host', '--read-only', '--stop-timeout', '60'];
    for (const [k, v] of Object.entries(vars)) args.push('--env', `${k}=${v}`);
    await podman.run([...args, IMAGE]);
    const url = `http://127.0.0.1:${port}`;
    const status = await waitFor(
      () =>
        fetch(`${url}/health/ready`)
          .then((r) => r.status)
          .catch(() => 0),
      (s) => s === 200,
      // vfs copies the image for each container: 12-31 s measured here, more on a loaded machine.
      { timeoutMs: 120_000 },
    );
    if (status !== 200) throw new Error(`${name} not ready: ${await podman.run(['logs', name]).catch(String)}`);
    return url;
  }

  /** pulse_messages_ingested_total of an instance (its /metrics, admin key). */
  async function ingestedBy(url: string): Promise<number> {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).catch(() => null);
    const text = res?.ok ? await res.text() : '';
    const line = text.split('\n').find((l) => l.startsWith('pulse_messages_ingested_total'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** The host pid of the container's PID 1. */
  async function pidOf(name: string): Promise<number> {
    return Number((await podman.run(['inspect', '--format', '{{.State.Pid}}', name])).trim());
  }

  beforeAll(async () => {
    podman = new Podman(podmanDir());
    await assembleBase(podman, times);
    await timed(times, 'podman build', () => buildImage(podman, process.cwd(), IMAGE));
    nc = await publisher();
  }, 1_080_000);

  afterAll(async () => {
    await nc?.close();
    // vfs holds a whole root filesystem per image and container: 101 s to remove in one timed run
    // here, over 120 s in another (2 cores, load average 4-8).
    if (podman) await timed(times, 'teardown', () => podman.destroy());
    await deletePrefix(SHARED_REDIS, prefix);
    console.log(
      `container e2e step times (s): ${Object.entries(times)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }, 360_000);

  it('serves (ready, dashboard, OpenAPI) and counts a published message, as a non-root user on a read-only root', async () => {
    const url = await timed(times, 'first start to ready', () => runImage('pulse-a'));

    const tenant = await createTenant(url, uniqueTenantId('ctr'));
    await new Promise((r) => setTimeout(r, 300));
    await publishMany(nc, 1, () => `tenant.${tenant.id}.x`);
    expect(
      await waitFor(
        () => realtimeTotal(url, tenant.apiKey),
        (n) => n === 1,
      ),
    ).toBe(1);

    // The dashboard and its chart library, and the OpenAPI document, served as outside the image.
    const page = await fetch(`${url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('vendor/uPlot.iife.min.js');
    expect((await fetch(`${url}/dashboard/vendor/uPlot.iife.min.js`)).status).toBe(200);
    const doc = await request<{ openapi?: string }>(url, 'GET', '/api/docs-json');
    expect(doc.body.openapi).toMatch(/^3\./);
    expect((await fetch(`${url}/api/docs`)).status).toBe(200);

    // PID 1 is tini, its child is Node: both run as the image's user (10001), none as root.
    const init = await pidOf('pulse-a');
    const [node] = childrenOf(init);
    expect(cmdlineOf(init)).toMatch(/^tini -- node dist\/main\.js/);
    expect(cmdlineOf(node)).toBe('node dist/main.js');
    expect(uidsOf(init)).toEqual([10001, 10001, 10001, 10001]);
    expect(uidsOf(node)).toEqual([10001, 10001, 10001, 10001]);

    // The root filesystem is read-only (even for root in the container); /tmp is a tmpfs.
    const write = await podman
      .run(['exec', '--user', '0', 'pulse-a', 'sh', '-c', 'touch /app/x 2>&1; echo rc=$?'])
      .catch(String);
    expect(write).toMatch(/Read-only file system[\s\S]*rc=1/);
    expect(await podman.run(['exec', 'pulse-a', 'sh', '-c', 'touch /tmp/x && echo ok'])).toContain('ok');

    // The image's HEALTHCHECK (node -e fetch /health/ready) passes.
    const [image] = JSON.parse(await podman.run(['image', 'inspect', IMAGE])) as {
      Healthcheck?: { Test?: string[] };
      Labels?: Record<string, string>;
    }[];
    // One version (package.json's): the image's label and what the running service says.
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(image.Labels?.['org.opencontainers.image.version']).toBe(version);
    expect(image.Labels?.['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    expect((await request<{ version?: string }>(url, 'GET', '/health/live')).body.version).toBe(version);
    expect(image.Healthcheck?.Test?.join(' ')).toContain('/health/ready');
    await podman.run(['healthcheck', 'run', 'pulse-a']);

    expect((await request(url, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`, { key: ADMIN_KEY })).status).toBe(200);
  }, 180_000);

  it('holds no secret: no .env, .npmrc or build secret in the image, none in its history; holds the LICENSE and NOTICE', async () => {
    const root = (await podman.run(['image', 'mount', IMAGE])).trim();
    try {
      expect(existsSync(join(root, 'app/dist/main.js'))).toBe(true);
      // Apache-2.0 §4: a copy of the licence and the NOTICE go with every distribution, the image too.
      for (const file of ['LICENSE', 'NOTICE']) {
        expect(existsSync(join(root, 'app', file)), `/app/${file}`).toBe(true);
        expect(readFileSync(join(root, 'app', file), 'utf8'), `/app/${file}`).toBe(readFileSync(file, 'utf8'));
      }
      for (const file of ['app/.env', 'app/.npmrc', 'root/.npmrc', 'run/secrets/ca', 'src/.env']) {
        expect(existsSync(join(root, file)), file).toBe(false);
      }
    } finally {
      await podman.run(['image', 'unmount', IMAGE]).catch(() => undefined);
    }
    const history = await podman.run(['history', '--no-trunc', '--format', '{{.CreatedBy}}', IMAGE]);
    expect(history).toContain('npm ci --omit=dev');
    expect(history).not.toMatch(/BEGIN CERTIFICATE|ADMIN_API_KEY=|PASSWORD=|TOKEN=/);
  }, 60_000);

  it('VERSION is optional (compose without Node): a build without it passes the version check, one that differs from package.json stops', async () => {
    // The version stage alone (seconds): the check every build goes through. Its image is removed
    // at once (a root filesystem more for the teardown otherwise).
    await buildImage(podman, process.cwd(), 'localhost/pulse-version:none', { version: null, target: 'version' });
    await podman.run(['rmi', 'localhost/pulse-version:none']);
    const refused = await buildImage(podman, process.cwd(), 'localhost/pulse-version:wrong', {
      version: '0.0.0-not-ours',
      target: 'version',
    }).then(
      () => 'built',
      (err: unknown) => String(err),
    );
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(refused).toContain(
      `the VERSION build argument ('0.0.0-not-ours') must be package.json's version: --build-arg VERSION=${version}`,
    );
  }, 240_000);

  it('SIGTERM during traffic: the container drains and flushes, nothing lost or doubled; restarted, it reads every count', async () => {
    // The container flushes only at shutdown (interval far longer than the test): what it counted
    // reaches Redis only if SIGTERM reached Node through tini. A second instance of the same
    // deployment (the built service on the host) takes the traffic the container no longer takes.
    let host: BuiltPulse | undefined;
    try {
      const url = await runImage('pulse-b', { FLUSH_INTERVAL_MS: '60000' });
      const other = await startBuiltPulse({
        ADMIN_API_KEY: ADMIN_KEY,
        REDIS_KEY_PREFIX: prefix,
        NATS_QUEUE_GROUP: prefix,
        TENANT_SUBJECT_PREFIX: 'tenant',
      });
      host = other;
      const tenant = await createTenant(url, uniqueTenantId('ctr-term'));
      await new Promise((r) => setTimeout(r, 1000));
      const BATCHES = 100;
      const PER_BATCH = 300;
      let publishedAt = 0;
      const publishing = (async () => {
        for (let batch = 0; batch < BATCHES; batch++) {
          await publishMany(nc, PER_BATCH, (i) => `tenant.${tenant.id}.s${i % 4}`, 50);
          await new Promise((r) => setTimeout(r, 20));
        }
        publishedAt = Date.now();
      })();
      // SIGTERM once the container has taken part of the traffic, while the rest still flows.
      const ingested = await waitFor(
        () => ingestedBy(url),
        (n) => n > 0,
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      expect(ingested).toBeGreaterThan(0);
      const stopped = Date.now();
      // `podman stop` sends the image's STOPSIGNAL (SIGTERM) and waits the container's stop timeout.
      await podman.run(['stop', '--time', '60', 'pulse-b'], { timeoutMs: 90_000 });
      const code = Number((await podman.run(['wait', 'pulse-b'], { timeoutMs: 90_000 })).trim());
      times['SIGTERM to exit'] = Math.round((Date.now() - stopped) / 100) / 10;
      await publishing;
      expect(publishedAt).toBeGreaterThan(stopped);
      // Node re-raises SIGTERM after its shutdown (128 + 15 through tini), or exits 0: never killed.
      expect([0, 143], await podman.run(['logs', 'pulse-b'])).toContain(code);
      expect(times['SIGTERM to exit']).toBeLessThan(35);
      const all = BATCHES * PER_BATCH;
      expect(
        await waitFor(
          () => realtimeTotal(other.url, tenant.apiKey),
          (n) => n === all,
          { timeoutMs: 15_000 },
        ),
      ).toBe(all);

      // The image started again reads the stored counts: every message once.
      const again = await runImage('pulse-c');
      expect(await realtimeTotal(again, tenant.apiKey)).toBe(all);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await realtimeTotal(again, tenant.apiKey)).toBe(all);
    } finally {
      await host?.stop();
    }
  }, 240_000);
});
