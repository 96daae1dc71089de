import type { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertingRepository } from '../../src/alerting/alerting.repository.js';
import { AlertingService } from '../../src/alerting/alerting.service.js';
import { RuleEvaluatorJob } from '../../src/alerting/rule-evaluator.job.js';
import { RuleMetricsReader } from '../../src/alerting/rule-metrics.reader.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
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
import { HttpReceiver, localAlerting, SmtpReceiver } from '../support/receivers.js';

/**
 * One enterprise tenant's broken rule (null fields, stored before PATCH refused them) or failing
 * evaluation must not stop the rule alerts of the tenants evaluated after it; and no PATCH body
 * stores a null where the field has no null meaning.
 */
describe('rule evaluation across tenants, and null fields in updates (real NATS and Redis)', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let pulse: RunningPulse;
  let options: ReturnType<typeof testOptions>;
  /** In the evaluator's order: first is evaluated before second. */
  let first: CreatedTenant;
  let second: CreatedTenant;
  const hookOf: Record<string, string> = {};
  const ruleOf: Record<string, string> = {};

  const api = <T = Record<string, unknown>>(t: CreatedTenant, method: string, path: string, body?: unknown) =>
    request<T>(pulse.url, method, `/api/v1${path}`, { key: t.apiKey, body });

  const firingRule = (name: string, channelId: string) => ({
    name,
    metric: 'online_clients',
    operator: 'lt',
    threshold: 1_000_000,
    forSeconds: 0,
    severity: 'warning',
    channelIds: [channelId],
  });

  const alertsTo = (t: CreatedTenant) =>
    http.on(hookOf[t.id]).filter((r) => JSON.parse(r.body).type === 'alert.fired').length;

  beforeAll(async () => {
    http = await new HttpReceiver().start();
    smtp = await new SmtpReceiver().start();
    options = testOptions({ alerting: localAlerting(http, smtp) });
    pulse = await startPulse(options);
    const a = await createTenant(pulse.url, uniqueTenantId('rules-a'), 'enterprise');
    const b = await createTenant(pulse.url, uniqueTenantId('rules-b'), 'enterprise');
    const directory = pulse.app.get(TenantDirectory);
    await waitFor(
      async () => directory.list('alerts').filter((t) => t.id === a.id || t.id === b.id).length,
      (n) => n === 2,
    );
    const order = directory
      .list('alerts')
      .map((t) => t.id)
      .filter((id) => id === a.id || id === b.id);
    [first, second] = order[0] === a.id ? [a, b] : [b, a];
    for (const t of [first, second]) {
      hookOf[t.id] = `/hook/${t.id}`;
      const channel = await api<{ id: string }>(t, 'POST', '/alerts/channels', {
        type: 'webhook',
        name: 'hook',
        config: { url: `${http.url}${hookOf[t.id]}` },
      });
      expect(channel.status, JSON.stringify(channel.body)).toBe(201);
      const rule = await api<{ id: string }>(t, 'POST', '/alerts/rules', firingRule(`fires ${t.id}`, channel.body.id));
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      ruleOf[t.id] = rule.body.id;
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await pulse?.close();
    await http?.stop();
    await smtp?.stop();
    await deletePrefix(SHARED_REDIS, options.redis.keyPrefix);
  });

  it('a stored rule of nulls in the first tenant (pre-fix data) neither stops the second tenant nor its own sound rules', async () => {
    const repository = pulse.app.get(AlertingRepository);
    const alerting = pulse.app.get(AlertingService);
    const stored = await alerting.rule(first.id, ruleOf[first.id]);
    // As PATCH {"channelIds": null} stored it before: every channel is notified (as at create).
    await repository.saveRecord('rules', first.id, stored.id, { ...stored, channelIds: null });
    // As PATCH with every field null stored it before: a rule that cannot be evaluated, skipped.
    await repository.saveRecord('rules', first.id, 'ru_nulls0000000000', {
      ...stored,
      id: 'ru_nulls0000000000',
      name: null,
      operator: null,
      threshold: null,
      forSeconds: null,
      severity: null,
      channelIds: null,
    });
    await repository.saveRecord('rules', first.id, 'ru_notarule', 'not a rule' as unknown as object);

    const transitions = await pulse.app.get(RuleEvaluatorJob).run(Date.now());
    expect(transitions).toBe(2); // the pass completed: both tenants' sound rules fired
    await alerting.settle([first.id, second.id]);
    expect(alertsTo(first)).toBe(1);
    expect(alertsTo(second)).toBe(1);
  });

  it("a tenant whose evaluation fails is named in the pass's failure, and the tenants after it are still evaluated", async () => {
    const alerting = pulse.app.get(AlertingService);
    for (const t of [first, second]) expect((await api(t, 'DELETE', `/alerts/rules/${ruleOf[t.id]}`)).status).toBe(204);
    for (const t of [first, second]) {
      const { channels } = (await api<{ channels: { id: string }[] }>(t, 'GET', '/alerts/channels')).body;
      const rule = await api<{ id: string }>(t, 'POST', '/alerts/rules', firingRule(`again ${t.id}`, channels[0].id));
      expect(rule.status).toBe(201);
    }
    const before = [alertsTo(first), alertsTo(second)];
    const reader = pulse.app.get(RuleMetricsReader);
    const read = reader.read.bind(reader);
    const spy = vi.spyOn(reader, 'read').mockImplementation(async (tenantId, ...rest) => {
      if (tenantId === first.id) throw new TypeError("Cannot read properties of null (reading 'length')");
      return read(tenantId, ...rest);
    });
    // The job's logger: what the operator reads when a pass fails.
    const evaluator: unknown = pulse.app.get(RuleEvaluatorJob);
    const warn = vi.spyOn((evaluator as { job: { deps: { logger: Logger } } }).job.deps.logger, 'warn');
    expect(await pulse.app.get(RuleEvaluatorJob).run(Date.now())).toBeNull(); // the pass fails, naming the tenant
    spy.mockRestore();
    await alerting.settle([first.id, second.id]);
    expect([alertsTo(first), alertsTo(second)]).toEqual([before[0], before[1] + 1]);
    const logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
    expect(logged).toContain(first.id);
    expect(logged).toContain("Cannot read properties of null (reading 'length')");
    expect(logged).not.toContain(second.id);
    warn.mockRestore();
  });

  it('PATCH with null fields is a 400 naming each, and stores nothing', async () => {
    const t = first;
    const { rules } = (await api<{ rules: { id: string; name: string }[] }>(t, 'GET', '/alerts/rules')).body;
    const rule = rules.find((r) => r.name.startsWith('again'))!;
    const fields = ['name', 'operator', 'threshold', 'severity', 'forSeconds', 'channelIds'];
    for (const field of fields) {
      const res = await api<{ message: string; details: { field: string }[] }>(t, 'PATCH', `/alerts/rules/${rule.id}`, {
        [field]: null,
      });
      expect(res.status, field).toBe(400);
      expect(res.body.details.map((d) => d.field)).toEqual([field]);
      expect(res.body.message).toContain(`${field} must not be null`);
    }
    const all = await api<{ details: { field: string }[] }>(
      t,
      'PATCH',
      `/alerts/rules/${rule.id}`,
      Object.fromEntries(fields.map((f) => [f, null])),
    );
    expect(all.status).toBe(400);
    expect(new Set(all.body.details.map((d) => d.field))).toEqual(new Set(fields));
    const after = await api<Record<string, unknown>>(t, 'GET', `/alerts/rules/${rule.id}`);
    for (const field of fields) expect(after.body[field], field).not.toBeNull();

    // Every other update body: checked before any lookup, so an unknown id shows it.
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['PATCH', '/alerts/channels/ch_00000000', { name: null, config: null }, 'name,config'],
      [
        'PATCH',
        '/metrics/custom/cm_00000000',
        { name: null, subject: null, source: null, aggregation: null },
        'name,subject,source,aggregation',
      ],
      ['PATCH', '/events/subscriptions/sub_00000000', { url: null, types: null, paused: null }, 'url,types,paused'],
    ];
    for (const [method, path, body, named] of cases) {
      const res = await api<{ details: { field: string }[] }>(t, method, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.details.map((d) => d.field).sort(), path).toEqual(named.split(',').sort());
    }
    // A null that means something is still taken: clientFilter null removes the filter, unit null clears it.
    expect((await api(t, 'PATCH', '/metrics/custom/cm_00000000', { unit: null })).status).toBe(404);

    const admin = (body: unknown) =>
      request<{ details: { field: string }[] }>(pulse.url, 'PATCH', `/api/v1/admin/tenants/${t.id}`, {
        key: ADMIN_KEY,
        body,
      });
    const tenantNulls = {
      name: null,
      tier: null,
      plan: null,
      anomalySensitivity: null,
      natsIdentities: null,
      sampling: null,
      status: null,
    };
    const res = await admin(tenantNulls);
    expect(res.status).toBe(400);
    expect(res.body.details.map((d) => d.field).sort()).toEqual(Object.keys(tenantNulls).sort());
    const nested = await admin({ natsIdentities: { accounts: null, users: null, nkeys: null } });
    expect(nested.status).toBe(400);
    expect(nested.body.details.map((d) => d.field).sort()).toEqual([
      'natsIdentities.accounts',
      'natsIdentities.nkeys',
      'natsIdentities.users',
    ]);
    // Nulls that clear a value are still taken.
    expect((await admin({ monthlyMessageQuota: null, retentionDays: null, natsAccount: null })).status).toBe(200);
  });
});
