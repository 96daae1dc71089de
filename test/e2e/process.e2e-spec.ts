import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILT_MAIN, runBuilt, startBuiltPulse } from '../support/built-pulse.js';
import { freePort } from '../support/processes.js';
import { realtimeTotal, request } from '../support/http.js';
import { uniqueTenantId, waitFor } from '../support/pulse-app.js';
import { publisher, publishMany } from '../support/traffic.js';

const ADMIN = 'process-test-admin-key-0123456789';

describe('the built service (node dist/main.js)', () => {
  it('is built (npm test builds it first)', () => {
    expect(existsSync(BUILT_MAIN)).toBe(true);
  });

  it('runs with only ADMIN_API_KEY (and a free PORT), counts traffic, exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const pulse = runBuilt({ ADMIN_API_KEY: ADMIN, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    try {
      const live = await waitFor(
        () =>
          fetch(`${url}/health/live`)
            .then((r) => r.status)
            .catch(() => 0),
        (s) => s === 200,
        { timeoutMs: 15_000 },
      );
      expect(live).toBe(200);
      const id = uniqueTenantId('proc');
      const created = await request<{ apiKey: string }>(url, 'POST', '/api/v1/admin/tenants', {
        key: ADMIN,
        body: { id },
      });
      expect(created.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      const nc = await publisher();
      await publishMany(nc, 250, () => `tenant.${id}.x`, 10);
      await nc.close();
      const total = await waitFor(
        () => realtimeTotal(url, created.body.apiKey),
        (n) => n === 250,
      );
      expect(total).toBe(250);
      // Leave the shared Redis as we found it.
      expect((await request(url, 'DELETE', `/api/v1/admin/tenants/${id}`, { key: ADMIN })).status).toBe(200);
    } finally {
      pulse.child.kill('SIGTERM');
    }
    const exit = await pulse.exit;
    // Nest's shutdown hook closes the app, then re-raises SIGTERM on itself: a clean exit by that
    // signal (what systemd and Kubernetes expect), never an error code.
    expect(exit.code === 0 || exit.signal === 'SIGTERM', exit.output).toBe(true);
    // JSON logs (pino) with request ids; no error lines; no secret anywhere.
    const lines = exit.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; req?: { id: string; url: string } });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.level < 50)).toBe(true);
    expect(lines.some((l) => l.req?.url === '/api/v1/admin/tenants' && /^[0-9a-f-]{36}$/.test(l.req.id))).toBe(true);
    expect(exit.output).not.toContain(ADMIN);
    expect(exit.output).not.toContain('pk_');
  });

  it('SIGTERM with a dashboard stream open: the stream gets a last `closed` event and the process exits within 15 s', async () => {
    const pulse = await startBuiltPulse();
    let streamText = '';
    try {
      const created = await request<{ apiKey: string }>(pulse.url, 'POST', '/api/v1/admin/tenants', {
        key: pulse.adminKey,
        body: { id: uniqueTenantId('procsse') },
      });
      expect(created.status).toBe(201);
      const response = await fetch(`${pulse.url}/api/v1/metrics/stream`, {
        headers: { authorization: `Bearer ${created.body.apiKey}`, accept: 'text/event-stream' },
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const read = (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          streamText += decoder.decode(value, { stream: true });
        }
      })();
      // The stream is live (its first realtime event arrived) before the signal.
      await waitFor(
        async () => streamText,
        (t) => t.includes('event: realtime'),
      );
      expect(streamText).toContain('event: realtime');
      const signalledAt = Date.now();
      pulse.process.child.kill('SIGTERM');
      const killer = setTimeout(() => pulse.process.child.kill('SIGKILL'), 30_000);
      const exit = await pulse.process.exit;
      clearTimeout(killer);
      await read;
      expect(exit.signal, exit.output.slice(-2000)).not.toBe('SIGKILL');
      expect(Date.now() - signalledAt).toBeLessThan(15_000);
      expect(streamText.slice(-300)).toMatch(/event: closed\n(id: \d+\n)?data: \{"reason":"[^"]*shutting down/);
    } finally {
      await pulse.stop();
    }
  }, 60_000);

  it('exits non-zero within 10 s naming the NATS URL when NATS is unreachable', async () => {
    const port = await freePort();
    const exit = await runBuilt({
      ADMIN_API_KEY: ADMIN,
      PORT: String(port),
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    }).exit;
    expect(exit.code).not.toBe(0);
    expect(exit.output).toMatch(/Cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
    expect(exit.ms).toBeLessThan(10_000);
  });

  it('exits non-zero within 10 s naming the Redis URL when Redis is unreachable', async () => {
    const port = await freePort();
    const exit = await runBuilt({
      ADMIN_API_KEY: ADMIN,
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    }).exit;
    expect(exit.code).not.toBe(0);
    expect(exit.output).toMatch(/Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(exit.ms).toBeLessThan(10_000);
  });

  it('refuses bad configuration, naming every bad variable', async () => {
    const exit = await runBuilt({ FLUSH_INTERVAL_MS: 'soon', TENANT_SUBJECT_PREFIX: 'a.b', NODE_ENV: 'production' })
      .exit;
    expect(exit.code).toBe(1);
    expect(exit.output).toContain('FLUSH_INTERVAL_MS');
    expect(exit.output).toContain('TENANT_SUBJECT_PREFIX');
    expect(exit.output).toContain('ADMIN_API_KEY is required when NODE_ENV=production');
  });
});
