import { createUser } from '@nats-io/nkeys';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { createTenant, request } from '../support/http.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
import { deletePrefix, SHARED_REDIS, startPulse, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

/**
 * Pulse authenticates with an nkey and holds exactly the least-privilege permissions the README
 * documents; tenant apps use another user.
 */
describe('NATS nkey authentication with least-privilege permissions', () => {
  const user = createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  let server: ServerProcess;
  let seedFile: string;

  beforeAll(async () => {
    server = await startNatsServer(`
authorization {
  users = [
    {
      nkey: ${user.getPublicKey()}
      permissions: {
        publish: ["_PULSE.>"]
        subscribe: ["tenant.*.>", "_HEARTBEAT.>", "_PULSE.internal.>"]
      }
    }
    { user: app, password: app-secret }
  ]
}
`);
    seedFile = join(mkdtempSync(join(tmpdir(), 'pulse-seed-')), 'pulse.nk');
    writeFileSync(seedFile, `${seed}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await server?.kill();
  });

  it('connects with the seed file and counts traffic', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    const options = testOptions({ nats: { servers, nkeySeedFile: seedFile, queueGroup: 'pulse', connectTimeoutMs: 3000 } });
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('nkey'), 'basic');
      await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
      const app = await publisher(servers, { user: 'app', pass: 'app-secret' });
      await publishMany(app, 500, () => `tenant.${t.id}.x`, 20);
      await app.close();
      const total = await waitFor(
        async () => (await request<{ messages: { total: number } }>(pulse.url, 'GET', '/api/v1/metrics/realtime', { key: t.apiKey })).body.messages.total,
        (n) => n === 500,
      );
      expect(total).toBe(500);
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });

  it('refuses to start without credentials, naming the server', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    const started = Date.now();
    await expect(startPulse(testOptions({ nats: { servers, queueGroup: 'pulse', connectTimeoutMs: 3000 } }))).rejects.toThrow(
      new RegExp(`Cannot connect to NATS at nats://127.0.0.1:${server.port}`),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses to start with a seed file that does not exist, naming the variable', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    await expect(
      startPulse(testOptions({ nats: { servers, nkeySeedFile: '/nonexistent/pulse.nk', queueGroup: 'pulse', connectTimeoutMs: 3000 } })),
    ).rejects.toThrow(/NATS_NKEY_SEED_FILE/);
  });
});
