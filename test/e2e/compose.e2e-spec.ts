import type { NatsConnection } from '@nats-io/transport-node';
import { load } from 'js-yaml';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEnv } from '../../src/config/env.validation.js';
import { SHUTDOWN_DEADLINE_MS } from '../../src/common/shutdown-deadline.js';
import { type BuiltPulse, startBuiltPulse } from '../support/built-pulse.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
import { freePort, type ServerProcess, startDynalite, startNatsServer } from '../support/processes.js';
import { ADMIN_KEY, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  read_only?: boolean;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = load(readFileSync('compose.yaml', 'utf8')) as { services: Record<string, ComposeService> };
const services = compose.services;

/** `${NAME:-default}` as compose resolves it with NAME unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

/** Pulse's environment in compose.yaml, the variables left unset. */
const pulseEnv = Object.fromEntries(
  Object.entries(services.pulse.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]),
);

/** compose.yaml's nats.conf with the passwords compose gives it and this run's store directory. */
function natsConfig(storeDir: string, httpPort: number): string {
  const natsEnv = Object.fromEntries(
    Object.entries(services.nats.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]),
  );
  return readFileSync('deploy/compose/nats.conf', 'utf8')
    .replace(/\$([A-Z_]+)/g, (whole, name: string) => (name in natsEnv ? JSON.stringify(natsEnv[name]) : whole))
    .replace('"/data/jetstream"', JSON.stringify(storeDir))
    .replace('http_port: 8222', `http_port: ${httpPort}`);
}

describe('compose.yaml (its configuration, run with the machine’s nats-server, dynalite and the built service)', () => {
  it('runs NATS with JetStream and a system account, Redis with AOF, a DynamoDB-compatible store and a read-only Pulse', () => {
    expect(Object.keys(services).sort()).toEqual(['demo', 'dynamodb', 'nats', 'pulse', 'redis']);
    expect(services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const conf = readFileSync('deploy/compose/nats.conf', 'utf8');
    expect(conf).toMatch(/^jetstream \{/m);
    expect(conf).toMatch(/^system_account: SYS$/m);
    expect(services.pulse.read_only).toBe(true);
    // Longer than the shutdown, which Pulse bounds (SHUTDOWN_DEADLINE_MS).
    expect(parseInt(services.pulse.stop_grace_period ?? '0', 10)).toBeGreaterThan(SHUTDOWN_DEADLINE_MS / 1000);
    expect(services.pulse.depends_on?.redis.condition).toBe('service_healthy');
    expect(services.demo.depends_on?.pulse.condition).toBe('service_healthy');
    // Healthy by compose's own check on the readiness route (an OCI-format image has no HEALTHCHECK).
    expect(services.pulse.healthcheck?.test.join(' ')).toContain('/health/ready');
    // Configuration by environment only, and Pulse accepts it.
    expect(() => validateEnv({ ...pulseEnv, NODE_ENV: 'production' })).not.toThrow();
    expect(pulseEnv.COLD_STORE).toBe('dynamodb');
  });

  describe('the same configuration, run here', () => {
    let nats: ServerProcess;
    let natsDir: string;
    let dynamo: Awaited<ReturnType<typeof startDynalite>>;
    let pulse: BuiltPulse;
    let apps: NatsConnection;
    let natsUrl: string;

    beforeAll(async () => {
      natsDir = mkdtempSync(join(tmpdir(), 'pulse-compose-nats-'));
      nats = await startNatsServer(natsConfig(natsDir, await freePort()));
      dynamo = await startDynalite();
      natsUrl = `nats://127.0.0.1:${nats.port}`;
      pulse = await startBuiltPulse({
        ...pulseEnv,
        ADMIN_API_KEY: ADMIN_KEY,
        TENANT_SUBJECT_PREFIX: 'tenant',
        NATS_URL: natsUrl,
        REDIS_URL: 'redis://127.0.0.1:6379',
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        DYNAMODB_TABLE: `pulse-compose-${Date.now()}`,
        NATS_SYSTEM_POLL_SECONDS: '5',
      });
      // The demo's applications: a connection without credentials is the config's no_auth_user.
      apps = await publisher(natsUrl);
    }, 60_000);

    afterAll(async () => {
      await apps?.close();
      await pulse?.stop();
      await dynamo?.close();
      await nats?.kill();
      rmSync(natsDir, { recursive: true, force: true });
    });

    it('is ready with NATS, Redis and the cold store, counts a tenant application’s messages and has the system account', async () => {
      const ready = await waitFor(
        () => request<{ status: string; info?: Record<string, { status: string }> }>(pulse.url, 'GET', '/health/ready'),
        (r) => r.status === 200 && r.body.info?.coldStore?.status === 'up',
        { timeoutMs: 15_000 },
      );
      expect(ready.body.info?.nats.status).toBe('up');
      expect(ready.body.info?.coldStore.status).toBe('up');

      const tenant = await createTenant(pulse.url, uniqueTenantId('compose'), 'enterprise');
      await new Promise((r) => setTimeout(r, 300));
      await publishMany(apps, 100, () => `tenant.${tenant.id}.x`);
      expect(
        await waitFor(
          () => realtimeTotal(pulse.url, tenant.apiKey),
          (n) => n === 100,
        ),
      ).toBe(100);
      const health = await request<{ pulse: { natsSystem: { state: string; detail: string | null } } }>(
        pulse.url,
        'GET',
        '/api/v1/metrics/health-check',
        { key: tenant.apiKey },
      );
      expect(health.body.pulse.natsSystem).toMatchObject({ state: 'connected' });
      expect(
        (await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`, { key: ADMIN_KEY })).status,
      ).toBe(200);
    });

    it('the demo service (deploy/compose/demo.mjs) creates the three tenants, prints their keys and drives traffic', async () => {
      const demo = spawn(process.execPath, ['deploy/compose/demo.mjs'], {
        env: { PATH: process.env.PATH ?? '', PULSE_URL: pulse.url, ADMIN_API_KEY: ADMIN_KEY, NATS_URL: natsUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      demo.stdout.on('data', (d) => (output += d));
      demo.stderr.on('data', (d) => (output += d));
      try {
        await waitFor(
          async () => output,
          (o) => /demo-enterprise +pk_/.test(o) || demo.exitCode !== null,
          { timeoutMs: 15_000 },
        );
        expect(output).toContain('/dashboard/');
        const key = /demo-enterprise +(pk_\S+)/.exec(output)?.[1] ?? '';
        expect(key, output).not.toBe('');
        expect(
          await waitFor(
            () => realtimeTotal(pulse.url, key),
            (n) => (n ?? 0) > 0,
            { timeoutMs: 15_000 },
          ),
        ).toBeGreaterThan(0);
      } finally {
        const exited = demo.exitCode === null ? once(demo, 'exit') : Promise.resolve();
        demo.kill('SIGTERM');
        await exited;
      }
      for (const id of ['demo-basic', 'demo-pro', 'demo-enterprise']) {
        expect((await request(pulse.url, 'DELETE', `/api/v1/admin/tenants/${id}`, { key: ADMIN_KEY })).status).toBe(
          200,
        );
      }
    });
  });
});
