import { createUser } from '@nats-io/nkeys';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoriesService } from '../../src/jetstream/advisories.service.js';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { NatsStatus } from '../../src/nats/nats-status.js';
import { createTenant, realtimeTotal, request } from '../support/http.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
import { deletePrefix, SHARED_REDIS, startPulse, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { sendHeartbeat } from '../support/heartbeats.js';
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

  it('connects with the seed file, counts traffic and handles heartbeats', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    // These permissions hold none for JetStream: monitoring it is off (README, JetStream).
    const defaults = testOptions();
    const options = testOptions({
      nats: { servers, nkeySeedFile: seedFile, queueGroup: 'pulse', connectTimeoutMs: 3000 },
      jetstream: { ...defaults.jetstream!, enabled: false },
    });
    const pulse = await startPulse(options);
    try {
      const t = await createTenant(pulse.url, uniqueTenantId('nkey'), 'basic');
      await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
      const app = await publisher(servers, { user: 'app', pass: 'app-secret' });
      const events: string[] = [];
      app.subscribe(`_PULSE.tenant.${t.id}.presence`, {
        callback: (_e, m) => void events.push(m.json<{ type: string }>().type),
      });
      await app.flush();
      await publishMany(app, 500, () => `tenant.${t.id}.x`, 20);
      sendHeartbeat(app, t.id, 'c1');
      await app.flush();
      const online = await waitFor(
        async () =>
          (
            await request<{ summary: { online: number } }>(pulse.url, 'GET', '/api/v1/metrics/presence', {
              key: t.apiKey,
            })
          ).body.summary.online,
        (n) => n === 1,
      );
      expect(online).toBe(1);
      // Pulse may publish its presence events under _PULSE.> with these permissions.
      expect(
        await waitFor(
          async () => events,
          (e) => e.length === 1,
        ),
      ).toEqual(['online']);
      await app.close();
      const total = await waitFor(
        () => realtimeTotal(pulse.url, t.apiKey),
        (n) => n === 500,
      );
      expect(total).toBe(500);
      // JetStream monitoring off: no advisories subscribed, so no permission refused.
      expect(pulse.app.get(AdvisoriesService).status().state).toBe('off');
      expect(pulse.app.get(NatsStatus).current().lastError).toBeNull();
    } finally {
      await pulse.close();
      await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
    }
  });

  it('refuses to start without credentials, naming the server', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    const started = Date.now();
    await expect(
      startPulse(testOptions({ nats: { servers, queueGroup: 'pulse', connectTimeoutMs: 3000 } })),
    ).rejects.toThrow(new RegExp(`Cannot connect to NATS at nats://127.0.0.1:${server.port}`));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses to start with a seed file that does not exist, naming the variable', async () => {
    const servers = [`nats://127.0.0.1:${server.port}`];
    await expect(
      startPulse(
        testOptions({
          nats: { servers, nkeySeedFile: '/nonexistent/pulse.nk', queueGroup: 'pulse', connectTimeoutMs: 3000 },
        }),
      ),
    ).rejects.toThrow(/NATS_NKEY_SEED_FILE/);
  });
});
