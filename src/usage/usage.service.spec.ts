import { describe, expect, it, vi } from 'vitest';
import { RetentionExceededError } from '../analytics/analytics.errors.js';
import { TierRequiredException } from '../common/errors/tier-required.exception.js';
import { retentionOfDays } from '../common/retention.js';
import type { Tier } from '../common/tiers.js';
import { dayOf } from '../common/time.js';
import { defaultPulseOptions } from '../config/env.validation.js';
import type { HistoryReader } from '../history/history-reader.js';
import type { JetStreamReader } from '../jetstream/jetstream.types.js';
import type { TenantDirectory } from '../tenants/tenant-directory.js';
import { NO_TENANT_LIMITS, type Tenant } from '../tenants/tenant.js';
import { streamFigures } from '../../test/support/jetstream-fake.js';
import { claims, FakeServerUsageReader, serverSnapshot } from '../../test/support/server-usage-fake.js';
import { tenantRecord } from '../../test/support/tenants.js';
import { UsageService } from './usage.service.js';

// The fit (analytics' grid search) counted: the answer applies the current use to a fit kept for the hour.
const fits = vi.hoisted(() => ({ count: 0 }));
vi.mock('../analytics/forecast.js', async (actual) => {
  const real = await actual<typeof import('../analytics/forecast.js')>();
  return {
    ...real,
    forecast: (history: number[], horizon: number) => {
      fits.count++;
      return real.forecast(history, horizon);
    },
  };
});

const NOW = Date.UTC(2026, 11, 10, 10, 20);
const TODAY = dayOf(NOW);
const DEFAULT_DAYS: Record<Tier, number> = { basic: 1, professional: 7, enterprise: 30 };

/** History hashes by period (`d<yyyymmdd>`, `h<epoch s>`) and totals, as Redis would hold them. */
class FakeHistory {
  readonly periods = new Map<string, Record<string, string>>();
  totalsHash: Record<string, string> = {};
  readonly asked: string[] = [];

  days(tenantId: string, days: string[]) {
    this.asked.push(...days.map((d) => `${tenantId}:d${d}`));
    return Promise.resolve(days.map((d) => this.periods.get(`${tenantId}:d${d}`) ?? {}));
  }

  hours(tenantId: string, hours: number[]) {
    return Promise.resolve(hours.map((h) => this.periods.get(`${tenantId}:h${h}`) ?? {}));
  }

  totals(_tenantId: string, fields: string[]) {
    return Promise.resolve(fields.map((f) => this.totalsHash[f] ?? null));
  }
}

function directoryOf(tenants: Tenant[]): TenantDirectory {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  return {
    get: (id: string) => byId.get(id),
    list: () => [...byId.values()],
    retentionOf: (id: string) => {
      const t = byId.get(id);
      const tier = t?.tier ?? 'basic';
      return retentionOfDays(tier, t?.retentionDays ?? DEFAULT_DAYS[tier]);
    },
    tierRetentionDays: (tier: Tier) => DEFAULT_DAYS[tier],
  } as unknown as TenantDirectory;
}

function setup(
  tenants: Tenant[],
  { server = new FakeServerUsageReader(), jetstream = null as JetStreamReader | null } = {},
) {
  const history = new FakeHistory();
  const service = new UsageService(
    history as unknown as HistoryReader,
    directoryOf(tenants),
    defaultPulseOptions(),
    server,
    jetstream,
  );
  return { service, history, server };
}

const principal = (t: Tenant) => ({ tenantId: t.id, tier: t.tier, keyId: 'k1' });

