import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertSender } from '../../src/alerting/alert-sender.js';
import type { Notification } from '../../src/alerting/notification.js';
import { HttpReceiver } from '../support/receivers.js';
import { testOptions } from '../support/pulse-app.js';

const n: Notification = {
  tenantId: 'acme',
  alertKey: 'rule:ru_1',
  event: 'trigger',
  severity: 'warning',
  title: 'few clients',
  rule: 'few clients',
  summary: 'online_clients is 1',
  details: {},
  at: new Date().toISOString(),
};

describe('AlertSender (real HTTP receiver)', () => {
  let http: HttpReceiver;
  beforeAll(async () => {
    http = await new HttpReceiver().start();
  });
  afterAll(async () => {
    await http.stop();
  });

  it('the DNS check and the request share one deadline (a slow answer leaves the request only what is left)', async () => {
    const timeoutMs = 2000;
    // Every answer takes 1500 ms (the check's and the connect's); the address is never reached
    // before the deadline. Two fresh budgets would end after 3500 ms, one ends at 2000 ms.
    const slow = (): Promise<{ address: string; family: number }[]> =>
      new Promise((resolve) => setTimeout(() => resolve([{ address: '93.184.216.34', family: 4 }]), 1500));
    const sender = new AlertSender(testOptions({ alerting: { allowPrivateTargets: false } }), slow);
    const result = await sender.sendSigned(
      'https://hooks.example.com/x',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'evb_1',
      '{}',
      timeoutMs,
    );
    expect(result.ok).toBe(false);
    expect(result.latencyMs).toBeLessThan(timeoutMs + 700);
  });

  it('a delivery log that cannot be written does not stop the retries', async () => {
    const sender = new AlertSender(
      testOptions({ alerting: { allowPrivateTargets: true, maxAttempts: 4, retryBaseMs: 20, timeoutMs: 2000 } }),
    );
    http.plan('/flaky', [500, 503]);
    const channel = {
      id: 'ch_1',
      type: 'webhook' as const,
      name: 'hook',
      config: { url: `${http.url}/flaky`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      createdAt: '',
      updatedAt: '',
    };
    let logged = 0;
    const delivered = await sender.deliver(channel, n, () => {
      logged++;
      throw new Error('injected: Redis unavailable');
    });
    expect(delivered).toBe(true);
    expect(http.on('/flaky')).toHaveLength(3);
    expect(logged).toBe(3);
  });

  it('a name that rebinds between the check and the connect is refused at connect time (the checked address is the one used)', async () => {
    let calls = 0;
    const rebinding = async () =>
      calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const sender = new AlertSender(
      testOptions({ alerting: { allowPrivateTargets: false, maxAttempts: 1, timeoutMs: 2000 } }),
      rebinding,
    );
    const channel = {
      id: 'ch_2',
      type: 'webhook' as const,
      name: 'hook',
      config: { url: 'https://rebind.test/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      createdAt: '',
      updatedAt: '',
    };
    const result = await sender.attempt(channel, n);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^target refused: resolves to a private/);
    expect(calls).toBe(2); // the check, then the connect's own, checked, lookup
  });
});
