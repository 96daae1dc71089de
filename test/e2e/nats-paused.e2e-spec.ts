import { afterEach, describe, expect, it } from 'vitest';
import { MessageTap } from '../../src/monitoring/message-tap.js';
import { startBuiltPulse } from '../support/built-pulse.js';
import { createTenant, request } from '../support/http.js';
import { type ServerProcess, startNatsServer } from '../support/processes.js';
import { deletePrefix, SHARED_REDIS, startPulse, testOptions, uniqueTenantId, waitFor } from '../support/pulse-app.js';

/**
 * A NATS server that stops answering without closing its connections (a private nats-server,
 * SIGSTOP; never the shared one): the client's own pings notice only after minutes, so readiness
 * and shutdown must not rely on them.
 */
describe('a NATS server that stops answering (private nats-server, paused)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  async function pausedSetup(label: string) {
    const natsServer: ServerProcess = await startNatsServer();
    // kill() sends SIGCONT first: the server never stays paused after the test.
    cleanups.push(() => natsServer.kill());
    const options = testOptions({
      nats: { servers: [`nats://127.0.0.1:${natsServer.port}`], queueGroup: 'pulse', connectTimeoutMs: 3000 },
    });
    cleanups.push(() => deletePrefix(SHARED_REDIS, options.redis.keyPrefix));
    const pulse = await startPulse(options);
    cleanups.push(() => pulse.close());
    // Runs first: the server answers again before anything else is cleaned up.
    cleanups.push(async () => natsServer.resume());
    const t = await createTenant(pulse.url, uniqueTenantId(label), 'basic');
    await waitFor(async () => pulse.app.get(MessageTap).subscribedTenants().includes(t.id), Boolean);
    return { natsServer, pulse };
  }

  it('shutdown ends within its NATS deadlines while the server does not answer', async () => {
    const { natsServer, pulse } = await pausedSetup('natsstop');
    natsServer.pause();
    const started = Date.now();
    await pulse.close();
    const ms = Date.now() - started;
    // Before: the main connection's drain waited for the server forever (the built service exited
    // only by its 50 s global bound). Now three drains of at most 3 s, one after another (the
    // tap's subscriptions, the heartbeats', the connection's, NATS_DRAIN_DEADLINE_MS), then
    // close(): 9.5 s measured.
    expect(ms, `closed in ${ms} ms`).toBeLessThan(12_000);
  }, 40_000);

  it('SIGTERM of the built service exits by itself within seconds while the server does not answer (not by the 50 s bound)', async () => {
    const natsServer = await startNatsServer();
    cleanups.push(() => natsServer.kill());
    const pulse = await startBuiltPulse({ NATS_URL: `nats://127.0.0.1:${natsServer.port}` });
    // stop() waits for the exit: SIGKILL first if the process is still there after the test.
    cleanups.push(() => pulse.stop());
    cleanups.push(async () => {
      natsServer.resume();
      pulse.process.child.kill('SIGKILL');
    });
    natsServer.pause();
    const signalled = Date.now();
    pulse.process.child.kill('SIGTERM');
    const exit = await pulse.process.exit;
    const ms = Date.now() - signalled;
    // Before: 52 s, "shutdown did not finish within 50 s" (the main connection's drain never ended).
    expect(exit.output).not.toContain('shutdown did not finish');
    expect(exit.code === 0 || exit.signal === 'SIGTERM', exit.output.slice(-2000)).toBe(true);
    expect(ms, `exited ${ms} ms after SIGTERM`).toBeLessThan(12_000);
  }, 60_000);

  it('readiness answers 503 within seconds of the server stopping to answer, 200 once it answers again; liveness unaffected', async () => {
    const { natsServer, pulse } = await pausedSetup('natsready');
    const ready = () => request<{ details?: Record<string, { status: string }> }>(pulse.url, 'GET', '/health/ready');
    expect((await ready()).status).toBe(200);

    natsServer.pause();
    const paused = Date.now();
    const down = await waitFor(ready, (r) => r.status === 503, { timeoutMs: 10_000, intervalMs: 250 });
    const downAfter = Date.now() - paused;
    expect(down.status).toBe(503);
    expect(down.body.details).toMatchObject({ nats: { status: 'down' }, redis: { status: 'up' } });
    expect(downAfter).toBeLessThan(5000);
    // While it does not answer, a readiness probe answers promptly (no wait on the stuck round
    // trip), concurrent probes share one round trip, and liveness is untouched.
    const burstStarted = Date.now();
    const burst = await Promise.all(Array.from({ length: 20 }, () => ready()));
    expect(burst.every((r) => r.status === 503)).toBe(true);
    expect(Date.now() - burstStarted).toBeLessThan(2000);
    const live = await request(pulse.url, 'GET', '/health/live');
    expect(live.status).toBe(200);

    natsServer.resume();
    const resumed = Date.now();
    const up = await waitFor(ready, (r) => r.status === 200, { timeoutMs: 10_000, intervalMs: 250 });
    expect(up.status).toBe(200);
    expect(Date.now() - resumed).toBeLessThan(5000);
  }, 60_000);
});
