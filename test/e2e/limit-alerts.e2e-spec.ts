import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Global, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingRepository } from '../../src/alerting/alerting.repository.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import type { Notification } from '../../src/alerting/notification.js';
import { signWebhook } from '../../src/alerting/notification.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { limitsSubject } from '../../src/usage/limit-events.js';
import { LimitWatch } from '../../src/usage/limit-watch.job.js';
import { type LimitCrossing, UTILISATION_SOURCE } from '../../src/usage/usage.types.js';
import { createTenant, type CreatedTenant, request } from '../support/http.js';
import {
  ADMIN_KEY,
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from '../support/pulse-app.js';
import { HttpReceiver, type Received } from '../support/receivers.js';
import { publisher } from '../support/traffic.js';
import { FakeUtilisationSource } from '../support/utilisation.js';

/** The tenants' connection utilisation as the test sets it (of 50 connections). */
const source = new FakeUtilisationSource('connections', 50);
const utilisation = source.utilisation;

/** Stands in for UsageModule, which provides UTILISATION_SOURCE (the usage service). */
@Global()
@Module({ providers: [{ provide: UTILISATION_SOURCE, useValue: source }], exports: [UTILISATION_SOURCE] })
class FakeUsageModule {}

interface WebhookBody {
  type: string;
  data: Notification;
}

describe('limit alerts (real NATS and Redis, a fake utilisation source)', () => {
  let http: HttpReceiver;
  let pulse: RunningPulse;
  let nc: NatsConnection;
  let sub: Subscription;
  let enterprise: CreatedTenant;
  let basic: CreatedTenant;
  let secret = '';
  const onNats: LimitCrossing[] = [];
  const options = testOptions({
    // The watch never runs by itself: the test runs each pass.
    usageLimitsIntervalMs: 3_600_000,
    alerting: {
      allowPrivateTargets: true,
      retryBaseMs: 50,
      timeoutMs: 2000,
      operatorSlackWebhookUrl: '',
    },
  });

  const hooks = (path: string) => http.on(path).map((r) => JSON.parse(r.body) as WebhookBody);
  const operator = () => http.on('/operator').map((r) => JSON.parse(r.body) as { text: string });

  async function pass(level: number): Promise<void> {
    utilisation.set(enterprise.id, level);
    utilisation.set(basic.id, level);
    expect(await pulse.app.get(LimitWatch).run()).not.toBeNull();
    await pulse.app.get(AlertingService).settle([enterprise.id, basic.id]);
  }

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    options.alerting.operatorSlackWebhookUrl = `${http.url}/operator`;
    pulse = await startPulse(options, {
      imports: [FakeUsageModule],
      overrides: [{ provide: UTILISATION_SOURCE, useValue: source }],
    });
    enterprise = await createTenant(pulse.url, uniqueTenantId('limits-ent'), 'enterprise');
    basic = await createTenant(pulse.url, uniqueTenantId('limits-basic'), 'basic');
    const directory = pulse.app.get(TenantDirectory);
    await waitFor(async () => Boolean(directory.get(enterprise.id) && directory.get(basic.id)), Boolean);
    const res = await request<{ signingSecret: string }>(pulse.url, 'POST', '/api/v1/alerts/channels', {
      key: enterprise.apiKey,
      body: { type: 'webhook', name: 'limits', config: { url: `${http.url}/hook` } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    secret = res.body.signingSecret;
    // A basic tenant cannot add a channel (alerts are enterprise); one written under it anyway is never used.
    const now = new Date().toISOString();
    await pulse.app.get(AlertingRepository).saveChannel(basic.id, {
      id: 'ch_planted',
      type: 'webhook',
      name: 'planted',
      config: { url: `${http.url}/basic-hook`, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      createdAt: now,
      updatedAt: now,
    });
    nc = await publisher();
    sub = nc.subscribe(limitsSubject(enterprise.id), {
      callback: (_err, msg) => {
        onNats.push(msg.json<LimitCrossing>());
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    sub?.unsubscribe();
    await nc?.close();
    await pulse?.close();
    await http?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it("0.5 → 0.8 → 0.85 → 0.96 → 0.5: the tenant's channel gets each crossing once, signed; the operator its critical ones", async () => {
    for (const level of [0.5, 0.8, 0.85, 0.96, 0.5]) await pass(level);

    const received = http.on('/hook');
    const bodies = hooks('/hook');
    expect(bodies.map((b) => `${b.type} ${String(b.data.details.level)}`)).toEqual([
      'alert.fired warning',
      'alert.fired critical',
      'alert.resolved critical',
      'alert.resolved warning',
    ]);
    for (const h of received) {
      const id = String(h.headers['webhook-id']);
      const ts = Number(h.headers['webhook-timestamp']);
      expect(h.headers['webhook-signature']).toBe(signWebhook(secret, id, ts, h.body));
    }
    const [warning, critical, criticalEnd, warningEnd] = bodies.map((b) => b.data);
    expect(warning).toMatchObject({
      tenantId: enterprise.id,
      event: 'trigger',
      severity: 'warning',
      title: 'connections limit warning',
      summary: 'connections at 80 % of the limit (40 of 50): past the warning threshold',
      details: { limit: 'connections', level: 'warning', used: 40, max: 50, utilisation: 0.8, utilisationPercent: 80 },
    });
    expect(critical.summary).toBe('connections at 96 % of the limit (48 of 50): past the critical threshold');
    expect(criticalEnd.summary).toBe('connections back below the critical threshold: 50 % of the limit (25 of 50)');
    // An opening and its end share the crossing id and alert key (PagerDuty's dedup key).
    expect(warningEnd.details.crossingId).toBe(warning.details.crossingId);
    expect(warningEnd.alertKey).toBe(warning.alertKey);
    expect(criticalEnd.alertKey).toBe(critical.alertKey);
    expect(String(warning.details.crossingId)).toMatch(new RegExp(`^${enterprise.id}:connections:warning:\\d+$`));
    expect(warning.alertKey).toBe(`limit:${String(warning.details.crossingId).slice(enterprise.id.length + 1)}`);

    // The basic tenant's planted channel: nothing.
    expect(http.on('/basic-hook')).toHaveLength(0);

    // The operator (ALERT_OPERATOR_LIMITS=critical by default): both tenants' critical crossings, warnings not.
    const texts = (
      await waitFor(
        async () => operator(),
        (o) => o.length >= 4,
        { timeoutMs: 5000 },
      )
    ).map((o) => o.text);
    expect(texts).toHaveLength(4);
    for (const t of [enterprise.id, basic.id]) {
      const mine = texts.filter((x) => x.includes(`${t}: connections limit critical`));
      expect(mine).toHaveLength(2);
      expect(mine[0]).toMatch(/^:rotating_light: Alert: /);
      expect(mine[1]).toMatch(/^:white_check_mark: Resolved: /);
    }
    expect(texts.some((x) => x.includes('warning'))).toBe(false);

    // The console's incident log has them.
    const overview = await request<{ incidents: { incident: string; event: string; summary: string }[] }>(
      pulse.url,
      'GET',
      '/api/v1/admin/overview',
      { key: ADMIN_KEY },
    );
    expect(overview.status).toBe(200);
    const incidents = overview.body.incidents.filter((i) => i.incident === 'tenant_limit');
    expect(incidents.map((i) => i.event).sort()).toEqual(['opened', 'opened', 'resolved', 'resolved']);
    expect(incidents.filter((i) => i.summary.startsWith(`${basic.id}: connections`))).toHaveLength(2);

    // Published on the tenant's limits subject, in order.
    await waitFor(
      async () => onNats.length,
      (n) => n >= 4,
    );
    expect(onNats.map((c) => `${c.event} ${c.level}`)).toEqual([
      'opened warning',
      'opened critical',
      'resolved critical',
      'resolved warning',
    ]);

    // The tenant's alert log says each once, as limit alerts.
    const alerts = await request<{ alerts: { source: string; status: string; crossingId: string }[] }>(
      pulse.url,
      'GET',
      '/api/v1/alerts',
      { key: enterprise.apiKey },
    );
    expect(alerts.status).toBe(200);
    expect(alerts.body.alerts.filter((a) => a.source === 'limit')).toHaveLength(4);
  });

  it('a crossing handed out again (the watch replays its outbox) is not sent again, to the tenant or the operator', async () => {
    const before = { hook: http.on('/hook').length, operator: operator().length };
    const again = onNats.slice(1, 3); // the critical opening and its end
    for (const crossing of again) await pulse.app.get(AlertingService).onLimit(crossing);
    await pulse.app.get(AlertingService).settle([enterprise.id]);
    await new Promise((r) => setTimeout(r, 300));
    expect(http.on('/hook').length).toBe(before.hook);
    expect(operator().length).toBe(before.operator);
    const received: Received[] = http.on('/hook');
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(received.length);
  });
});
