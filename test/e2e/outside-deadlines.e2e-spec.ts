import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertSender } from '../../src/alerting/alert-sender.js';
import type { Channel } from '../../src/alerting/channel.js';
import { freePort } from '../support/processes.js';
import { deletePrefix, type RunningPulse, SHARED_REDIS, startPulse, testOptions } from '../support/pulse-app.js';

const DEADLINE_MS = 1000;

/**
 * Outside calls that must end at a deadline: an SMTP server that takes the connection and never
 * greets (a hung mail relay) fails the delivery within ALERT timeout, not nodemailer's 30 s
 * greeting or 10 min socket defaults.
 */
describe('outside calls have deadlines', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let pulse: RunningPulse;

  beforeAll(async () => {
    const port = await freePort();
    silent = createServer((socket) => sockets.push(socket)); // accepts, never says a word
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    pulse = await startPulse(
      testOptions({
        alerting: { ...testOptions().alerting, smtpUrl: `smtp://127.0.0.1:${port}`, timeoutMs: DEADLINE_MS },
      }),
    );
  });

  afterAll(async () => {
    await pulse?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
  });

  it('an SMTP server that never greets fails the e-mail delivery at the alerting deadline', async () => {
    const channel: Channel = {
      id: 'ch',
      type: 'email',
      name: 'mail',
      config: { to: ['oncall@example.com'] },
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const started = performance.now();
    const outcome = await Promise.race([
      pulse.app.get(AlertSender).attempt(channel, {
        tenantId: 't',
        alertKey: 'k',
        event: 'test',
        severity: 'warning',
        title: 'test',
        rule: 'test',
        summary: 'test',
        details: {},
        at: new Date().toISOString(),
      }),
      new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
    ]);
    expect(outcome).toMatchObject({ ok: false, error: 'SMTP delivery failed', retryable: true });
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 3000);
  }, 20_000);
});