describe('UsageService', () => {
  it("today and the month from the day hashes: Pulse's publish count beside the server's ingress and egress", async () => {
    const t = tenantRecord('acme', { tier: 'enterprise' });
    const { service, history } = setup([t]);
    history.periods.set(`acme:d${TODAY}`, {
      m: '10',
      b: '100',
      sv_in_m: '10',
      sv_in_b: '100',
      sv_out_m: '50',
      sv_out_b: '500',
    });
    history.periods.set('acme:d20261201', {
      m: '90',
      b: '900',
      sv_in_m: '90',
      sv_in_b: '900',
      sv_out_m: '90',
      sv_out_b: '900',
      cn_min: '60',
    });
    const answer = await service.usage(principal(t), '24h', NOW);
    expect(answer.today).toMatchObject({ published: { messages: 10 }, egress: { messages: 50 }, fanout: 5 });
    expect(answer.month).toMatchObject({
      published: { messages: 100, bytes: 1000 },
      ingress: { messages: 100, bytes: 1000 },
      egress: { messages: 140, bytes: 1400 },
      fanout: 1.4,
      connectionMinutes: 60,
    });
    expect(answer.monthFrom).toBe('2026-12-01T00:00:00.000Z');
    expect(answer).toMatchObject({
      tenantId: 'acme',
      shape: 'subjects',
      natsAccount: null,
      serverFigures: 'connected',
    });
    expect(answer.thresholds).toEqual({ warning: 0.8, critical: 0.95 });
    expect(answer.history.granularity).toBe('hour');
    expect(answer.history.points).toHaveLength(24);
    expect(answer.history.points[23].timestamp).toBe('2026-12-10T10:00:00.000Z');
  });

  it('a basic tenant counts the month from the days it keeps (today and yesterday), and says from when', async () => {
    const t = tenantRecord('b1');
    const { service, history } = setup([t]);
    const answer = await service.usage(principal(t), '24h', NOW);
    expect(answer.monthFrom).toBe('2026-12-09T00:00:00.000Z');
    expect(history.asked).toEqual(['b1:d20261209', `b1:d${TODAY}`]);
  });

  it('history: 7d and 30d per day (today last); beyond the retention 403 naming the tier, or RETENTION_EXCEEDED', async () => {
    const basic = tenantRecord('b1');
    const pro = tenantRecord('p1', { tier: 'professional' });
    const short = tenantRecord('e1', { tier: 'enterprise', retentionDays: 5 });
    const { service } = setup([basic, pro, short]);
    const week = await service.usage(principal(pro), '7d', NOW);
    expect(week.history.granularity).toBe('day');
    expect(week.history.points.map((p) => p.timestamp.slice(0, 10))).toEqual([
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
      '2026-12-10',
    ]);
    await expect(service.usage(principal(basic), '7d', NOW)).rejects.toMatchObject({
      code: 'TIER_REQUIRED',
      requiredTier: 'professional',
      currentTier: 'basic',
    });
    const err = await service.usage(principal(pro), '30d', NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TierRequiredException);
    expect((err as TierRequiredException).requiredTier).toBe('enterprise');
    expect((err as Error).message).toContain('period=30d');
    // Enterprise with 5 days of its own: no tier to name.
    await expect(service.usage(principal(short), '7d', NOW)).rejects.toBeInstanceOf(RetentionExceededError);
  });

  it('accounts: limits from the claims, connections from the snapshot; forecasts in the answer, none in limits()', async () => {
    const t = tenantRecord('acct', { tier: 'enterprise', natsAccount: 'ACME' });
    const server = new FakeServerUsageReader();
    server.snapshots.set(
      'acct',
      serverSnapshot('acct', {
        shape: 'account',
        at: NOW - 5000,
        connections: 4,
        subscriptions: 10,
        jetstream: { memory: 0, storage: 500, streams: 1, consumers: 2 },
        claims: claims({ connections: 5, subscriptions: 1000, jetstreamStorage: 1000 }),
      }),
    );
    const { service, history } = setup([t], { server });
    // 30 hours whose connection peak was 4.
    const hour = Math.floor(NOW / 3_600_000) * 3600;
    for (let i = 1; i <= 30; i++) history.periods.set(`acct:h${hour - i * 3600}`, { cn_pk: '4' });
    const answer = await service.usage(principal(t), '24h', NOW);
    expect(answer).toMatchObject({
      shape: 'account',
      natsAccount: 'ACME',
      polledAt: new Date(NOW - 5000).toISOString(),
    });
    const connections = answer.limits.find((l) => l.limit === 'connections')!;
    expect(connections).toMatchObject({ max: 5, source: 'account', used: 4, utilisation: 0.8, level: 'warning' });
    expect(connections.forecast).toMatchObject({ reachedAt: null, horizonHours: 168 });
    expect(answer.limits.find((l) => l.limit === 'jetstreamStorage')).toMatchObject({ used: 500, utilisation: 0.5 });
    const watched = await service.limits('acct', { now: NOW });
    expect(watched.find((l) => l.limit === 'connections')).toMatchObject({ utilisation: 0.8, forecast: null });
    expect(await service.limits('nobody', { now: NOW })).toEqual([]);
  });

  it('forecasts: fitted once per limit series and hour, the use now applied per request', async () => {
    const t = tenantRecord('fit', {
      tier: 'enterprise',
      limits: {
        ...NO_TENANT_LIMITS,
        connections: 5,
        subscriptions: 20,
        data: 1e9,
        jetstreamMemory: 1000,
        jetstreamStorage: 1000,
      },
      monthlyMessageQuota: 1000,
    });
    const server = new FakeServerUsageReader();
    server.snapshots.set(
      'fit',
      serverSnapshot('fit', {
        shape: 'subjects',
        at: NOW - 5000,
        connections: 4,
        subscriptions: 10,
      }),
    );
    const view = {
      tenantId: 'fit',
      polledAt: new Date(NOW).toISOString(),
      streams: [
        { ...streamFigures('M', ['tenant.fit.m'], 1, 250), storage: 'memory' as const },
        streamFigures('F', ['tenant.fit.f'], 1, 500),
      ],
      consumers: [],
      omitted: { streams: 0, consumers: 0 },
    };
    const jetstream = { current: () => Promise.resolve(view) } as unknown as JetStreamReader;
    const { service, history } = setup([t], { server, jetstream });
    const hour = Math.floor(NOW / 3_600_000) * 3600;
    for (let i = 1; i <= 30; i++)
      history.periods.set(`fit:h${hour - i * 3600}`, {
        cn_pk: String(2 + (i % 3)),
        sub_pk: String(8 + (i % 4)),
        js_bmin: String(60 * (600 + i)),
        sv_in_b: '1000',
        sv_out_b: '2000',
        m: '10',
      });
    fits.count = 0;
    const first = await service.usage(principal(t), '24h', NOW);
    const forecasted = first.limits.filter((l) => l.forecast !== null).map((l) => l.limit);
    expect(forecasted.sort()).toEqual(
      ['connections', 'data', 'jetstreamMemory', 'jetstreamStorage', 'monthlyMessages', 'subscriptions'].sort(),
    );
    // One fit per series: connections, subscriptions, JetStream bytes (memory and storage share it), data, messages.
    expect(fits.count).toBe(5);
    const again = await service.usage(principal(t), '24h', NOW + 60_000);
    expect(fits.count).toBe(5);
    expect(again.limits.map((l) => l.forecast)).toEqual(first.limits.map((l) => l.forecast));
    // The use now is applied per request: 5 of 5 connections is reached in the current hour.
    server.snapshots.set('fit', { ...server.snapshots.get('fit')!, connections: 5 });
    const full = await service.usage(principal(t), '24h', NOW + 120_000);
    expect(fits.count).toBe(5);
    expect(full.limits.find((l) => l.limit === 'connections')!.forecast).toMatchObject({
      reachedAt: new Date(hour * 1000).toISOString(),
    });
    // The next hour fits again.
    await service.usage(principal(t), '24h', NOW + 3_600_000);
    expect(fits.count).toBe(10);
  });

  it("accounts without a snapshot (claims unknown): the watch's reading lists only the limits not from claims", async () => {
    const t = tenantRecord('lost', { tier: 'enterprise', natsAccount: 'ALOST', monthlyMessageQuota: 100 });
    const server = new FakeServerUsageReader();
    server.state = 'disconnected';
    const { service } = setup([t], { server });
    // A limit the source does not list keeps the watch's state (stepLimits): no false resolve.
    expect((await service.limits('lost', { now: NOW })).map((l) => l.limit)).toEqual(['monthlyMessages']);
    server.snapshots.set('lost', serverSnapshot('lost', { shape: 'account', connections: 4, claims: claims({}) }));
    expect((await service.limits('lost', { now: NOW })).map((l) => l.limit)).toContain('connections');
  });

  it('subjects: JetStream from the poll of the attributed streams; server figures off: connections not measured', async () => {
    const t = tenantRecord('sub', {
      tier: 'professional',
      limits: { ...NO_TENANT_LIMITS, connections: 10, jetstreamMemory: 1000, jetstreamStorage: 1000 },
    });
    const server = new FakeServerUsageReader();
    server.state = 'off';
    const view = {
      tenantId: 'sub',
      polledAt: new Date(NOW).toISOString(),
      streams: [
        { ...streamFigures('M', ['tenant.sub.m'], 1, 250), storage: 'memory' as const },
        streamFigures('F', ['tenant.sub.f'], 1, 900),
      ],
      consumers: [],
      omitted: { streams: 0, consumers: 0 },
    };
    const jetstream = { current: () => Promise.resolve(view) } as unknown as JetStreamReader;
    const { service } = setup([t], { server, jetstream });
    const answer = await service.usage(principal(t), '24h', NOW);
    expect(answer).toMatchObject({ serverFigures: 'off', polledAt: null });
    const byName = new Map(answer.limits.map((l) => [l.limit, l]));
    expect(byName.get('connections')).toMatchObject({ source: 'tenant', used: 0, utilisation: null, level: 'ok' });
    expect(byName.get('jetstreamMemory')).toMatchObject({ used: 250, utilisation: 0.25 });
    expect(byName.get('jetstreamStorage')).toMatchObject({ used: 900, utilisation: 0.9, level: 'warning' });
  });

  it('without a system account (the reader says off, nothing ever counted) the server figures are off', async () => {
    const t = tenantRecord('x');
    const off = new FakeServerUsageReader();
    off.state = 'off';
    const service = new UsageService(
      new FakeHistory() as unknown as HistoryReader,
      directoryOf([t]),
      defaultPulseOptions(),
      off,
      null,
    );
    const answer = await service.usage(principal(t), '24h', NOW);
    expect(answer).toMatchObject({ serverFigures: 'off', polledAt: null });
    expect((await service.exposition('x', NOW)).server).toBeNull();
  });

  it('the watch reads what a limit with a value needs: today only, the month for a monthly limit', async () => {
    const plain = tenantRecord('w1', { tier: 'enterprise', limits: { ...NO_TENANT_LIMITS, payload: 100 } });
    const quota = tenantRecord('w2', { tier: 'enterprise', monthlyMessageQuota: 50 });
    const { service, history } = setup([plain, quota]);
    history.periods.set('w2:d20261201', { m: '40' });
    await service.limits('w1', { now: NOW });
    expect(history.asked).toEqual([`w1:d${TODAY}`]);
    const limits = await service.limits('w2', { now: NOW });
    expect(history.asked).toHaveLength(11); // today, and the 10 days of the month for w2
    expect(limits.find((l) => l.limit === 'monthlyMessages')).toMatchObject({
      used: 40,
      utilisation: 0.8,
      level: 'warning',
    });
  });

  it("the operator's ranking: by highest utilisation then id, bounded, tenants without a measured limit left out", async () => {
    const withLimit = (id: string, connections: number) =>
      tenantRecord(id, {
        limits: { ...NO_TENANT_LIMITS, connections: 10 },
        monthlyMessageQuota: null,
        name: String(connections),
      });
    const tenants = [
      withLimit('t-a', 5),
      withLimit('t-b', 9),
      withLimit('t-c', 9),
      tenantRecord('t-none'),
      withLimit('t-cold', 0),
    ];
    const server = new FakeServerUsageReader();
    for (const t of tenants.slice(0, 3))
      server.snapshots.set(t.id, serverSnapshot(t.id, { connections: Number(t.name) }));
    const { service } = setup(tenants, { server });
    const ranking = await service.ranking(2, NOW);
    expect(ranking.total).toBe(3);
    expect(ranking.tenants).toEqual([
      { tenantId: 't-b', limit: 'connections', used: 9, max: 10, utilisation: 0.9, level: 'warning', reachedAt: null },
      { tenantId: 't-c', limit: 'connections', used: 9, max: 10, utilisation: 0.9, level: 'warning', reachedAt: null },
    ]);
  });

  it("exposition: the server's all-time totals, and the limits", async () => {
    const t = tenantRecord('p', { limits: { ...NO_TENANT_LIMITS, payload: 1000 } });
    const { service, history } = setup([t]);
    history.totalsHash = { sv_in_m: '3', sv_in_b: '30', sv_out_m: '15', sv_out_b: '150', pd_m: '3', pd_b: '36' };
    history.periods.set(`p:d${TODAY}`, { pl_max: '900' });
    const exposition = await service.exposition('p', NOW);
    expect(exposition.server).toEqual({
      ingress: { messages: 3, bytes: 30 },
      egress: { messages: 15, bytes: 150 },
      pulseDelivered: { messages: 3, bytes: 36 },
    });
    expect(exposition.limits.find((l) => l.limit === 'payload')).toMatchObject({ used: 900, utilisation: 0.9 });
  });
});
